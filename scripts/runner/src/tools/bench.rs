// SPDX-License-Identifier: GPL-2.0

//! `bench`: the benchmark's table and `bench.json`, from the results of its runs
//! (`scripts/bench.sh` makes them: per arch, panicgen's faults booting each run and from a
//! saved guest, with and without kdump, and LKDTM's equivalent tests through the same runner).

use std::{
    collections::BTreeMap,
    fs,
    path::{
        Path,
        PathBuf, //
    },
};

use serde::Serialize;

use crate::{
    catalog,
    model::{
        lkdtm,
        results::{
            FaultResult,
            Results, //
        },
        verdict::Verdict,
    },
};

/// Medians of one variant on one arch.
#[derive(Debug, Default, Serialize)]
pub struct VariantStats {
    pub runs: usize,
    pub passed: usize,
    /// Runs whose fault panics the guest (with the dump, when the variant takes one).
    pub fatal_runs: usize,
    pub median_fatal_s: Option<f64>,
    pub median_other_s: Option<f64>,
    pub median_all_s: Option<f64>,
    /// Median of each phase over the runs that had it.
    pub phases: BTreeMap<&'static str, f64>,
    pub results: PathBuf,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let m = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    Some((m * 1000.0).round() / 1000.0)
}

/// Whether a result's fault panics the guest (LKDTM's tests in the `lkdtm*` variants).
fn fatal(variant: &str, r: &FaultResult) -> bool {
    let fault = if variant.starts_with("lkdtm") {
        lkdtm::find(&r.fault).map(|p| &p.fault)
    } else {
        catalog::find(&r.fault)
    };
    fault.is_some_and(|f| f.kind.panics_test_guest())
}

pub fn stats(variant: &str, results: &Results, path: &Path) -> VariantStats {
    let runs = &results.results;
    let durations = |keep: &dyn Fn(&FaultResult) -> bool| {
        median(
            runs.iter()
                .filter(|r| keep(r))
                .map(|r| r.duration_s)
                .collect(),
        )
    };
    let mut phases = BTreeMap::new();
    for (i, (name, _)) in crate::model::results::Phases::default()
        .named()
        .iter()
        .enumerate()
    {
        if let Some(m) = median(runs.iter().filter_map(|r| r.phases.named()[i].1).collect()) {
            phases.insert(*name, m);
        }
    }
    VariantStats {
        runs: runs.len(),
        passed: runs.iter().filter(|r| r.verdict == Verdict::Pass).count(),
        fatal_runs: runs.iter().filter(|r| fatal(variant, r)).count(),
        median_fatal_s: durations(&|r| fatal(variant, r)),
        median_other_s: durations(&|r| !fatal(variant, r)),
        median_all_s: durations(&|_| true),
        phases,
        results: path.to_path_buf(),
    }
}

/// The ratios the README quotes, per arch: how much faster a saved guest makes a run.
fn ratios(v: &BTreeMap<String, &VariantStats>) -> BTreeMap<String, f64> {
    let pick = |name: &str, f: fn(&VariantStats) -> Option<f64>| v.get(name).and_then(|s| f(s));
    let mut out = BTreeMap::new();
    let mut ratio = |key: &str, a: Option<f64>, b: Option<f64>| {
        if let (Some(a), Some(b)) = (a, b) {
            if b > 0.0 {
                out.insert(key.to_string(), (a / b * 100.0).round() / 100.0);
            }
        }
    };
    let fatal = |s: &VariantStats| s.median_fatal_s;
    let other = |s: &VariantStats| s.median_other_s;
    ratio(
        "cold/saved, other runs",
        pick("cold", other),
        pick("saved", other),
    );
    ratio(
        "cold/saved, fatal runs",
        pick("cold", fatal),
        pick("saved", fatal),
    );
    ratio(
        "cold/saved, fatal runs with kdump",
        pick("cold-kdump", fatal),
        pick("saved-kdump", fatal),
    );
    ratio(
        "system booted/saved, fatal runs through kdump-tools",
        pick("system-booted", fatal),
        pick("system-saved", fatal),
    );
    out
}

/// One arch's variants, in the order the benchmark ran them.
#[derive(Default)]
struct Arch {
    variants: Vec<(String, Results, VariantStats)>,
}

impl Arch {
    fn stats(&self) -> BTreeMap<String, &VariantStats> {
        self.variants
            .iter()
            .map(|(n, _, v)| (n.clone(), v))
            .collect()
    }
}

/// Whether a variant runs LKDTM's tests (the peer column) rather than panicgen's faults.
fn is_lkdtm(variant: &str) -> bool {
    variant.starts_with("lkdtm")
}

/// A run's time in a table cell, with its verdict when it did not pass.
fn cell(results: &Results, fault: &str) -> serde_json::Value {
    match results.results.iter().find(|r| r.fault == fault) {
        Some(r) => serde_json::json!({ "s": r.duration_s, "verdict": r.verdict }),
        None => serde_json::Value::Null,
    }
}

fn cell_text(v: &serde_json::Value) -> String {
    match (v["s"].as_f64(), v["verdict"].as_str()) {
        (Some(s), Some("pass")) => format!("{s:.2}"),
        (Some(s), Some(verdict)) => format!("{s:.2} {verdict}"),
        _ => "-".to_string(),
    }
}

/// Per arch, a row per LKDTM peer: the panicgen fault's time in every panicgen variant, then
/// the LKDTM test's in every LKDTM variant.
fn fault_table(arch: &str, a: &Arch, table: &mut String) -> Vec<serde_json::Value> {
    let (pg, lk): (Vec<_>, Vec<_>) = a.variants.iter().partition(|(n, _, _)| !is_lkdtm(n));
    let head = |vs: &[&(String, Results, VariantStats)]| {
        vs.iter()
            .map(|(n, _, _)| format!(" {n:>13}"))
            .collect::<String>()
    };
    *table += &format!(
        "{arch:<8} {:<20}{}  {:<21}{}\n",
        "panicgen fault",
        head(&pg),
        "LKDTM test",
        head(&lk)
    );
    let mut rows = Vec::new();
    for peer in lkdtm::PEERS {
        let lkdtm = peer.fault.name;
        let pg_cells: Vec<_> = pg.iter().map(|(_, r, _)| cell(r, peer.panicgen)).collect();
        let lk_cells: Vec<_> = lk.iter().map(|(_, r, _)| cell(r, lkdtm)).collect();
        let texts = |cells: &[serde_json::Value]| {
            cells
                .iter()
                .map(|c| format!(" {:>13}", cell_text(c)))
                .collect::<String>()
        };
        *table += &format!(
            "{arch:<8} {:<20}{}  {:<21}{}\n",
            peer.panicgen,
            texts(&pg_cells),
            lkdtm,
            texts(&lk_cells)
        );
        let times = |vs: &[&(String, Results, VariantStats)], cells: Vec<serde_json::Value>| {
            vs.iter()
                .map(|(n, _, _)| n.clone())
                .zip(cells)
                .collect::<serde_json::Map<_, _>>()
        };
        rows.push(serde_json::json!({
            "panicgen": peer.panicgen,
            "lkdtm": lkdtm,
            "panicgen_s": times(&pg, pg_cells),
            "lkdtm_s": times(&lk, lk_cells),
        }));
    }
    rows
}

/// How LKDTM's runs in variant `lkdtm` compare with panicgen's in `panicgen`, over the peers
/// where both passed (a test that fails, LKDTM's canary on clang, is no speed to compare):
/// the ratio of the medians.
fn peer_ratio(a: &Arch, lkdtm: &str, panicgen: &str) -> Option<f64> {
    let results = |name: &str| {
        a.variants
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, r, _)| r)
    };
    let (lk, pg) = (results(lkdtm)?, results(panicgen)?);
    let passed = |r: &Results, fault: &str| {
        r.results
            .iter()
            .find(|x| x.fault == fault && x.verdict == Verdict::Pass)
            .map(|x| x.duration_s)
    };
    let (mut l, mut p) = (Vec::new(), Vec::new());
    for peer in lkdtm::PEERS {
        if let (Some(x), Some(y)) = (passed(lk, peer.fault.name), passed(pg, peer.panicgen)) {
            l.push(x);
            p.push(y);
        }
    }
    let (l, p) = (median(l)?, median(p)?);
    (p > 0.0).then(|| (l / p * 100.0).round() / 100.0)
}

/// Reads `<arch>/<variant>=<results.json>` specs, prints the tables, writes `out`.
pub fn report(out: &Path, specs: &[String]) -> Result<bool, String> {
    let arches = read_runs(specs)?;
    let mut table = String::from("Seconds per run (the whole run: guest, fault, dump, checks):\n");
    let mut doc = BTreeMap::new();
    for (arch, a) in &arches {
        let faults = fault_table(arch, a, &mut table);
        table += "\n";
        doc.insert(arch.clone(), serde_json::json!({ "faults": faults }));
    }
    medians(&arches, &mut table, &mut doc);
    print!("{table}");
    fs::write(
        out,
        serde_json::to_string_pretty(&doc).expect("bench JSON serialises") + "\n",
    )
    .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("bench: {}", out.display());
    Ok(true)
}

/// The benchmark's runs (`ARCH/VARIANT=results.json`), by arch.
fn read_runs(specs: &[String]) -> Result<Vec<(String, Arch)>, String> {
    let mut arches: Vec<(String, Arch)> = Vec::new();
    for spec in specs {
        let bad = || format!("bad run '{spec}' (ARCH/VARIANT=results.json)");
        let (key, file) = spec.split_once('=').ok_or_else(bad)?;
        let (arch, variant) = key.split_once('/').ok_or_else(bad)?;
        let path = PathBuf::from(file);
        let results = crate::output::json::read(&path)?;
        let stats = stats(variant, &results, &path);
        let i = match arches.iter().position(|(a, _)| a == arch) {
            Some(i) => i,
            None => {
                arches.push((arch.to_string(), Arch::default()));
                arches.len() - 1
            }
        };
        arches[i]
            .1
            .variants
            .push((variant.to_string(), results, stats));
    }
    Ok(arches)
}

/// The medians per arch and variant, and the speed-ups, into `table` and `doc`.
fn medians(
    arches: &[(String, Arch)],
    table: &mut String,
    doc: &mut BTreeMap<String, serde_json::Value>,
) {
    let s = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.2}"));
    *table += &format!(
        "Medians per run:\n{:<8} {:<12} {:>5} {:>5} {:>9} {:>9}  phases (median s)\n",
        "arch", "variant", "runs", "pass", "fatal s", "other s"
    );
    for (arch, a) in arches {
        for (name, _, v) in &a.variants {
            let phases: Vec<String> = v
                .phases
                .iter()
                .map(|(k, x)| format!("{k} {x:.2}"))
                .collect();
            *table += &format!(
                "{:<8} {:<12} {:>5} {:>5} {:>9} {:>9}  {}\n",
                arch,
                name,
                v.runs,
                v.passed,
                s(v.median_fatal_s),
                s(v.median_other_s),
                phases.join(", ")
            );
        }
        let stats = a.stats();
        let mut r = ratios(&stats);
        for (key, lk, pg) in [
            (
                "LKDTM cold/panicgen saved, peers both passing",
                "lkdtm-cold",
                "saved",
            ),
            (
                "LKDTM saved/panicgen saved, peers both passing",
                "lkdtm-saved",
                "saved",
            ),
        ] {
            if let Some(x) = peer_ratio(a, lk, pg) {
                r.insert(key.to_string(), x);
            }
        }
        for (k, x) in &r {
            *table += &format!("{arch:<8} speed-up {k}: {x:.2}x\n");
        }
        let entry = doc.get_mut(arch).expect("every arch has an entry");
        entry["variants"] = serde_json::json!(stats);
        entry["ratios"] = serde_json::json!(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::results::tests::sample;

    #[test]
    fn medians() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }

    #[test]
    fn variants_and_ratios() {
        let mut cold = sample();
        cold.results[0].duration_s = 4.0; // BUG: fatal
        cold.results[1].duration_s = 2.0;
        cold.results[1].fault = "WARN".into(); // not fatal
        let mut saved = cold.clone();
        saved.results[0].duration_s = 1.0;
        saved.results[1].duration_s = 0.5;
        saved.results[0].phases.restore_s = Some(0.3);
        let (c, s) = (
            stats("cold", &cold, Path::new("c")),
            stats("saved", &saved, Path::new("s")),
        );
        let mut v = BTreeMap::new();
        v.insert("cold".to_string(), &c);
        v.insert("saved".to_string(), &s);
        assert_eq!(v["saved"].fatal_runs, 1);
        assert_eq!(v["saved"].phases["restore"], 0.3);
        let r = ratios(&v);
        assert_eq!(r["cold/saved, fatal runs"], 4.0);
        assert_eq!(r["cold/saved, other runs"], 4.0);
        let (booted, saved) = (
            stats("system-booted", &cold, Path::new("b")),
            stats("system-saved", &saved, Path::new("s")),
        );
        v.insert("system-booted".to_string(), &booted);
        v.insert("system-saved".to_string(), &saved);
        assert_eq!(
            ratios(&v)["system booted/saved, fatal runs through kdump-tools"],
            4.0
        );
    }

    #[test]
    fn lkdtm_compares_only_where_both_passed() {
        let mut saved = sample();
        saved.results[0].duration_s = 1.0; // BUG, passed
        saved.results[1].fault = "STACK_CANARY_STRONG".into();
        saved.results[1].verdict = Verdict::Pass;
        saved.results[1].duration_s = 0.25;
        let mut lkdtm = sample();
        lkdtm.results[0].duration_s = 2.0; // LKDTM's BUG, passed
        lkdtm.results[1].fault = "CORRUPT_STACK_STRONG".into(); // failed: left out
        lkdtm.results[1].duration_s = 9.0;
        let mut a = Arch::default();
        for (name, r) in [("saved", saved), ("lkdtm-saved", lkdtm)] {
            let st = stats(name, &r, Path::new(name));
            a.variants.push((name.to_string(), r, st));
        }
        assert_eq!(peer_ratio(&a, "lkdtm-saved", "saved"), Some(2.0));
        assert_eq!(peer_ratio(&a, "lkdtm-cold", "saved"), None);
        let mut table = String::new();
        let rows = fault_table("x86_64", &a, &mut table);
        assert!(table.contains("9.00 fail"), "{table}");
        assert_eq!(rows[0]["lkdtm_s"]["lkdtm-saved"]["s"], 2.0);
    }
}
