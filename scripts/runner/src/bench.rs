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
    catalog, peers,
    results::{
        FaultResult,
        Results, //
    },
    verdict::Verdict,
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
        peers::find(&r.fault).map(|p| &p.fault)
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
    for (i, (name, _)) in crate::results::Phases::default().named().iter().enumerate() {
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

/// The ratios the README quotes, per arch: how much faster a saved guest makes a run, and how
/// panicgen's runs compare with LKDTM's through the same runner.
fn ratios(v: &BTreeMap<String, VariantStats>) -> BTreeMap<String, f64> {
    let pick = |name: &str, f: fn(&VariantStats) -> Option<f64>| v.get(name).and_then(f);
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
        "LKDTM cold/panicgen saved, all runs",
        pick("lkdtm-cold", |s| s.median_all_s),
        pick("saved", |s| s.median_all_s),
    );
    ratio(
        "LKDTM saved/panicgen saved, all runs",
        pick("lkdtm-saved", |s| s.median_all_s),
        pick("saved", |s| s.median_all_s),
    );
    out
}

/// Reads `<arch>/<variant>=<results.json>` specs, prints the table, writes `out`.
pub fn report(out: &Path, specs: &[String]) -> Result<bool, String> {
    let mut arches: BTreeMap<String, BTreeMap<String, VariantStats>> = BTreeMap::new();
    for spec in specs {
        let (key, file) = spec
            .split_once('=')
            .ok_or_else(|| format!("bad run '{spec}' (ARCH/VARIANT=results.json)"))?;
        let (arch, variant) = key
            .split_once('/')
            .ok_or_else(|| format!("bad run '{spec}' (ARCH/VARIANT=results.json)"))?;
        let path = PathBuf::from(file);
        let results = Results::read(&path)?;
        arches
            .entry(arch.to_string())
            .or_default()
            .insert(variant.to_string(), stats(variant, &results, &path));
    }
    let s = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.2}"));
    let mut table = format!(
        "{:<8} {:<12} {:>5} {:>5} {:>9} {:>9}  phases (median s)\n",
        "arch", "variant", "runs", "pass", "fatal s", "other s"
    );
    let mut doc = BTreeMap::new();
    for (arch, variants) in &arches {
        for (name, v) in variants {
            let phases: Vec<String> = v
                .phases
                .iter()
                .map(|(k, x)| format!("{k} {x:.2}"))
                .collect();
            table += &format!(
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
        let r = ratios(variants);
        for (k, x) in &r {
            table += &format!("{arch:<8} speed-up {k}: {x:.2}x\n");
        }
        doc.insert(
            arch.clone(),
            serde_json::json!({ "variants": variants, "ratios": r }),
        );
    }
    print!("{table}");
    fs::write(
        out,
        serde_json::to_string_pretty(&doc).expect("bench JSON serialises") + "\n",
    )
    .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("bench: {}", out.display());
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::tests::sample;

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
        let mut v = BTreeMap::new();
        v.insert("cold".to_string(), stats("cold", &cold, Path::new("c")));
        v.insert("saved".to_string(), stats("saved", &saved, Path::new("s")));
        assert_eq!(v["saved"].fatal_runs, 1);
        assert_eq!(v["saved"].phases["restore"], 0.3);
        let r = ratios(&v);
        assert_eq!(r["cold/saved, fatal runs"], 4.0);
        assert_eq!(r["cold/saved, other runs"], 4.0);
    }
}
