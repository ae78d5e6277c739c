// SPDX-License-Identifier: GPL-2.0

//! The in-guest selftest: one guest runs `selftests/panicgen.sh` after the module's KUnit
//! suite ran on `insmod`; `verdict::selftest` decides.

use std::time::Duration;

use crate::{
    exec::{
        guest::Guests,
        vm::{
            self,
            Control, //
        },
    },
    model::{
        ktap,
        protocol::{
            self,
            key,
            Event, //
        },
        results::SelftestResult,
        verdict::{
            self,
            selftest::SelftestFacts,
            Verdict, //
        },
    },
};

pub fn run(g: &Guests<'_>, args: &str) -> SelftestResult {
    let console = g.opts.out.join("console").join("selftest.log");
    let spec = g.spec(vec![format!("{}=\"{args}\"", key::SELFTEST)]);
    let boot = || {
        vm::run(&spec, &console, |lines, _| {
            if protocol::last_is(lines, Event::SelftestExit) {
                Control::StopAfter(Duration::from_millis(200))
            } else {
                Control::Continue
            }
        })
    };
    let mut run = boot();
    if protocol::find(&run.lines, Event::Booted).is_none() {
        // The kernel died before its init ran: the machine's failure, not the selftest's
        // (Debian's amd64 kernel under TCG sometimes takes an int3 in sched_clock_cpu while
        // it patches static keys). Once more.
        eprintln!("    selftest: the guest died while booting, trying again");
        run = boot();
    }
    let listing: Vec<&str> = run
        .lines
        .iter()
        .filter_map(|l| match protocol::event(l) {
            Some((Event::Fault, rest)) => Some(rest),
            _ => None,
        })
        .collect();
    // The selftest's KTAP comes after the listing init copies before running it; the KUnit
    // suite's, printed at insmod, comes before it and is never taken for the selftest's.
    let start = run
        .lines
        .iter()
        .rposition(|l| matches!(protocol::event(l), Some((Event::Fault, _))))
        .map_or(0, |i| i + 1);
    let kernel = g.opts.kconfig.as_ref();
    let d = verdict::selftest::decide(SelftestFacts {
        ktap: ktap::parse(&run.lines[start..]),
        finished: protocol::find(&run.lines, Event::SelftestExit).is_some(),
        kunit: ktap::parse_kunit(&run.lines, ktap::KUNIT_SUITE),
        suite: ktap::KUNIT_SUITE,
        kunit_expected: kernel.is_none_or(|k| k.has("CONFIG_KUNIT")),
        // Without the kernel's configuration the runner cannot tell what it does.
        listing: kernel.map_or_else(Vec::new, |k| {
            verdict::listing::compare(&listing, g.opts.arch, k)
        }),
    });
    let verdict = d.cause.map_or(Verdict::Pass, verdict::Cause::verdict);
    SelftestResult {
        args: args.to_string(),
        verdict,
        cause: d.cause,
        reason: if verdict == Verdict::Pass {
            d.reason
        } else {
            format!("{} (console: {})", d.reason, console.display())
        },
        duration_s: run.elapsed.as_secs_f64(),
        console: console.display().to_string(),
        tests: d.tests,
    }
}
