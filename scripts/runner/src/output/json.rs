// SPDX-License-Identifier: GPL-2.0

//! `results.json`, the results contract, written and read back (`summary`, `merge`); and the
//! files a run leaves: `results.json`, `results.ktap`, `results.xml`, `results.kcidb.json` and
//! `index.html`.

use std::{
    fs,
    path::Path, //
};

use crate::{
    model::results::Results,
    output::{
        html,
        junit,
        kcidb,
        ktap, //
    },
};

/// Reads a `results.json`.
pub fn read(path: &Path) -> Result<Results, String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a panicgen results file: {e}", path.display()))
}

/// Reads every `results.json` of `files`.
pub fn read_all(files: &[std::path::PathBuf]) -> Result<Vec<Results>, String> {
    files.iter().map(|f| read(f)).collect()
}

/// `results.json`'s text.
pub fn to_json(results: &Results) -> String {
    serde_json::to_string_pretty(results).expect("results serialise") + "\n"
}

/// The files a results set is written as, in `write`'s order.
pub const FILES: [&str; 5] = [
    "results.json",
    "results.ktap",
    "results.xml",
    "results.kcidb.json",
    "index.html",
];

/// Writes the [`FILES`] to `dir`.
pub fn write(results: &Results, dir: &Path) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let page_dir = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let texts = [
        to_json(results),
        ktap::to_ktap(results),
        junit::to_junit(results),
        kcidb::to_text(results),
        html::page(std::slice::from_ref(results), &page_dir),
    ];
    for (file, text) in FILES.into_iter().zip(texts) {
        // Whole or not at all: a full disk leaves the previous file, never half of one.
        let path = dir.join(file);
        let part = dir.join(format!(".{file}.part"));
        fs::write(&part, text)
            .and_then(|()| fs::rename(&part, &path))
            .map_err(|e| {
                let _ = fs::remove_file(&part);
                format!("cannot write {}: {e}", path.display())
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::results::{
        tests::sample,
        CheckResult,
        DumpResult, //
    };
    use crate::model::verdict::Cause;

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
        let text = to_json(&r);
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
        assert_eq!(to_json(&back), text);
    }
}
