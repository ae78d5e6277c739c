// SPDX-License-Identifier: GPL-2.0

//! The results contract: the types `results.json` is written from and read back into. The
//! writers and the reader are in [`crate::output`].

use std::collections::BTreeMap;

use serde::{
    Deserialize,
    Serialize, //
};

use crate::model::{
    plan,
    verdict::{
        self,
        check::Check,
        Cause,
        Verdict, //
    },
};

/// Everything one arch's run (or one shard of it) produced.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Results {
    pub arch: String,
    pub kernel: String,
    /// The kernel target (`debug`, `debian`, `user`), as the run was told.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub target: String,
    /// The C compiler and the rustc that built the kernel (its `CONFIG_CC_VERSION_TEXT` and
    /// `CONFIG_RUSTC_VERSION_TEXT`), when the run was given its configuration.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub compiler: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rustc: String,
    pub accel: String,
    /// When the run began (RFC 3339, UTC); a merge keeps the first shard's.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub started: String,
    /// Which slice of the matrix this is (absent: the whole matrix, or a merge of slices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardInfo>,
    /// What the dump tools cannot read of this kernel, told before the crash (see
    /// `skew.rs`): one line per tool.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dump_skew: Vec<String>,
    pub results: Vec<FaultResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selftest: Option<SelftestResult>,
    /// Why the set is not whole: the runner was cancelled, and how far it got (its runs
    /// not started are `error`, cause `cancelled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<String>,
    /// The distribution system the runs crashed (`run --system`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemSummary>,
}

/// A distribution system as the runner found it, before any crash.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SystemSummary {
    /// Its disk.
    pub image: String,
    /// `makedumpfile -v`, and kdump-tools' MAKEDUMP_ARGS.
    pub makedumpfile: String,
    pub makedump_args: String,
    /// Booting it until it ran with kdump and panicgen loaded, and saving it (the cost a
    /// run from the saved system does not pay).
    #[serde(serialize_with = "round2")]
    pub boot_s: f64,
}

/// A shard's place in the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    /// 1-based.
    pub index: usize,
    pub count: usize,
    /// The number of runs in the whole matrix, so a merge can tell it has every slice.
    pub matrix_runs: usize,
}

/// One fault run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FaultResult {
    pub fault: String,
    pub context: String,
    pub verdict: Verdict,
    /// Why it is not a pass, typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    pub expected: String,
    /// What the system said decides how an oops ends there, and what that made the verdict
    /// expect of the panic line (empty: it said nothing).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub panic_settings: String,
    pub observed: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(serialize_with = "round2")]
    pub duration_s: f64,
    pub console: String,
    /// A title in syzkaller's naming ("kernel BUG in X"), from the console.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// The run's correlation id (`id=` of the trigger).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// How many attempts the run took (an infrastructure error is retried once).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub attempts: u32,
    /// The dump, for a run that was asked for one.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub dump: Option<DumpResult>,
    /// Where the run's time went.
    #[serde(default, skip_serializing_if = "Phases::is_empty")]
    pub phases: Phases,
    /// The dump-level table's rows of this run (`--dump-levels`): the run's own level, then
    /// the others the capture saved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dump_levels: Vec<LevelResult>,
}

/// One dump level of one run: what a dump at that level kept, as drgn reads it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelResult {
    /// The makedumpfile dump level, or `elf` (unfiltered).
    pub level: String,
    /// The capture kernel's dump tool (`makedumpfile -v`'s first line).
    pub tool: String,
    /// The dump's size in bytes (0 when there is none).
    pub bytes: u64,
    /// The run's dump checks, then `tasks` and `task_list`.
    pub checks: BTreeMap<String, CheckResult>,
}

/// A run's dump and its checks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DumpResult {
    /// The extracted vmcore (null: none, or deleted once it passed).
    pub vmcore: Option<String>,
    pub vmcore_checks: BTreeMap<String, CheckResult>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub ok: bool,
    pub detail: String,
}

/// The dump checks as the results hold them, by name.
pub fn check_results(checks: &[Check]) -> BTreeMap<String, CheckResult> {
    checks
        .iter()
        .map(|c| {
            (
                c.name.to_string(),
                CheckResult {
                    ok: c.ok,
                    detail: c.detail.clone(),
                },
            )
        })
        .collect()
}

/// Seconds per phase of a run, host clock; a phase the run did not have is absent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Phases {
    /// QEMU started → the fault fired (a run that boots).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "round3"
    )]
    pub boot_s: Option<f64>,
    /// QEMU started → the saved guest runs again (a run from a saved guest).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "round3"
    )]
    pub restore_s: Option<f64>,
    /// `fire` sent → the module's trigger line.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "round3"
    )]
    pub fire_to_trigger_s: Option<f64>,
    /// Trigger line → the console shows everything the fault needs (message, panic).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "round3"
    )]
    pub trigger_to_verdict_s: Option<f64>,
    /// Console verdict → the capture kernel's init runs.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "round3"
    )]
    pub capture_boot_s: Option<f64>,
    /// Capture kernel's init → the dump is on the disk (makedumpfile and the disk write).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "round3"
    )]
    pub makedumpfile_s: Option<f64>,
    /// A QMP run: the host writing the stopped guest's memory.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "round3"
    )]
    pub host_dump_s: Option<f64>,
    /// Copying the dump off the disk.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "round3"
    )]
    pub extract_s: Option<f64>,
    /// drgn reading the dump.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "round3"
    )]
    pub drgn_s: Option<f64>,
    /// The capture's own makedumpfile reading the dump's log (`--dump-dmesg`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "round3"
    )]
    pub dmesg_s: Option<f64>,
    /// crash reading the dump (its batch of commands).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "round3"
    )]
    pub crash_s: Option<f64>,
    /// The dump-level table's extra dump levels: extraction and drgn, all of them.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "round3"
    )]
    pub levels_s: Option<f64>,
    /// A system run: the console verdict (the panic) → the capture kernel reboots the
    /// machine (the capture kernel's boot, kdump-tools and makedumpfile).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "round3"
    )]
    pub capture_s: Option<f64>,
    /// A system run: the capture kernel's reboot → the system answers again.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "round3"
    )]
    pub reboot_s: Option<f64>,
    /// A system run: reading what the system kept (vmcore, dmesg, pstore) over its agent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "round3"
    )]
    pub collect_s: Option<f64>,
}

impl Phases {
    pub fn is_empty(&self) -> bool {
        *self == Phases::default()
    }

    /// Every phase by name, for the benchmark's medians.
    pub fn named(&self) -> [(&'static str, Option<f64>); 14] {
        [
            ("boot", self.boot_s),
            ("restore", self.restore_s),
            ("fire_to_trigger", self.fire_to_trigger_s),
            ("trigger_to_verdict", self.trigger_to_verdict_s),
            ("capture_boot", self.capture_boot_s),
            ("makedumpfile", self.makedumpfile_s),
            ("host_dump", self.host_dump_s),
            ("extract", self.extract_s),
            ("drgn", self.drgn_s),
            ("dmesg", self.dmesg_s),
            ("crash", self.crash_s),
            ("capture", self.capture_s),
            ("reboot", self.reboot_s),
            ("collect", self.collect_s),
        ]
    }
}

/// One test of the in-guest selftest (or a KUnit case), as read from its KTAP output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubTest {
    pub name: String,
    pub verdict: Verdict,
    #[serde(default)]
    pub reason: String,
}

/// The selftest run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SelftestResult {
    pub args: String,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    #[serde(default)]
    pub reason: String,
    #[serde(serialize_with = "round2")]
    pub duration_s: f64,
    pub console: String,
    pub tests: Vec<SubTest>,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

fn round2<S: serde::Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((x * 100.0).round() / 100.0)
}

fn round3<S: serde::Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match x {
        Some(x) => s.serialize_f64((x * 1000.0).round() / 1000.0),
        None => s.serialize_none(),
    }
}

impl FaultResult {
    /// The run's name: the fault, with `-<context>` unless it ran in process context.
    pub fn name(&self) -> String {
        plan::run_name(&self.fault, &self.context)
    }

    /// Whether this result counts as passed.
    pub fn acceptable(&self) -> bool {
        verdict::acceptable(self.verdict, &self.reason)
    }
}

/// Verdict counts: what `summary` prints and `make check` adds up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Results {
    /// The kernel target's name, `kernel` when the run was not told one.
    pub fn target_name(&self) -> &str {
        if self.target.is_empty() {
            "kernel"
        } else {
            &self.target
        }
    }

    /// True when every fault result passed or was skipped with a reason (a fault the arch
    /// cannot do), and the selftest, if any, passed.
    pub fn all_passed(&self) -> bool {
        self.results.iter().all(FaultResult::acceptable)
            && self
                .selftest
                .as_ref()
                .is_none_or(|s| s.verdict == Verdict::Pass)
    }

    /// Fault runs and selftest cases by verdict (an error counts as failed); a selftest
    /// that did not pass counts as one more failure, so a selftest that stopped before its
    /// first case still fails the count.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        let cases = self.selftest.iter().flat_map(|s| s.tests.iter());
        let verdicts = self
            .results
            .iter()
            .map(|r| (r.verdict, r.reason.as_str()))
            .chain(cases.map(|t| (t.verdict, t.reason.as_str())));
        for (v, reason) in verdicts {
            match v {
                Verdict::Pass => c.passed += 1,
                Verdict::Skip if !reason.is_empty() => c.skipped += 1,
                _ => c.failed += 1,
            }
        }
        if self
            .selftest
            .as_ref()
            .is_some_and(|s| s.verdict != Verdict::Pass)
        {
            c.failed += 1;
        }
        c
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// Two runs and a selftest, as a test fixture for the writers.
    pub fn sample() -> Results {
        let fault = |name: &str, ctx: &str, verdict, cause, reason: &str| FaultResult {
            fault: name.into(),
            context: ctx.into(),
            verdict,
            cause,
            expected: "kernel BUG at".into(),
            panic_settings: String::new(),
            observed: if verdict == Verdict::Pass {
                "kernel BUG at x.rs:1!".into()
            } else {
                String::new()
            },
            reason: reason.into(),
            duration_s: 2.345,
            console: format!("out/x86_64/console/{name}.log"),
            title: String::new(),
            id: format!("x86_64.{name}.1.ab"),
            attempts: 1,
            dump: None,
            phases: Phases::default(),
            dump_levels: Vec::new(),
        };
        Results {
            arch: "x86_64".into(),
            kernel: "7.3.4".into(),
            target: "debug".into(),
            compiler: "Debian clang version 19.1.7 (3~deb12u1)".into(),
            rustc: "rustc 1.95.0 (59807616e 2026-04-14)".into(),
            accel: "tcg".into(),
            started: "2026-12-04T07:00:00Z".into(),
            shard: None,
            dump_skew: Vec::new(),
            results: vec![
                fault("BUG", "process", Verdict::Pass, None, ""),
                fault(
                    "STACK_CANARY",
                    "hardirq",
                    Verdict::Fail,
                    Some(Cause::NoMessage),
                    "no message",
                ),
            ],
            selftest: Some(SelftestResult {
                args: "--inputs".into(),
                verdict: Verdict::Pass,
                cause: None,
                reason: String::new(),
                duration_s: 3.0,
                console: "c".into(),
                tests: vec![SubTest {
                    name: "input_empty".into(),
                    verdict: Verdict::Pass,
                    reason: String::new(),
                }],
            }),
            system: None,
            incomplete: None,
        }
    }

    #[test]
    fn a_selftest_that_did_not_pass_fails_the_counts() {
        let mut r = sample();
        r.results.truncate(1);
        assert!(r.all_passed());
        assert_eq!(
            r.counts(),
            Counts {
                passed: 2,
                failed: 0,
                skipped: 0
            }
        );
        // An error before the first case: no case fails, the selftest itself does.
        let s = r.selftest.as_mut().unwrap();
        s.verdict = Verdict::Error;
        s.cause = Some(Cause::SelftestIncomplete);
        s.tests.clear();
        assert!(!r.all_passed());
        assert_eq!(r.counts().failed, 1);
    }
}
