// SPDX-License-Identifier: GPL-2.0

//! `times`: where `make check`'s minutes went. The check and the scripts it runs append
//! rows to a file (scripts/lib.sh's `time_row`): each check step, each piece of work a cache
//! miss made (a kernel build, a Debian preparation, a system image, crash), and each step
//! the gate left to the full set. This reads them with the phases of every results.json
//! under the output directory, prints the table and the wall time against the budget, and
//! writes `check-times.json`.

use std::{
    collections::BTreeMap,
    fs,
    path::{
        Path,
        PathBuf, //
    },
};

use serde::{
    Deserialize,
    Serialize, //
};

/// The arguments of `times`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The rows the check and its scripts wrote.
    #[arg(long)]
    pub rows: PathBuf,
    /// The check's wall time, in seconds.
    #[arg(long)]
    pub wall: u64,
    /// Which set ran: gate (make check) or full (make check CHECK=full).
    #[arg(long, default_value = "gate")]
    pub set: String,
    /// The directory whose results.json files hold the runs' phases.
    #[arg(long)]
    pub results: PathBuf,
    /// Only results.json files written since this time (seconds since the epoch): the
    /// check's own, not an earlier run's left in the same directory.
    #[arg(long, default_value_t = 0)]
    pub since: u64,
    /// Where to write check-times.json.
    #[arg(long)]
    pub json: PathBuf,
    /// The commit the check ran on (`git log -1 --format=%h`), if known.
    #[arg(long, default_value = "")]
    pub commit: String,
}

/// The budget of a `make check` on the project's machine kind (2 cores, TCG), in minutes:
/// (limit, aim). Cold: a kernel was built; warm: nothing was.
pub const COLD_BUDGET: (u64, u64) = (60, 45);
pub const WARM_BUDGET: (u64, u64) = (25, 20);

/// One row of the file: a check step, a build inside one, or a step left to the full set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// `step`, `build` (inside a step) or `background`.
    pub place: String,
    /// A step's kind of work, or the kind of the script that built something.
    pub kind: String,
    pub name: String,
    pub seconds: u64,
    /// `ok`, `failed`, or `moved` (a step the gate leaves to the full set).
    pub status: String,
    /// Why a moved step is not in the gate.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// The kinds of work that build something for the cache, and the scripts that do each.
const BUILDS: [(&str, &str); 6] = [
    ("scripts/setup.sh", "toolchain"),
    ("scripts/deb/", "Debian packages"),
    ("scripts/build-kernel.sh", "kernel builds"),
    ("scripts/debian/image.sh", "system images"),
    (
        "scripts/debian/crash.sh",
        "crash (a reader) for another arch",
    ),
    ("scripts/debian/", "Debian preparation"),
];

/// A script's kind of work: a build's kind, or the script itself (work that builds nothing
/// for the cache, e.g. reading a user's image).
fn kind_of_script(script: &str) -> String {
    let kind = match script {
        "scripts/debian/user-image.sh" => script,
        s => BUILDS
            .iter()
            .find(|(prefix, _)| s.starts_with(prefix))
            .map_or(s, |(_, kind)| kind),
    };
    kind.to_string()
}

/// Whether a row is a build for the cache.
fn is_build(row: &Row) -> bool {
    row.place != "step" && BUILDS.iter().any(|(_, kind)| *kind == row.kind)
}

/// The rows of the file's text; a malformed line is an error naming it.
pub fn parse(text: &str) -> Result<Vec<Row>, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let (Some(place), Some(kind), Some(name), Some(secs), Some(status)) =
                (f.first(), f.get(1), f.get(2), f.get(3), f.get(4))
            else {
                return Err(format!("a time row needs 5 fields: '{line}'"));
            };
            let seconds = secs
                .parse()
                .map_err(|_| format!("a time row's seconds are not a number: '{line}'"))?;
            let kind = if *place == "step" {
                kind.to_string()
            } else {
                kind_of_script(kind)
            };
            Ok(Row {
                place: place.to_string(),
                kind,
                name: name.to_string(),
                seconds,
                status: status.to_string(),
                note: f.get(5).unwrap_or(&"").to_string(),
            })
        })
        .collect()
}

/// Cold (a kernel was built), warm (nothing was), or partly warm (something else was).
pub fn state(rows: &[Row]) -> &'static str {
    let built = || rows.iter().filter(|r| is_build(r));
    if built().any(|r| r.kind == "kernel builds") {
        "cold"
    } else if built().next().is_some() {
        "partly warm"
    } else {
        "warm"
    }
}

/// The budget a check in `state` is held to: a partly warm one, the cold budget.
pub fn budget(state: &str) -> (u64, u64) {
    if state == "warm" {
        WARM_BUDGET
    } else {
        COLD_BUDGET
    }
}

/// Seconds and count per phase over every run of the results files (`*_s` of `phases`).
pub fn phases(files: &[PathBuf]) -> BTreeMap<String, (f64, usize)> {
    let mut sum: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for f in files {
        let Ok(text) = fs::read_to_string(f) else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let runs = v["results"].as_array().into_iter().flatten();
        for phases in runs.filter_map(|r| r["phases"].as_object()) {
            for (k, s) in phases {
                if let Some(s) = s.as_f64() {
                    let e = sum.entry(k.trim_end_matches("_s").to_string()).or_default();
                    e.0 += s;
                    e.1 += 1;
                }
            }
        }
    }
    sum
}

/// Every results.json under `dir` written at `since` (seconds since the epoch) or later.
fn results_files(dir: &Path, since: u64) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return found;
    };
    for e in entries.flatten() {
        let p = e.path();
        let fresh = || {
            e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .is_some_and(|t| t.as_secs() >= since)
        };
        if p.is_dir() {
            found.extend(results_files(&p, since));
        } else if p.file_name().is_some_and(|n| n == "results.json") && fresh() {
            found.push(p);
        }
    }
    found.sort();
    found
}

/// check-times.json (Documentation/coverage.rst; Documentation/check-times.rst renders the
/// measured ones).
#[derive(Serialize, Deserialize)]
pub struct Report {
    pub version: u32,
    /// `gate` or `full`.
    pub set: String,
    /// `cold`, `warm` or `partly warm` ([`state`]).
    pub state: String,
    /// The commit it ran on, and when it finished (RFC 3339).
    #[serde(default)]
    pub commit: String,
    #[serde(default)]
    pub finished: String,
    pub wall_s: u64,
    pub budget_min: u64,
    pub aim_min: u64,
    pub within_budget: bool,
    /// Seconds per kind of work: the steps', then what was built inside or beside them.
    pub by_kind: BTreeMap<String, u64>,
    pub rows: Vec<Row>,
    /// Seconds and runs per phase, summed over the runs (inside the guest-run steps).
    pub phases: BTreeMap<String, (f64, usize)>,
}

/// `times`: prints the table and writes check-times.json; fails only when it cannot.
pub fn run(args: &Args) -> Result<bool, String> {
    let text = fs::read_to_string(&args.rows)
        .map_err(|e| format!("cannot read {}: {e}", args.rows.display()))?;
    let rows = parse(&text)?;
    let state = state(&rows);
    let (limit, aim) = budget(state);
    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.status != "moved") {
        let key = match r.place.as_str() {
            "step" => r.kind.clone(),
            place => format!("{} ({place})", r.kind),
        };
        *by_kind.entry(key).or_default() += r.seconds;
    }
    let report = Report {
        version: 1,
        set: args.set.clone(),
        state: state.to_string(),
        commit: args.commit.clone(),
        finished: crate::exec::now(),
        wall_s: args.wall,
        budget_min: limit,
        aim_min: aim,
        within_budget: args.wall <= limit * 60,
        by_kind,
        rows,
        phases: phases(&results_files(&args.results, args.since)),
    };
    for line in report.table() {
        eprintln!("{line}");
    }
    // Compact: a table of a few hundred rows, filed as it is (scripts/docs.sh --times).
    let json = serde_json::to_string(&report).map_err(|e| e.to_string())?;
    fs::write(&args.json, json + "\n")
        .map_err(|e| format!("cannot write {}: {e}", args.json.display()))?;
    println!(
        "check: {} s ({:.1} min), {state}: budget {limit} min (aim {aim}): {}; times in {}",
        args.wall,
        args.wall as f64 / 60.0,
        if report.within_budget {
            "within"
        } else {
            "OVER BUDGET"
        },
        args.json.display()
    );
    Ok(true)
}

impl Report {
    /// The table's lines: the steps, the kinds, what was built, the phases, the moved steps.
    fn table(&self) -> Vec<String> {
        let mut out = vec![format!(
            "where make check's time went ({}, {}):",
            self.set, self.state
        )];
        out.push("  steps (seconds, status):".into());
        for r in self
            .rows
            .iter()
            .filter(|r| r.place == "step" && r.status != "moved")
        {
            out.push(format!("    {:>6}  {:<7} {}", r.seconds, r.status, r.name));
        }
        out.push("  by kind of work (seconds):".into());
        for (k, s) in &self.by_kind {
            out.push(format!("    {s:>6}  {k}"));
        }
        let built: Vec<&Row> = self.rows.iter().filter(|r| is_build(r)).collect();
        if !built.is_empty() {
            out.push("  built (a cache miss; in a step, or in the background):".into());
            for r in built {
                out.push(format!(
                    "    {:>6}  {} ({}): {}",
                    r.seconds, r.kind, r.place, r.name
                ));
            }
        }
        out.push(
            "  phases of the guest runs, summed (inside the steps above; runs overlap):".into(),
        );
        for (k, (s, n)) in &self.phases {
            out.push(format!("    {s:>8.0}  {k} ({n} runs)"));
        }
        let moved: Vec<&Row> = self.rows.iter().filter(|r| r.status == "moved").collect();
        if !moved.is_empty() {
            out.push("  not in the gate (make check CHECK=full runs them):".into());
            for r in moved {
                out.push(format!("    {}: {}", r.name, r.note));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROWS: &str = "step\thost\thost unit tests\t11\tok\n\
        build\tscripts/build-kernel.sh\tx86_64 kernel build (several minutes)\t454\tok\n\
        background\tscripts/debian/image.sh\tinstalling the system's packages\t120\tok\n\
        step\tguest runs: debug x86_64\tx86_64 fault matrix with kdump\t531\tfailed\n\
        step\tguest runs: debug x86_64\tx86_64 dump levels\t0\tmoved\ta measurement page\n";

    #[test]
    fn rows_name_their_kind_and_the_check_its_state() {
        let rows = parse(ROWS).unwrap();
        assert_eq!(rows[1].kind, "kernel builds");
        assert_eq!(rows[2].kind, "system images");
        assert_eq!(rows[4].note, "a measurement page");
        assert_eq!(state(&rows), "cold");
        assert_eq!(budget(state(&rows)), COLD_BUDGET);
        let warm: Vec<Row> = rows.into_iter().filter(|r| r.place == "step").collect();
        assert_eq!(state(&warm), "warm");
        // Reading a user's image builds nothing for the cache.
        let read = parse("build\tscripts/debian/user-image.sh\treading the image\t1\tok\n");
        assert_eq!(state(&read.unwrap()), "warm");
        assert_eq!(budget("warm"), WARM_BUDGET);
        assert_eq!(budget("partly warm"), COLD_BUDGET);
    }

    #[test]
    fn a_malformed_row_is_named() {
        assert!(parse("step\thost\t11\n").unwrap_err().contains("5 fields"));
        assert!(parse("step\thost\tx\tmany\tok\n")
            .unwrap_err()
            .contains("not a number"));
    }

    #[test]
    fn phases_sum_over_the_results_files() {
        let dir = std::env::temp_dir().join(format!("panicgen-times-{}", std::process::id()));
        fs::create_dir_all(dir.join("a")).unwrap();
        let run = r#"{"phases": {"crash_s": 3.0, "drgn_s": 0.5}}"#;
        fs::write(
            dir.join("a/results.json"),
            format!(r#"{{"results": [{run}, {run}, {{"phases": {{}}}}]}}"#),
        )
        .unwrap();
        let p = phases(&results_files(&dir, 0));
        assert!(
            phases(&results_files(&dir, u64::MAX)).is_empty(),
            "none that new"
        );
        assert_eq!(p["crash"], (6.0, 2));
        assert_eq!(p["drgn"], (1.0, 2));
        fs::remove_dir_all(dir).unwrap();
    }
}
