// SPDX-License-Identifier: GPL-2.0

//! KTAP, both ways: reading the in-guest selftest's and the KUnit suite's results off a
//! console, and writing `results.ktap`.

use crate::model::{
    protocol::strip_timestamp,
    results::SubTest,
    verdict::Verdict, //
};

/// The name of panicgen's KUnit suite, which runs on `insmod` in a `CONFIG_KUNIT` kernel.
pub const KUNIT_SUITE: &str = "panicgen";

/// A KTAP run read from a console: its cases and its plan (`1..N`), if one was printed.
#[derive(Debug, Default)]
pub struct Ktap {
    pub tests: Vec<SubTest>,
    pub plan: Option<usize>,
}

/// A KUnit suite read from a console: its cases (as `kunit.<case>`) and, once printed, the
/// suite's own result.
#[derive(Debug)]
pub struct Kunit {
    pub cases: Vec<SubTest>,
    pub suite_ok: Option<bool>,
}

/// Reads the last top-level KTAP run from console lines.
pub fn parse(lines: &[String]) -> Ktap {
    let mut run = Ktap::default();
    let mut inside = false;
    for raw in lines {
        let line = strip_timestamp(raw).trim();
        if line == "KTAP version 1" {
            inside = true;
            run = Ktap::default();
            continue;
        }
        if !inside {
            continue;
        }
        if let Some(n) = line.strip_prefix("1..") {
            run.plan = n.split_whitespace().next().and_then(|n| n.parse().ok());
            continue;
        }
        if let Some((_, test)) = result_line(line) {
            run.tests.push(test);
        }
    }
    run
}

/// The name the kernel's kselftest runner gives panicgen's selftest (`COLLECTION: TEST`).
pub const KSELFTEST_TEST: &str = "selftests: panicgen: panicgen.sh";

/// The kernel's kselftest runner (`run_kselftest.sh`) as it ran test `test`.
#[derive(Debug, Default)]
pub struct Kselftest {
    /// The test's own output, its `# ` prefix taken off (kernel messages left as they are).
    pub lines: Vec<String>,
    /// The runner's result line for it, as a case named `run_kselftest` (`None`: the
    /// runner never finished it).
    pub result: Option<SubTest>,
}

/// Reads the kselftest runner's run of `test` off console lines: `None` when the runner
/// never started it.
pub fn unwrap_kselftest(lines: &[String], test: &str) -> Option<Kselftest> {
    let header = format!("# {test}");
    let start = lines
        .iter()
        .position(|l| strip_timestamp(l).trim() == header)?;
    let mut run = Kselftest::default();
    for raw in &lines[start + 1..] {
        let line = strip_timestamp(raw).trim_end();
        if let Some(inner) = line.strip_prefix("# ") {
            run.lines.push(inner.to_string());
        } else if let Some((_, mut outer)) = result_line(line).filter(|(_, t)| t.name == test) {
            outer.name = "run_kselftest".into();
            run.result = Some(outer);
            break;
        } else {
            run.lines.push(raw.clone());
        }
    }
    Some(run)
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

/// Reads KUnit suite `suite` from console lines: `None` when the suite never started.
pub fn parse_kunit(lines: &[String], suite: &str) -> Option<Kunit> {
    let header = format!("# Subtest: {suite}");
    let start = lines
        .iter()
        .position(|l| strip_timestamp(l).trim() == header)?;
    let mut cases = Vec::new();
    for raw in &lines[start + 1..] {
        let line = strip_timestamp(raw);
        let indented = line.starts_with("    ");
        let Some((ok, mut test)) = result_line(line.trim()) else {
            continue;
        };
        if !indented {
            if test.name == suite {
                return Some(Kunit {
                    cases,
                    suite_ok: Some(ok),
                });
            }
            continue;
        }
        test.name = format!("kunit.{}", test.name);
        cases.push(test);
    }
    Some(Kunit {
        cases,
        suite_ok: None,
    })
}

#[cfg(test)]
pub mod tests {
    use super::*;

    pub fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    /// A selftest's KTAP on a console, one case of each verdict.
    pub const KTAP: &str = "\
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
        let run = parse(&lines(KTAP));
        assert_eq!(run.plan, Some(3));
        let tests = run.tests;
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
[    2.1]     # Subtest: panicgen
[    2.1]     # module: panicgen
[    2.1]     1..2
[    2.2]     ok 1 parses_names
[    2.2]     # rejects_bad_commands: ASSERTION FAILED at src/panicgen_main.rs:200
[    2.2]     not ok 2 rejects_bad_commands
[    2.2] # panicgen: pass:1 fail:1 skip:0 total:2
[    2.2] not ok 1 panicgen
";
        let k = parse_kunit(&lines(console), KUNIT_SUITE).unwrap();
        assert_eq!(k.suite_ok, Some(false));
        assert_eq!(k.cases.len(), 2);
        assert_eq!(k.cases[0].name, "kunit.parses_names");
        assert_eq!(k.cases[0].verdict, Verdict::Pass);
        assert_eq!(k.cases[1].verdict, Verdict::Fail);
        let passing = console
            .replace("not ok 2", "ok 2")
            .replace("not ok 1 panicgen\n", "ok 1 panicgen\n");
        let k = parse_kunit(&lines(&passing), KUNIT_SUITE).unwrap();
        assert_eq!(k.suite_ok, Some(true));
        assert!(parse_kunit(&lines("[ 1.0] no tests here"), KUNIT_SUITE).is_none());
    }
}
