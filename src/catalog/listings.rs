// SPDX-License-Identifier: GPL-2.0

//! The lines of the module's debugfs listings (`faults`, `points`, `contexts`), defined once
//! as [`Template`]s like the logged lines of `lines.rs`: `key=value` fields, the last one
//! running to the end of the line.

use core::fmt;

use super::template::{
    Class::*,
    Piece::*,
    Template,
    Value, //
};

/// A line of the `faults` file: a fault as this kernel reports it.
pub(crate) const FAULT_LISTING: Template = Template {
    name: "fault_listing",
    logged: false,
    pieces: &[
        Text("name="),
        Field("name", Name),
        Text(" category="),
        Field("category", Word),
        Text(" kind="),
        Field("kind", Word),
        Text(" contexts="),
        Field("contexts", Token),
        Text(" fatal="),
        Field("fatal", Word),
        Text(" needs="),
        Field("needs", Token),
        Text(" report="),
        Field("report", Word),
        Text(" arch="),
        Field("arch", Word),
        Text(" expect="),
        Field("expect", Rest),
    ],
};

/// A line of the `points` file: a named crash point on this kernel.
pub(crate) const POINT_LISTING: Template = Template {
    name: "point_listing",
    logged: false,
    pieces: &[
        Text("name="),
        Field("name", Name),
        Text(" reach="),
        Field("reach", Word),
        Text(" workload="),
        Field("workload", Word),
        Text(" arch="),
        Field("arch", Word),
        Text(" functions="),
        Field("functions", Token),
        Text(" needs="),
        Field("needs", Token),
        Text(" description="),
        Field("description", Rest),
    ],
};

/// A line of the `contexts` file: a context, and whether it runs the fault after the write
/// returned (`yes`) or in the writer (`no`).
pub(crate) const CONTEXT_LISTING: Template = Template {
    name: "context_listing",
    logged: false,
    pieces: &[
        Text("name="),
        Field("name", Word),
        Text(" deferred="),
        Field("deferred", Word),
    ],
};

/// `yes` or `no`, as the listings write a truth.
pub(crate) const fn yes_no(yes: bool) -> &'static str {
    if yes {
        "yes"
    } else {
        "no"
    }
}

/// Formats `template` with `values`.
struct Line<'a>(&'static Template, &'a [Value<'a>]);

impl fmt::Display for Line<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.write(f, self.1)
    }
}

/// Formats `template` with `values`, for the listings, whose fields the module writes from
/// several sources.
pub(crate) fn listing<'a>(
    template: &'static Template,
    values: &'a [Value<'a>],
) -> impl fmt::Display + 'a {
    Line(template, values)
}

/// A line of the `faults` file, read: every field as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FaultListing<'a> {
    pub(crate) name: &'a str,
    pub(crate) category: &'a str,
    pub(crate) kind: &'a str,
    /// Context names, comma-separated.
    pub(crate) contexts: &'a str,
    pub(crate) fatal: &'a str,
    /// `CONFIG_X:y` (or `:n`, `:?`), comma-separated, or `-`.
    pub(crate) needs: &'a str,
    pub(crate) report: &'a str,
    pub(crate) arch: &'a str,
    /// The patterns, joined by ` && `, or `unsupported: ...`, or `none: ...`.
    pub(crate) expect: &'a str,
}

impl<'a> FaultListing<'a> {
    /// Reads a line of the `faults` file.
    pub(crate) fn parse(line: &'a str) -> Option<Self> {
        let f = FAULT_LISTING.parse(line)?;
        Some(FaultListing {
            name: f.get("name")?,
            category: f.get("category")?,
            kind: f.get("kind")?,
            contexts: f.get("contexts")?,
            fatal: f.get("fatal")?,
            needs: f.get("needs")?,
            report: f.get("report")?,
            arch: f.get("arch")?,
            expect: f.get("expect")?,
        })
    }
}
