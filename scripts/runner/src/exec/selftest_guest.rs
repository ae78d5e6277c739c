// SPDX-License-Identifier: GPL-2.0

//! The in-guest selftest: one guest runs `selftests/panicgen/panicgen.sh` after the module's
//! KUnit suite ran on `insmod`; `verdict::selftest` decides.

use std::{
    path::Path,
    time::Duration, //
};

use crate::{
    exec::{
        guest::Guests,
        vm::{
            self,
            Control,
            VmRun, //
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
    let (run, first) = boot(g, args, &console);
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
    // Through the kernel's kselftest runner, the selftest's KTAP is inside the runner's.
    let kselftest = g
        .opts
        .kselftest
        .then(|| ktap::unwrap_kselftest(&run.lines[start..], ktap::KSELFTEST_TEST));
    let own = match &kselftest {
        Some(k) => k.as_ref().map_or(&[][..], |k| &k.lines[..]),
        None => &run.lines[start..],
    };
    let d = verdict::selftest::decide(SelftestFacts {
        ktap: ktap::parse(own),
        finished: protocol::find(&run.lines, Event::SelftestExit).is_some(),
        kunit: ktap::parse_kunit(&run.lines, ktap::KUNIT_SUITE),
        suite: ktap::KUNIT_SUITE,
        kunit_expected: kernel.is_none_or(|k| k.has("CONFIG_KUNIT")),
        // Without the kernel's configuration the runner cannot tell what it does.
        listing: kernel.map_or_else(Vec::new, |k| {
            verdict::listing::compare(&listing, g.opts.arch, k)
        }),
        kselftest: kselftest.map(|k| k.and_then(|k| k.result)),
    });
    let verdict = d.cause.map_or(Verdict::Pass, verdict::Cause::verdict);
    SelftestResult {
        args: args.to_string(),
        verdict,
        cause: d.cause,
        reason: match (verdict == Verdict::Pass, first) {
            (true, None) => d.reason,
            (true, Some(first)) => format!("passed on a second attempt: {first}"),
            (false, first) => format!(
                "{} (console: {}){}",
                d.reason,
                console.display(),
                first.map_or(String::new(), |f| format!("; {f}"))
            ),
        },
        duration_s: run.elapsed.as_secs_f64(),
        console: console.display().to_string(),
        tests: d.tests,
    }
}

/// Boots the selftest's guest, once more where its kernel died (not the selftest's doing);
/// returns the run and, after a second attempt, what ended the first.
fn boot(g: &Guests<'_>, args: &str, console: &Path) -> (VmRun, Option<String>) {
    let mut words = vec![format!("{}=\"{args}\"", key::SELFTEST)];
    if g.opts.kselftest {
        words.push(format!("{}=1", key::KSELFTEST));
    }
    words.extend(g.opts.boot_args.iter().cloned());
    let spec = g.spec(words);
    let boot = || {
        vm::run(&spec, console, |lines, _| {
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
    // The selftest crashes nothing on purpose: a kernel that died under it before its end
    // (seen under TCG: an "Oops: int3" at schedule+0x0 just after a probe there was
    // removed) is the machine's failure. Once more; the first attempt stays named, and its
    // console kept.
    if protocol::find(&run.lines, Event::SelftestExit).is_some() {
        return (run, None);
    }
    let Some(death) = verdict::boot::died(&run.lines) else {
        return (run, None);
    };
    let kept = console.with_extension("attempt1.log");
    let _ = std::fs::rename(console, &kept);
    eprintln!("    selftest: the kernel died under it ('{death}'), trying again");
    let first = format!(
        "the first attempt stopped when the kernel died ('{death}'; console: {})",
        kept.display()
    );
    (boot(), Some(first))
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use crate::catalog::lines;

    /// The module's `lines` file, as the module writes it.
    struct LinesFile;

    impl std::fmt::Display for LinesFile {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            lines::write_all(f)
        }
    }

    /// `line_pattern LINE FIELD=VALUE...` of `selftests/panicgen/lines.sh`, run by `sh` on the
    /// module's `lines` file.
    fn line_pattern(args: &str) -> String {
        let dir = std::env::temp_dir().join(format!("panicgen-lines-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let listing = LinesFile.to_string();
        std::fs::write(dir.join("lines"), listing).unwrap();
        let lib = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../selftests/panicgen/lines.sh"
        );
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(". {lib} && line_pattern {args}"))
            .env("PANICGEN_DIR", &dir)
            .output()
            .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(out.status.success(), "line_pattern {args} failed");
        String::from_utf8(out.stdout)
            .unwrap()
            .trim_end()
            .to_string()
    }

    /// Whether `grep -x -E PATTERN` takes `line`, as the guest's init asks it.
    fn grep_takes(pattern: &str, line: &str) -> bool {
        let out = Command::new("grep")
            .args(["-q", "-x", "-E", pattern])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(line.as_bytes())?;
                child.wait()
            })
            .unwrap();
        out.success()
    }

    #[test]
    fn the_init_finds_a_deferred_context_as_the_module_lists_it() {
        let deferred = line_pattern("context_listing name=softirq deferred=yes");
        assert!(grep_takes(&deferred, "name=softirq deferred=yes\n"));
        assert!(!grep_takes(&deferred, "name=softirq deferred=no\n"));
        assert!(!grep_takes(&deferred, "name=hardirq deferred=yes\n"));
    }
}
