// SPDX-License-Identifier: GPL-2.0

//! The runner's model: everything that is decided, parsed or formatted without touching the
//! world. The guest protocol and the lines it reads, the plan, the facts a run produced, the
//! rules that judge them ([`verdict`]) and the results they make. Nothing here reads a file,
//! starts a process or looks at the clock: the unit tests feed it recorded consoles and drgn
//! outputs, and a test below keeps it that way.

pub mod facts;
pub mod kconfig;
pub mod ktap;
pub mod lkdtm;
pub mod plan;
pub mod protocol;
pub mod results;
pub mod skew;
pub mod symbols;
pub mod title;
pub mod verdict;
