// SPDX-License-Identifier: GPL-2.0

//! The results contract: the types `results.json` is written from and read back into
//! (`summary`, `merge`), and the other views of them (`results.ktap`, the printed table).

use std::{collections::BTreeMap, fs, path::Path};

use serde::{
    Deserialize,
    Serialize, //
};

use crate::{
    conformance::LevelResult,
    ktap, plan,
    verdict::dump::Check,
    verdict::{
        self,
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
    /// The dump-level conformance table's rows of this run (`--dump-levels`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conformance: Vec<LevelResult>,
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
    /// The conformance table's extra dump levels: extraction and drgn, all of them.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "round3"
    )]
    pub levels_s: Option<f64>,
}

impl Phases {
    pub fn is_empty(&self) -> bool {
        *self == Phases::default()
    }

    /// Every phase by name, for the benchmark's medians.
    pub fn named(&self) -> [(&'static str, Option<f64>); 9] {
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
    pub fn read(path: &Path) -> Result<Results, String> {
        let text =
            fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a panicgen results file: {e}", path.display()))
    }

    /// Writes `results.json`, `results.ktap` and `results.xml` to `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), String> {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for (file, text) in [
            ("results.json", self.to_json()),
            ("results.ktap", self.to_ktap()),
            ("results.xml", crate::junit::to_junit(self)),
        ] {
            let path = dir.join(file);
            fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        Ok(())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("results serialise") + "\n"
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

    /// KTAP: one test per fault, then the selftest with its cases as subtests.
    pub fn to_ktap(&self) -> String {
        let mut out = String::from("KTAP version 1\n");
        out += &format!(
            "# panicgen {} kernel {} accel {}\n",
            self.arch, self.kernel, self.accel
        );
        let total = self.results.len() + usize::from(self.selftest.is_some());
        out += &format!("1..{total}\n");
        for (i, r) in self.results.iter().enumerate() {
            out += &ktap::line(i + 1, &r.name(), r.verdict, &r.reason, "");
        }
        if let Some(s) = &self.selftest {
            out += "    KTAP version 1\n";
            out += &format!("    1..{}\n", s.tests.len());
            for (i, t) in s.tests.iter().enumerate() {
                out += &ktap::line(i + 1, &t.name, t.verdict, &t.reason, "    ");
            }
            out += &ktap::line(total, "selftest", s.verdict, &s.reason, "");
        }
        out
    }

    /// The table `make run` prints.
    pub fn table(&self) -> String {
        let mut rows = vec![[
            "arch".to_string(),
            "fault".into(),
            "verdict".into(),
            "time".into(),
            "observed / reason".into(),
        ]];
        for r in &self.results {
            let detail = if r.verdict == Verdict::Pass {
                &r.observed
            } else {
                &r.reason
            };
            let detail = detail.lines().next().unwrap_or_default().to_string();
            rows.push([
                self.arch.clone(),
                r.name(),
                r.verdict.name().into(),
                format!("{:.1}s", r.duration_s),
                detail,
            ]);
        }
        if let Some(s) = &self.selftest {
            let passed = s
                .tests
                .iter()
                .filter(|t| t.verdict == Verdict::Pass)
                .count();
            let detail = if s.reason.is_empty() {
                format!("{passed}/{} in-guest checks passed", s.tests.len())
            } else {
                s.reason.clone()
            };
            rows.push([
                self.arch.clone(),
                format!("selftest {}", s.args),
                s.verdict.name().into(),
                format!("{:.1}s", s.duration_s),
                detail,
            ]);
        }
        let widths: Vec<usize> = (0..4)
            .map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for row in &rows {
            for (c, w) in widths.iter().enumerate() {
                out += &format!("{:<w$}  ", row[c], w = w);
            }
            out += &row[4];
            out += "\n";
        }
        let count = |v: Verdict| self.results.iter().filter(|r| r.verdict == v).count();
        out += &format!(
            "{}: {} passed, {} failed, {} errors, {} skipped of {} runs\n",
            self.arch,
            count(Verdict::Pass),
            count(Verdict::Fail),
            count(Verdict::Error),
            count(Verdict::Skip),
            self.results.len()
        );
        out
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
            conformance: Vec::new(),
        };
        Results {
            arch: "x86_64".into(),
            kernel: "7.3.4".into(),
            target: "debug".into(),
            compiler: "Debian clang version 19.1.7 (3~deb12u1)".into(),
            rustc: "rustc 1.95.0 (59807616e 2026-04-14)".into(),
            accel: "tcg".into(),
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
        }
    }

    #[test]
    fn json_follows_the_contract_and_reads_back() {
        let mut r = sample();
        r.results[0].dump = Some(DumpResult {
            vmcore: None,
            vmcore_checks: BTreeMap::from([(
                "captured".to_string(),
                CheckResult {
                    ok: true,
                    detail: "drgn read the dump".into(),
                },
            )]),
        });
        r.results[0].phases.restore_s = Some(0.31234);
        let text = r.to_json();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let first = &v["results"][0];
        for key in [
            "fault",
            "verdict",
            "expected",
            "observed",
            "duration_s",
            "console",
        ] {
            assert!(first.get(key).is_some(), "missing {key}");
        }
        assert_eq!(first["verdict"], "pass");
        assert_eq!(first["duration_s"], 2.35);
        assert_eq!(first["vmcore"], serde_json::Value::Null);
        assert_eq!(first["vmcore_checks"]["captured"]["ok"], true);
        assert_eq!(first["phases"]["restore_s"], 0.312);
        assert!(first.get("attempts").is_none() && first.get("cause").is_none());
        assert_eq!(v["results"][1]["cause"], "no-message");
        assert!(v["results"][1].get("vmcore").is_none());
        let back: Results = serde_json::from_str(&text).unwrap();
        assert_eq!(back.results[0].dump, r.results[0].dump);
        assert_eq!(back.results[1].dump, None);
        assert_eq!(back.results[1].cause, Some(Cause::NoMessage));
        assert_eq!(back.results[0].attempts, 1);
        assert_eq!(back.to_json(), text);
    }

    #[test]
    fn ktap_and_exit_status() {
        let r = sample();
        let text = r.to_ktap();
        assert!(text.starts_with("KTAP version 1\n"));
        assert!(text.contains("1..3\n"));
        assert!(text.contains("ok 1 BUG\n"));
        assert!(text.contains("not ok 2 STACK_CANARY-hardirq # fail: no message\n"));
        assert!(!r.all_passed());
        let mut skipped = sample();
        skipped.results[1].verdict = Verdict::Skip;
        assert!(skipped.all_passed(), "an explained skip is not a failure");
        skipped.results[1].reason.clear();
        assert!(!skipped.all_passed(), "a skip without a reason is");
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

    #[test]
    fn table_has_a_row_per_fault() {
        let t = sample().table();
        assert!(t.contains("STACK_CANARY-hardirq"));
        assert!(t.contains("1 passed, 1 failed, 0 errors, 0 skipped of 2 runs"));
        assert!(t.contains("selftest --inputs"));
    }
}
