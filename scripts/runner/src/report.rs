// SPDX-License-Identifier: GPL-2.0

//! The results contract: `results.json`, `results.ktap` and the printed table.

use serde_json::{
    json,
    Value, //
};

use crate::verdict::Verdict;

/// One test of the in-guest selftest, as read from its KTAP output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubTest {
    pub name: String,
    pub verdict: Verdict,
    pub reason: String,
}

/// The selftest run.
#[derive(Clone, Debug)]
pub struct SelftestResult {
    pub args: String,
    pub verdict: Verdict,
    pub reason: String,
    pub tests: Vec<SubTest>,
    pub duration_s: f64,
    pub console: String,
}

/// One fault run.
#[derive(Clone, Debug)]
pub struct FaultResult {
    pub fault: String,
    pub context: String,
    pub verdict: Verdict,
    pub expected: String,
    pub observed: String,
    pub reason: String,
    pub duration_s: f64,
    pub console: String,
    /// A title in syzkaller's naming ("kernel BUG in X"), from the console.
    pub title: String,
    /// The extracted vmcore, when the run captured one.
    pub vmcore: String,
    /// The dump checks, when the run was asked for a dump.
    pub vmcore_checks: Vec<crate::dump::Check>,
    /// The run's correlation id (`id=` of the trigger).
    pub id: String,
    /// How many attempts the run took (an infrastructure error is retried once).
    pub attempts: u32,
}

impl FaultResult {
    /// A result not judged yet (`skip` until a run says otherwise).
    pub fn new(fault: &str, context: &str) -> Self {
        FaultResult {
            fault: fault.to_string(),
            context: context.to_string(),
            verdict: Verdict::Skip,
            expected: String::new(),
            observed: String::new(),
            reason: String::new(),
            duration_s: 0.0,
            console: String::new(),
            title: String::new(),
            vmcore: String::new(),
            vmcore_checks: Vec::new(),
            id: String::new(),
            attempts: 0,
        }
    }

    /// The run's name: the fault, with `-<context>` unless it ran in process context.
    pub fn name(&self) -> String {
        if self.context == "process" {
            self.fault.clone()
        } else {
            format!("{}-{}", self.fault, self.context)
        }
    }
}

/// Everything one arch's run produced.
#[derive(Clone, Debug)]
pub struct Report {
    pub arch: String,
    pub kernel: String,
    pub accel: String,
    pub selftest: Option<SelftestResult>,
    pub results: Vec<FaultResult>,
}

impl Report {
    /// True when every fault result passed or was skipped with a reason (a fault the arch
    /// cannot do), and the selftest passed.
    pub fn all_passed(&self) -> bool {
        self.results.iter().all(|r| {
            r.verdict == Verdict::Pass || (r.verdict == Verdict::Skip && !r.reason.is_empty())
        }) && self
            .selftest
            .as_ref()
            .is_none_or(|s| s.verdict == Verdict::Pass)
    }

    pub fn to_json(&self) -> Value {
        let results: Vec<Value> = self
            .results
            .iter()
            .map(|r| {
                let mut v = json!({
                    "fault": r.fault,
                    "context": r.context,
                    "verdict": r.verdict.name(),
                    "expected": r.expected,
                    "observed": r.observed,
                    "duration_s": round2(r.duration_s),
                    "console": r.console,
                });
                if !r.reason.is_empty() {
                    v["reason"] = json!(r.reason);
                }
                if !r.title.is_empty() {
                    v["title"] = json!(r.title);
                }
                if !r.id.is_empty() {
                    v["id"] = json!(r.id);
                }
                if r.attempts > 1 {
                    v["attempts"] = json!(r.attempts);
                }
                if !r.vmcore_checks.is_empty() {
                    v["vmcore"] = if r.vmcore.is_empty() {
                        Value::Null
                    } else {
                        json!(r.vmcore)
                    };
                    v["vmcore_checks"] = r
                        .vmcore_checks
                        .iter()
                        .map(|c| (c.name.to_string(), c.to_json()))
                        .collect::<serde_json::Map<_, _>>()
                        .into();
                }
                v
            })
            .collect();
        let mut doc = json!({
            "arch": self.arch,
            "kernel": self.kernel,
            "accel": self.accel,
            "results": results,
        });
        if let Some(s) = &self.selftest {
            doc["selftest"] = json!({
                "args": s.args,
                "verdict": s.verdict.name(),
                "reason": s.reason,
                "duration_s": round2(s.duration_s),
                "console": s.console,
                "tests": s.tests.iter().map(|t| json!({
                    "name": t.name,
                    "verdict": t.verdict.name(),
                    "reason": t.reason,
                })).collect::<Vec<_>>(),
            });
        }
        doc
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
            out += &ktap_line(i + 1, &r.name(), r.verdict, &r.reason, "");
        }
        if let Some(s) = &self.selftest {
            out += "    KTAP version 1\n";
            out += &format!("    1..{}\n", s.tests.len());
            for (i, t) in s.tests.iter().enumerate() {
                out += &ktap_line(i + 1, &t.name, t.verdict, &t.reason, "    ");
            }
            out += &ktap_line(total, "selftest", s.verdict, &s.reason, "");
        }
        out
    }

    /// JUnit XML (the Jenkins/Surefire `junit-10.xsd` shape most CI systems read): one
    /// `testsuite` per arch, one `testcase` per fault run and per selftest case. A `fail` is a
    /// `<failure>`, an `error` an `<error>`, a `skip` a `<skipped>`; titles, vmcore checks and
    /// console paths go to `<system-out>`.
    pub fn to_junit(&self) -> String {
        let mut cases = String::new();
        let (mut failures, mut errors, mut skipped, mut total, mut time) = (0, 0, 0, 0, 0.0);
        let mut case =
            |class: &str, name: &str, verdict: Verdict, reason: &str, secs: f64, out: &str| {
                total += 1;
                time += secs;
                cases += &format!(
                    "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\">\n",
                    xml(name),
                    xml(class),
                    junit_time(secs)
                );
                match verdict {
                    Verdict::Pass => {}
                    Verdict::Fail => {
                        failures += 1;
                        cases += &format!(
                            "      <failure type=\"fail\" message=\"{}\"/>\n",
                            xml(reason)
                        );
                    }
                    Verdict::Error => {
                        errors += 1;
                        cases += &format!(
                            "      <error type=\"error\" message=\"{}\"/>\n",
                            xml(reason)
                        );
                    }
                    Verdict::Skip => {
                        skipped += 1;
                        cases += &format!("      <skipped message=\"{}\"/>\n", xml(reason));
                    }
                }
                if !out.is_empty() {
                    cases += &format!("      <system-out>{}</system-out>\n", xml(out));
                }
                cases += "    </testcase>\n";
            };
        for r in &self.results {
            let mut out = String::new();
            if !r.title.is_empty() {
                out += &format!("title: {}\n", r.title);
            }
            if !r.observed.is_empty() {
                out += &format!("observed: {}\n", r.observed.replace('\n', " / "));
            }
            if !r.vmcore_checks.is_empty() {
                out += &format!(
                    "vmcore: {}\n",
                    if r.vmcore.is_empty() {
                        "none"
                    } else {
                        &r.vmcore
                    }
                );
                for c in &r.vmcore_checks {
                    out += &format!(
                        "vmcore check {}: {} ({})\n",
                        c.name,
                        if c.ok { "ok" } else { "FAILED" },
                        c.detail
                    );
                }
            }
            if !r.console.is_empty() {
                out += &format!("console: {}\n", r.console);
            }
            let class = format!("panicgen.{}.{}", self.arch, r.fault);
            case(&class, &r.name(), r.verdict, &r.reason, r.duration_s, &out);
        }
        if let Some(s) = &self.selftest {
            let class = format!("panicgen.{}.selftest", self.arch);
            for t in &s.tests {
                case(&class, &t.name, t.verdict, &t.reason, 0.0, "");
            }
            case(
                &class,
                "selftest",
                s.verdict,
                &s.reason,
                s.duration_s,
                &s.console,
            );
        }
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <testsuites name=\"panicgen\" tests=\"{total}\" failures=\"{failures}\" \
             errors=\"{errors}\" time=\"{t}\">\n  \
             <testsuite name=\"panicgen.{arch}\" tests=\"{total}\" failures=\"{failures}\" \
             errors=\"{errors}\" skipped=\"{skipped}\" time=\"{t}\">\n    \
             <properties>\n      \
             <property name=\"arch\" value=\"{arch}\"/>\n      \
             <property name=\"kernel\" value=\"{kernel}\"/>\n      \
             <property name=\"accel\" value=\"{accel}\"/>\n    \
             </properties>\n{cases}  </testsuite>\n</testsuites>\n",
            t = junit_time(time),
            arch = xml(&self.arch),
            kernel = xml(&self.kernel),
            accel = xml(&self.accel),
        )
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

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn ktap_line(n: usize, name: &str, verdict: Verdict, reason: &str, indent: &str) -> String {
    let reason = reason.replace('\n', " ");
    match verdict {
        Verdict::Pass => format!("{indent}ok {n} {name}\n"),
        Verdict::Skip => format!("{indent}ok {n} {name} # SKIP {reason}\n"),
        Verdict::Fail | Verdict::Error => {
            format!("{indent}not ok {n} {name} # {}: {reason}\n", verdict.name())
        }
    }
}

/// Reads the in-guest selftest's KTAP from console lines. Returns the cases and the plan
/// (`1..N`) if one was printed.
pub fn parse_ktap(lines: &[String]) -> (Vec<SubTest>, Option<usize>) {
    let mut tests = Vec::new();
    let mut plan = None;
    let mut inside = false;
    for raw in lines {
        let line = crate::verdict::strip_timestamp(raw).trim();
        if line == "KTAP version 1" {
            inside = true;
            tests.clear();
            plan = None;
            continue;
        }
        if !inside {
            continue;
        }
        if let Some(n) = line.strip_prefix("1..") {
            plan = n.split_whitespace().next().and_then(|n| n.parse().ok());
            continue;
        }
        if let Some((_, test)) = result_line(line) {
            tests.push(test);
        }
    }
    (tests, plan)
}

/// Reads a KTAP result line, `[not ]ok <n> <name>[ # <directive>]`: whether it said `ok`, and
/// the test with its verdict (`SKIP` directives make it a skip) and reason.
fn result_line(line: &str) -> Option<(bool, SubTest)> {
    let (ok, rest) = if let Some(rest) = line.strip_prefix("not ok ") {
        (false, rest)
    } else {
        (true, line.strip_prefix("ok ")?)
    };
    let rest = rest.split_once(' ').map_or("", |(_, r)| r);
    let (name, directive) = rest.split_once(" # ").unwrap_or((rest, ""));
    let verdict = match (ok, directive.starts_with("SKIP")) {
        (true, true) => Verdict::Skip,
        (true, false) => Verdict::Pass,
        (false, _) => Verdict::Fail,
    };
    let reason = directive.strip_prefix("SKIP").unwrap_or(directive).trim();
    let test = SubTest {
        name: name.trim().to_string(),
        verdict,
        reason: reason.to_string(),
    };
    Some((ok, test))
}

/// The name of panicgen's KUnit suite, which runs on `insmod` in a `CONFIG_KUNIT` kernel.
pub const KUNIT_SUITE: &str = "panicgen_catalog";

/// Reads the cases of KUnit suite `suite` from console lines: `None` when the suite never
/// started, else its cases (as `kunit.<case>`) and, once printed, the suite's own verdict.
pub fn parse_kunit(lines: &[String], suite: &str) -> Option<(Vec<SubTest>, Option<bool>)> {
    let start = lines
        .iter()
        .position(|l| crate::verdict::strip_timestamp(l).trim() == format!("# Subtest: {suite}"))?;
    let mut cases = Vec::new();
    for raw in &lines[start + 1..] {
        let line = crate::verdict::strip_timestamp(raw);
        let indented = line.starts_with("    ");
        let line = line.trim();
        let Some((ok, mut test)) = result_line(line) else {
            continue;
        };
        if !indented {
            if test.name == suite {
                return Some((cases, Some(ok)));
            }
            continue;
        }
        test.name = format!("kunit.{}", test.name);
        cases.push(test);
    }
    Some((cases, None))
}

/// The selftest's overall verdict: it ran to completion with its plan honoured, and no case
/// failed. A run whose cases were all skipped is a `skip`, never a `pass`.
pub fn selftest_verdict(
    tests: &[SubTest],
    plan: Option<usize>,
    finished: bool,
) -> (Verdict, String) {
    let Some(plan) = plan else {
        return (Verdict::Error, "the selftest printed no KTAP plan".into());
    };
    if !finished || tests.len() != plan {
        return (
            Verdict::Error,
            format!("the selftest stopped after {} of {plan} cases", tests.len()),
        );
    }
    let failed: Vec<&str> = tests
        .iter()
        .filter(|t| t.verdict == Verdict::Fail)
        .map(|t| t.name.as_str())
        .collect();
    if !failed.is_empty() {
        return (
            Verdict::Fail,
            format!("failed in the guest: {}", failed.join(", ")),
        );
    }
    if tests.iter().all(|t| t.verdict == Verdict::Skip) {
        return (Verdict::Skip, "every in-guest case was skipped".into());
    }
    (Verdict::Pass, String::new())
}

/// Seconds as JUnit writes them (Surefire's pattern: digits, a dot, up to 3 decimals).
fn junit_time(secs: f64) -> String {
    format!("{:.3}", secs.max(0.0))
}

/// Text escaped for XML 1.0 attributes and content; characters XML 1.0 cannot carry (most
/// control characters, which a console may hold) become U+FFFD.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out += "&amp;",
            '<' => out += "&lt;",
            '>' => out += "&gt;",
            '"' => out += "&quot;",
            '\'' => out += "&apos;",
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    const KTAP: &str = "\
[    1.0] random boot noise
KTAP version 1
1..3
ok 1 input_unknown_name
not ok 2 input_empty # expected 'Invalid argument', got ''
ok 3 input_no_cap_sys_admin # SKIP no user namespaces (CONFIG_USER_NS)
# totals: pass:1 fail:1 skip:1
";

    #[test]
    fn parses_guest_ktap() {
        let (tests, plan) = parse_ktap(&lines(KTAP));
        assert_eq!(plan, Some(3));
        assert_eq!(tests.len(), 3);
        assert_eq!(tests[0].verdict, Verdict::Pass);
        assert_eq!(tests[1].verdict, Verdict::Fail);
        assert_eq!(tests[1].name, "input_empty");
        assert_eq!(tests[1].reason, "expected 'Invalid argument', got ''");
        assert_eq!(tests[2].verdict, Verdict::Skip);
        assert_eq!(tests[2].reason, "no user namespaces (CONFIG_USER_NS)");
    }

    #[test]
    fn parses_kunit_from_the_console() {
        let console = "\
[    2.1]     KTAP version 1
[    2.1]     # Subtest: panicgen_catalog
[    2.1]     # module: panicgen
[    2.1]     1..2
[    2.2]     ok 1 parses_names
[    2.2]     # rejects_bad_commands: ASSERTION FAILED at src/panicgen_main.rs:200
[    2.2]     not ok 2 rejects_bad_commands
[    2.2] # panicgen_catalog: pass:1 fail:1 skip:0 total:2
[    2.2] not ok 1 panicgen_catalog
";
        let (cases, suite_ok) = parse_kunit(&lines(console), KUNIT_SUITE).unwrap();
        assert_eq!(suite_ok, Some(false));
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].name, "kunit.parses_names");
        assert_eq!(cases[0].verdict, Verdict::Pass);
        assert_eq!(cases[1].verdict, Verdict::Fail);
        let passing = console
            .replace("not ok 2", "ok 2")
            .replace("not ok 1 panicgen", "ok 1 panicgen");
        let (_, suite_ok) = parse_kunit(&lines(&passing), KUNIT_SUITE).unwrap();
        assert_eq!(suite_ok, Some(true));
        assert!(parse_kunit(&lines("[ 1.0] no tests here"), KUNIT_SUITE).is_none());
    }

    #[test]
    fn selftest_verdicts() {
        let (tests, plan) = parse_ktap(&lines(KTAP));
        assert_eq!(selftest_verdict(&tests, plan, true).0, Verdict::Fail);
        assert_eq!(selftest_verdict(&tests[..1], plan, true).0, Verdict::Error);
        assert_eq!(
            selftest_verdict(&tests[..1], Some(1), true).0,
            Verdict::Pass
        );
        assert_eq!(
            selftest_verdict(&tests[..1], Some(1), false).0,
            Verdict::Error
        );
        assert_eq!(
            selftest_verdict(&tests[2..], Some(1), true).0,
            Verdict::Skip
        );
        assert_eq!(selftest_verdict(&[], None, true).0, Verdict::Error);
    }

    fn sample() -> Report {
        Report {
            arch: "x86_64".into(),
            kernel: "7.3.4".into(),
            accel: "tcg".into(),
            selftest: None,
            results: vec![
                FaultResult {
                    fault: "BUG".into(),
                    context: "process".into(),
                    verdict: Verdict::Pass,
                    expected: "kernel BUG at".into(),
                    observed: "kernel BUG at x.rs:1!".into(),
                    reason: String::new(),
                    duration_s: 2.345,
                    console: "out/x86_64/console/BUG.log".into(),
                    ..FaultResult::new("BUG", "process")
                },
                FaultResult {
                    fault: "STACK_CANARY".into(),
                    context: "hardirq".into(),
                    verdict: Verdict::Fail,
                    expected: "stack-protector".into(),
                    observed: String::new(),
                    reason: "no message".into(),
                    duration_s: 9.0,
                    console: "c".into(),
                    ..FaultResult::new("STACK_CANARY", "hardirq")
                },
            ],
        }
    }

    #[test]
    fn junit_counts_and_escapes() {
        let mut r = sample();
        r.results[1].reason = "no <message> & \"quotes\"\u{1b}[0m".into();
        let x = r.to_junit();
        assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
        assert!(x.contains("<testsuite name=\"panicgen.x86_64\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"11.345\">"));
        assert!(x.contains("<testcase name=\"STACK_CANARY-hardirq\" classname=\"panicgen.x86_64.STACK_CANARY\" time=\"9.000\">"));
        assert!(x.contains("message=\"no &lt;message&gt; &amp; &quot;quotes&quot;\u{fffd}[0m\""));
        assert_eq!(
            x.matches("<testcase ").count(),
            x.matches("</testcase>").count()
        );
    }

    #[test]
    fn json_follows_the_contract() {
        let v = sample().to_json();
        assert_eq!(v["arch"], "x86_64");
        assert_eq!(v["kernel"], "7.3.4");
        let r = &v["results"][0];
        for key in [
            "fault",
            "verdict",
            "expected",
            "observed",
            "duration_s",
            "console",
        ] {
            assert!(r.get(key).is_some(), "missing {key}");
        }
        assert_eq!(r["verdict"], "pass");
        assert_eq!(r["duration_s"], 2.35);
        assert_eq!(v["results"][1]["reason"], "no message");
    }

    #[test]
    fn ktap_and_exit_status() {
        let report = sample();
        let ktap = report.to_ktap();
        assert!(ktap.starts_with("KTAP version 1\n"));
        assert!(ktap.contains("1..2\n"));
        assert!(ktap.contains("ok 1 BUG\n"));
        assert!(ktap.contains("not ok 2 STACK_CANARY-hardirq # fail: no message\n"));
        assert!(!report.all_passed());
        let mut skipped = sample();
        skipped.results[1].verdict = Verdict::Skip;
        assert!(skipped.all_passed(), "an explained skip is not a failure");
        skipped.results[1].reason.clear();
        assert!(!skipped.all_passed(), "a skip without a reason is");
        let (tests, plan) = parse_ktap(&lines(&ktap));
        assert_eq!((tests.len(), plan), (2, Some(2)));
    }

    #[test]
    fn table_has_a_row_per_fault() {
        let t = sample().table();
        assert!(t.contains("BUG"));
        assert!(t.contains("STACK_CANARY"));
        assert!(t.contains("STACK_CANARY-hardirq"));
        assert!(t.contains("1 passed, 1 failed, 0 errors, 0 skipped of 2 runs"));
    }
}
