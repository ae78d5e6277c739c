// SPDX-License-Identifier: GPL-2.0

//! The module's read-only debugfs files, for people and tools: `faults` (every fault as this
//! kernel reports it), `points` (the named crash points), `contexts` (which contexts are
//! deferred) and `lines` (the pattern of every line the module prints that something else
//! reads). Each line is one of the catalog's line templates (`catalog::listings`, `catalog::lines`).

use core::fmt::Display as CoreDisplay;

use kernel::fmt;

use crate::{
    catalog::{
        self,
        lines,
        listings::{
            self,
            yes_no, //
        },
        template::Value,
        Context,
        Expect,
        Fault,
        Kind,
        Report, //
    },
    glue::ARCH,
    kconfig,
    sysctl, //
};

/// What this kernel does with `fault` in process context (every fault allows it): the fault
/// as this kernel reports it, and which of the catalog's reports that is.
fn on_this_kernel(fault: &'static Fault) -> (Fault, Report) {
    let report = fault.report(Context::Process, |need| {
        kconfig::enabled(need) == Some(true)
    });
    match report {
        Report::Instead(alt) => (fault.instead(alt), report),
        Report::Main | Report::Unobservable(_) => (*fault, report),
    }
}

/// Whether `fault` panics this kernel as configured now (for process context; an oops in
/// interrupt context always panics).
fn fatal(fault: &Fault) -> &'static str {
    match fault.kind {
        Kind::Panic => "yes",
        Kind::Lockdep => "no",
        kind => match kind.panic_sysctl().and_then(sysctl::read_kernel_int) {
            Some(0) => "no",
            Some(_) => "yes",
            None => "unknown",
        },
    }
}

/// Formats as the items joined by `separator`.
struct Joined<I>(I, &'static str);

impl<I, T> core::fmt::Display for Joined<I>
where
    I: Iterator<Item = T> + Clone,
    T: CoreDisplay,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, item) in self.0.clone().enumerate() {
            write!(f, "{}{item}", if i > 0 { self.1 } else { "" })?;
        }
        Ok(())
    }
}

/// Formats as `CONFIG_X:y` for an option of this kernel (`:n` unset, `:?` unknown).
struct State(&'static str);

impl core::fmt::Display for State {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let state = match kconfig::enabled(self.0) {
            Some(true) => "y",
            Some(false) => "n",
            None => "?",
        };
        write!(f, "{}:{state}", self.0)
    }
}

/// Formats as `needs=`'s value: the options with their state, comma-separated, or `-`.
struct Needs(&'static [&'static str], &'static [&'static str]);

impl core::fmt::Display for Needs {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.0.is_empty() && self.1.is_empty() {
            return f.write_str("-");
        }
        let all = self.0.iter().chain(self.1).map(|n| State(n));
        Joined(all, ",").fmt(f)
    }
}

/// Formats as `expect=`'s value for `fault` shown the `report` way.
struct ExpectText(Report, Expect);

impl core::fmt::Display for ExpectText {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match (self.0, self.1) {
            (Report::Unobservable(missing), _) => {
                let (before, after) = catalog::NO_REPORT;
                write!(f, "{before}{missing}{after}")
            }
            (_, Expect::Lines(lines)) => Joined(lines.iter(), " && ").fmt(f),
            (_, Expect::Unsupported(why)) => write!(f, "unsupported: {why}"),
        }
    }
}

/// Reading `faults`: one fault per line ([`listings::FAULT_LISTING`]), as this kernel reports it
/// in process context; `expect=` is last and runs to the end of the line (regular
/// expressions, joined by ` && `). `report=` says which of the catalog's reports that is:
/// `main`, `instead` (the kernel lacks the main report's options and reports the fault another
/// way; `needs=` then lists both reports' options) or `none` (the catalog has no report for a
/// kernel without them: `expect=none: ...` names the option it lacks).
pub(crate) fn faults(_: &(), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for main in catalog::FAULTS {
        let (fault, report) = on_this_kernel(main);
        let fatal = match report {
            Report::Unobservable(_) => "no",
            Report::Main | Report::Instead(_) => fatal(&fault),
        };
        let alt_needs = match report {
            Report::Instead(alt) => alt.needs,
            Report::Main | Report::Unobservable(_) => &[],
        };
        // The values in the call, not in a `let`: they borrow temporaries.
        listings::FAULT_LISTING.write(
            f,
            &[
                Value::Show(&fault.name),
                Value::Show(&fault.category),
                Value::Show(&fault.kind.name()),
                Value::Show(&Joined(fault.contexts.iter().map(Context::name), ",")),
                Value::Show(&fatal),
                Value::Show(&Needs(main.needs, alt_needs)),
                Value::Show(&report.name()),
                Value::Show(&ARCH.name()),
                Value::Show(&ExpectText(report, fault.expect(ARCH))),
            ],
        )?;
        writeln!(f)?;
    }
    Ok(())
}

/// Reading `points`: one named crash point of `at=` per line ([`listings::POINT_LISTING`]):
/// where its function runs, what makes a guest reach it, its functions on this architecture
/// (the first one this kernel has is probed), the options `at=` needs, and `description=` to
/// the end of the line.
pub(crate) fn points(_: &(), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for point in catalog::POINTS {
        // The values in the call, not in a `let`: they borrow temporaries.
        listings::POINT_LISTING.write(
            f,
            &[
                Value::Show(&point.name),
                Value::Show(&point.reach.name()),
                Value::Show(&point.workload.name()),
                Value::Show(&ARCH.name()),
                Value::Show(&Joined(point.symbols(ARCH).iter(), ",")),
                Value::Show(&Needs(catalog::AT_NEEDS, &[])),
                Value::Show(&point.description),
            ],
        )?;
        writeln!(f)?;
    }
    Ok(())
}

/// Reading `contexts`: one context per line ([`listings::CONTEXT_LISTING`]), and whether a fault
/// fired there runs after the write returned.
pub(crate) fn contexts(_: &(), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for ctx in Context::ALL {
        // The values in the call, not in a `let`: they borrow temporaries.
        listings::CONTEXT_LISTING.write(
            f,
            &[
                Value::Show(&ctx.name()),
                Value::Show(&yes_no(ctx.deferred())),
            ],
        )?;
        writeln!(f)?;
    }
    Ok(())
}

/// Reading `lines`: every line the module prints that something else reads, with its
/// pattern (`catalog::lines::write_all`).
pub(crate) fn patterns(_: &(), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    lines::write_all(f)
}
