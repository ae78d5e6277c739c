// SPDX-License-Identifier: GPL-2.0

//! The runner's tools: subcommands that read results files for the scripts, one file each.

pub mod expect_cause;
pub mod own_level_intact;
pub mod same_verdicts;
