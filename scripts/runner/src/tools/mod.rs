// SPDX-License-Identifier: GPL-2.0

//! The runner's other subcommands: the benchmark's table, merging shards, the results page
//! of several sets, the pages
//! generated from the catalog and from measured runs, and the checks the scripts make on
//! results files (one file each), and where make check's time went.

pub mod bench;
pub mod docs;
pub mod expect_cause;
pub mod lava_job;
pub mod list;
pub mod merge;
pub mod own_level_intact;
pub mod page;
pub mod runs;
pub mod same_verdicts;
pub mod summary;
pub mod times;
