// SPDX-License-Identifier: GPL-2.0

//! The `pstore` check of a `--dump pstore` run: the record the next boot found in
//! `/sys/fs/pstore`, held to the console's rules and the run's id ([`kept_log`]).

use super::{
    check::Check,
    console::Matcher,
    kept_log, //
};
use crate::model::pstore::Record;

/// The check's name.
pub const NAME: &str = "pstore";

/// The record against the fault's rules and the run's id.
pub fn check(record: &Record, matcher: &Matcher, id: &str) -> Check {
    let lines = match record {
        Record::NotYet => {
            return Check::new(
                NAME,
                false,
                "the machine did not boot again after the panic".into(),
            )
        }
        Record::Empty => {
            return Check::new(
                NAME,
                false,
                "the next boot found no dmesg record in pstore".into(),
            )
        }
        Record::Lines(lines) => lines,
    };
    kept_log::check(NAME, lines, matcher, id)
}
