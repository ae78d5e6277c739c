// SPDX-License-Identifier: GPL-2.0

//! `results.kcidb.json`: the results in KernelCI's KCIDB schema (v5.3, what `kcidb-io`'s
//! `schema.LATEST` validates and `kcidb-submit` takes). The kernel is one checkout and one
//! build; each fault run is a test at `panicgen.<FAULT>.<context>`, the selftest one at
//! `panicgen.selftest` with its cases below it. Files are `file://` URLs of where the run left
//! them: a CI system that publishes `out/` rewrites the prefix.

use serde_json::{
    json,
    Map,
    Value, //
};

use crate::{
    model::{
        results::{
            FaultResult,
            Results,
            SelftestResult, //
        },
        verdict::Verdict,
    },
    output::describe,
};

/// The origin every id starts with (KCIDB: `^[a-z0-9_]+$`).
pub const ORIGIN: &str = "panicgen";

/// KCIDB's limit on a `log_excerpt`.
const MAX_EXCERPT: usize = 16_384;

/// A verdict as KCIDB's test status.
fn status(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Error => "ERROR",
        Verdict::Skip => "SKIP",
    }
}

/// `s` as one node of a dotted test path (KCIDB: `[a-zA-Z0-9_-]+`): a crash point's `@`
/// becomes `at_`, anything else outside the set `_`.
fn path_node(s: &str) -> String {
    let s = s.replace('@', "at_");
    let node: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if node.is_empty() {
        "_".into()
    } else {
        node
    }
}

/// A file the run left, as a KCIDB resource (`name` may not hold `/`).
fn resource(name: &str, path: &str) -> Value {
    let url = if path.starts_with('/') {
        format!("file://{}", escape_path(path))
    } else {
        path.to_string()
    };
    json!({ "name": name.replace('/', "_"), "url": url })
}

/// A path's characters a URL may not hold as they are, percent-encoded.
fn escape_path(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' | b'+' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// At most KCIDB's limit, cut at a character boundary, keeping the end (where a log says
/// why).
fn excerpt(text: &str) -> String {
    if text.len() <= MAX_EXCERPT {
        return text.to_string();
    }
    let mut start = text.len() - MAX_EXCERPT;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].to_string()
}

/// The ids of the run set's checkout and build.
fn ids(r: &Results) -> (String, String) {
    let checkout = format!("{ORIGIN}:{}:{}", r.target_name(), r.kernel);
    let build = format!("{checkout}:{}:{}", r.arch, r.started);
    (checkout, build)
}

fn checkout(r: &Results, id: &str) -> Value {
    let mut c = json!({
        "id": id,
        "origin": ORIGIN,
        "tree_name": r.target_name(),
        "comment": format!("Linux {} ({} kernel target)", r.kernel, r.target_name()),
        "valid": true,
    });
    if !r.started.is_empty() {
        c["start_time"] = json!(r.started);
    }
    c
}

fn build(r: &Results, id: &str, checkout_id: &str) -> Value {
    let mut misc = Map::new();
    misc.insert("accel".into(), json!(r.accel));
    if !r.rustc.is_empty() {
        misc.insert("rustc".into(), json!(r.rustc));
    }
    if !r.dump_skew.is_empty() {
        misc.insert("dump_skew".into(), json!(r.dump_skew));
    }
    if let Some(s) = r.shard {
        misc.insert("shard".into(), json!(format!("{}/{}", s.index, s.count)));
    }
    let mut b = json!({
        "id": id,
        "origin": ORIGIN,
        "checkout_id": checkout_id,
        "architecture": r.arch,
        "config_name": r.target_name(),
        "status": "PASS",
        "misc": misc,
    });
    if !r.compiler.is_empty() {
        b["compiler"] = json!(r.compiler);
    }
    if !r.started.is_empty() {
        b["start_time"] = json!(r.started);
    }
    b
}

/// A test object's common part.
fn test(build_id: &str, name: &str, path: &str, verdict: Verdict, secs: f64) -> Value {
    json!({
        "id": format!("{build_id}:{name}"),
        "origin": ORIGIN,
        "build_id": build_id,
        "path": path,
        "status": status(verdict),
        "duration": (secs.max(0.0) * 100.0).round() / 100.0,
    })
}

fn fault_test(r: &Results, f: &FaultResult, build_id: &str) -> Value {
    let path = format!("{ORIGIN}.{}.{}", path_node(&f.fault), path_node(&f.context));
    let mut t = test(build_id, &f.name(), &path, f.verdict, f.duration_s);
    let mut log = String::new();
    if !f.reason.is_empty() {
        log += &format!("{}: {}\n", f.verdict.name(), f.reason);
    }
    log += &describe::run_text(f);
    t["log_excerpt"] = json!(excerpt(&log));
    t["environment"] = json!({ "comment": format!("QEMU {} {} guest", r.accel, r.arch) });
    let mut files = Vec::new();
    if !f.console.is_empty() {
        files.push(resource("console.log", &f.console));
    }
    if let Some(v) = f.dump.as_ref().and_then(|d| d.vmcore.as_deref()) {
        files.push(resource("vmcore", v));
    }
    if !files.is_empty() {
        t["output_files"] = json!(files);
    }
    let mut misc = Map::new();
    misc.insert("expected".into(), json!(f.expected));
    for (key, value) in [
        ("observed", &f.observed),
        ("title", &f.title),
        ("id", &f.id),
    ] {
        if !value.is_empty() {
            misc.insert(key.into(), json!(value));
        }
    }
    if let Some(c) = f.cause {
        misc.insert("cause".into(), json!(c));
    }
    if let Some(d) = &f.dump {
        misc.insert("vmcore_checks".into(), json!(d.vmcore_checks));
    }
    misc.insert("attempts".into(), json!(f.attempts));
    t["misc"] = Value::Object(misc);
    t
}

fn selftest_tests(s: &SelftestResult, build_id: &str) -> Vec<Value> {
    let path = format!("{ORIGIN}.selftest");
    let mut whole = test(build_id, "selftest", &path, s.verdict, s.duration_s);
    if !s.reason.is_empty() {
        whole["log_excerpt"] = json!(excerpt(&s.reason));
    }
    if !s.console.is_empty() {
        whole["output_files"] = json!([resource("console.log", &s.console)]);
    }
    let mut tests = vec![whole];
    for case in &s.tests {
        let mut t = test(
            build_id,
            &format!("selftest.{}", case.name),
            &format!("{path}.{}", path_node(&case.name)),
            case.verdict,
            0.0,
        );
        if !case.reason.is_empty() {
            t["log_excerpt"] = json!(excerpt(&case.reason));
        }
        tests.push(t);
    }
    tests
}

/// The KCIDB document of `results`.
pub fn to_kcidb(r: &Results) -> Value {
    let (checkout_id, build_id) = ids(r);
    let mut tests: Vec<Value> = r
        .results
        .iter()
        .map(|f| fault_test(r, f, &build_id))
        .collect();
    if let Some(s) = &r.selftest {
        tests.extend(selftest_tests(s, &build_id));
    }
    json!({
        "version": { "major": 5, "minor": 3 },
        "checkouts": [checkout(r, &checkout_id)],
        "builds": [build(r, &build_id, &checkout_id)],
        "tests": tests,
    })
}

/// `results.kcidb.json`'s text.
pub fn to_text(r: &Results) -> String {
    serde_json::to_string_pretty(&to_kcidb(r)).expect("KCIDB document serialises") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::results::tests::sample;

    #[test]
    fn one_checkout_one_build_a_test_per_run_and_selftest_case() {
        let doc = to_kcidb(&sample());
        assert_eq!(doc["version"]["major"], 5);
        assert_eq!(doc["checkouts"].as_array().unwrap().len(), 1);
        let build = &doc["builds"][0];
        assert_eq!(build["checkout_id"], doc["checkouts"][0]["id"]);
        assert_eq!(build["architecture"], "x86_64");
        assert_eq!(build["compiler"], "Debian clang version 19.1.7 (3~deb12u1)");
        assert_eq!(
            build["misc"]["rustc"],
            "rustc 1.95.0 (59807616e 2026-04-14)"
        );
        let tests = doc["tests"].as_array().unwrap();
        assert_eq!(tests.len(), 2 + 1 + 1, "two runs, the selftest, its case");
        assert_eq!(tests[0]["path"], "panicgen.BUG.process");
        assert_eq!(tests[0]["status"], "PASS");
        assert_eq!(tests[1]["path"], "panicgen.STACK_CANARY.hardirq");
        assert_eq!(tests[1]["status"], "FAIL");
        assert_eq!(tests[1]["misc"]["cause"], "no-message");
        for t in tests {
            assert!(t["id"].as_str().unwrap().starts_with("panicgen:"), "{t}");
            assert_eq!(t["build_id"], build["id"]);
        }
        let ids: std::collections::BTreeSet<_> =
            tests.iter().map(|t| t["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), tests.len(), "ids are unique");
    }

    #[test]
    fn paths_and_urls_take_only_what_kcidb_allows() {
        assert_eq!(path_node("@INT_HARDWARE_ENTRY"), "at_INT_HARDWARE_ENTRY");
        assert_eq!(path_node("a b/c"), "a_b_c");
        assert_eq!(path_node(""), "_");
        let r = resource("console.log", "/o u/t/BUG.log");
        assert_eq!(r["url"], "file:///o%20u/t/BUG.log");
    }

    #[test]
    fn a_long_log_keeps_its_end_within_the_limit() {
        let long = format!("{}end é", "x".repeat(MAX_EXCERPT));
        let e = excerpt(&long);
        assert!(e.len() <= MAX_EXCERPT && e.ends_with("end é"));
    }
}
