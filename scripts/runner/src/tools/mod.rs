// SPDX-License-Identifier: GPL-2.0

//! The runner's tools: subcommands for the scripts, one file each, and the generated pages'
//! split between what the code says and what runs measured (`measured_page`).

pub mod expect_cause;
pub mod measured_page;
pub mod own_level_intact;
pub mod same_verdicts;
