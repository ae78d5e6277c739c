// SPDX-License-Identifier: GPL-2.0

//! The runner's other subcommands: the benchmark's table, merging shards, and the pages
//! generated from the catalog and from measured runs.

pub mod bench;
pub mod docs;
pub mod list;
pub mod merge;
pub mod summary;
