// SPDX-License-Identifier: GPL-2.0

//! The results as CI systems and people read them: `results.json`, `results.ktap`,
//! `results.xml` (JUnit), `results.kcidb.json` (KernelCI), `index.html` and the printed table.

pub mod describe;
pub mod dump_levels;
pub mod html;
pub mod json;
pub mod junit;
pub mod kcidb;
pub mod ktap;
pub mod lava;
pub mod table;
