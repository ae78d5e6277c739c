// SPDX-License-Identifier: GPL-2.0

//! `merge`: the shards of one matrix joined into the results an unsharded run writes.

use crate::{
    model::{
        plan,
        results::Results, //
    },
    output::{
        json,
        table, //
    },
};

/// Joins `shards` (each a `--shard K/N` run of the same matrix): every slice exactly once, the
/// same arch, kernel and accelerator, the runs back in matrix order, the selftest from the
/// slice that ran it.
pub fn merge(shards: Vec<Results>) -> Result<Results, String> {
    let first = shards.first().ok_or("nothing to merge")?;
    let info = first
        .shard
        .ok_or("a results file without a shard: it is a whole matrix already")?;
    let mut seen = vec![false; info.count];
    let mut merged = Results {
        shard: None,
        results: Vec::new(),
        selftest: None,
        incomplete: None,
        ..first.clone()
    };
    for s in shards {
        let Some(si) = s.shard else {
            return Err("a results file without a shard: it is a whole matrix already".into());
        };
        if (si.count, si.matrix_runs) != (info.count, info.matrix_runs) {
            return Err(format!(
                "shard {}/{} of {} runs does not belong with {}/{} of {} runs",
                si.index, si.count, si.matrix_runs, info.index, info.count, info.matrix_runs
            ));
        }
        let what = |r: &Results| format!("{} {} {} ({})", r.target, r.arch, r.kernel, r.accel);
        if what(&s) != what(&merged) {
            return Err(format!(
                "shard {}/{} ran {}, not {}",
                si.index,
                si.count,
                what(&s),
                what(&merged)
            ));
        }
        if std::mem::replace(&mut seen[si.index - 1], true) {
            return Err(format!("shard {}/{} given twice", si.index, si.count));
        }
        if s.selftest.is_some() {
            if merged.selftest.is_some() {
                return Err("two shards ran the selftest".into());
            }
            merged.selftest = s.selftest;
        }
        if let Some(why) = s.incomplete {
            let shard = format!("shard {}/{}: {why}", si.index, si.count);
            merged.incomplete = Some(match merged.incomplete.take() {
                Some(before) => format!("{before}; {shard}"),
                None => shard,
            });
        }
        merged.results.extend(s.results);
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| !**s)
        .map(|(i, _)| format!("{}/{}", i + 1, info.count))
        .collect();
    if !missing.is_empty() {
        return Err(format!("missing shards: {}", missing.join(", ")));
    }
    if merged.results.len() != info.matrix_runs {
        return Err(format!(
            "the shards hold {} runs, the matrix has {}",
            merged.results.len(),
            info.matrix_runs
        ));
    }
    merged
        .results
        .sort_by_key(|r| plan::order_key(&r.fault, &r.context));
    Ok(merged)
}

/// `merge`: joins the shards' `results.json` files into `out`, prints the table; whether
/// everything passed.
pub fn merge_files(files: &[std::path::PathBuf], out: &std::path::Path) -> Result<bool, String> {
    let merged = merge(json::read_all(files)?)?;
    json::write(&merged, out)?;
    println!("{}", table::table(&merged));
    Ok(merged.all_passed())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        results::{
            tests::sample,
            ShardInfo, //
        },
        verdict::Verdict,
    };

    /// The sample's two runs split into two shards, the second holding the selftest.
    fn split() -> (Results, Results, Results) {
        let whole = sample();
        let mut a = whole.clone();
        let mut b = whole.clone();
        a.results = vec![whole.results[1].clone()];
        a.selftest = None;
        a.shard = Some(ShardInfo {
            index: 1,
            count: 2,
            matrix_runs: 2,
        });
        b.results = vec![whole.results[0].clone()];
        b.shard = Some(ShardInfo {
            index: 2,
            count: 2,
            matrix_runs: 2,
        });
        (whole, a, b)
    }

    #[test]
    fn two_shards_make_the_whole() {
        let (whole, a, b) = split();
        let merged = merge(vec![b.clone(), a.clone()]).unwrap();
        assert_eq!(json::to_json(&merged), json::to_json(&whole));
        assert_eq!(
            crate::output::ktap::to_ktap(&merged),
            crate::output::ktap::to_ktap(&whole)
        );
        assert_eq!(
            crate::output::junit::to_junit(&merged),
            crate::output::junit::to_junit(&whole)
        );
        assert_eq!(
            crate::output::kcidb::to_text(&merged),
            crate::output::kcidb::to_text(&whole)
        );
        assert_eq!(merged.results[0].verdict, Verdict::Pass);
    }

    #[test]
    fn an_incomplete_shard_leaves_the_merge_incomplete() {
        let (_, a, mut b) = split();
        b.incomplete = Some("cancelled by SIGINT: 0 of 1 runs finished".into());
        let merged = merge(vec![a, b]).unwrap();
        assert!(merged
            .incomplete
            .is_some_and(|w| w.contains("shard 2/2: cancelled by SIGINT")));
    }

    #[test]
    fn bad_sets_are_refused() {
        let (whole, a, b) = split();
        assert!(merge(vec![a.clone()])
            .unwrap_err()
            .contains("missing shards: 2/2"));
        assert!(merge(vec![a.clone(), a.clone()])
            .unwrap_err()
            .contains("given twice"));
        assert!(merge(vec![whole.clone()]).is_err());
        let mut other = b.clone();
        other.arch = "arm64".into();
        assert!(merge(vec![a.clone(), other]).unwrap_err().contains("arm64"));
        let mut short = b.clone();
        short.results.clear();
        assert!(merge(vec![a.clone(), short])
            .unwrap_err()
            .contains("1 runs, the matrix has 2"));
        let mut twice = a.clone();
        twice.selftest = b.selftest.clone();
        assert!(merge(vec![twice, b]).unwrap_err().contains("selftest"));
    }
}
