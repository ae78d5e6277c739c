// SPDX-License-Identifier: GPL-2.0

//! `run`: the matrix (or a shard of it), from the plan to the written results.

use std::{io::Write, sync::Mutex, time::Instant};

use crate::{
    exec::{
        attempt::{
            self,
            GuestKind, //
        },
        cancel,
        crash::CrashDumps,
        guest::{
            self,
            Guests, //
        },
        options::Options,
        out_dir,
        pool::{
            self,
            Progress, //
        },
        selftest_guest,
        system_guest::{
            SystemInfo,
            Systems, //
        },
    },
    model::{
        crash, facts,
        plan::{
            self,
            DumpMode,
            Run, //
        },
        protocol,
        results::{
            Results,
            ShardInfo, //
        },
        skew,
        verdict::{
            kept_log,
            KnownLoss, //
        },
    },
    output,
};

/// Runs the matrix; `Ok(true)` when everything passed.
pub fn run(mut opts: Options) -> Result<bool, String> {
    let _out = check_inputs(&opts)?;
    cancel::install();
    let arch = opts.arch.name();
    let started = Instant::now();
    let started_at = crate::exec::now();
    let (accel, why) = guest::choose_accel(&opts);
    let (matrix, runs) = plan_runs(&opts);
    check_runs(&opts, &matrix)?;
    sample_crash(&mut opts, &matrix);
    announce(&opts, &matrix, &runs, &format!("{} ({why})", accel.name()));
    let mut guests = Guests::new(&opts, accel);
    let mut systems = opts
        .system
        .as_ref()
        .map(|image| Systems::new(&opts, image, accel));
    let boot = match systems.as_mut() {
        Some(s) => s
            .save_all(&runs)
            .map_err(|e| format!("the system did not get ready to be crashed: {e}"))?,
        None => guests.save_templates(&runs).unwrap_or_default(),
    };
    let release = Mutex::new(release(&boot, systems.as_ref()));
    guests.known_loss = lab_known_loss(&opts, &boot);
    let guests = guests;
    let kind: &dyn GuestKind = match &systems {
        Some(s) => s,
        None => &guests,
    };
    let dump_skew = dump_skew(&opts, &boot, systems.as_ref().and_then(|s| s.info.as_ref()));
    let progress = Progress::new(arch, runs.len() + usize::from(opts.selftest.is_some()));
    let selftest = opts.selftest.as_deref().map(|args| {
        let r = selftest_guest::run(&guests, args);
        progress.done("selftest", r.verdict, r.duration_s, &r.reason);
        r
    });
    let results = run_faults(kind, &runs, opts.jobs, &release, &progress);
    let mut guests = guests;
    Guests::clean_up(&mut guests);
    if let Some(s) = systems.as_mut() {
        s.clean_up();
    }
    let built_by = |option: &str| {
        opts.kconfig
            .as_ref()
            .and_then(|k| k.text(option))
            .unwrap_or_default()
            .to_string()
    };
    let results = Results {
        arch: arch.to_string(),
        kernel: release
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or_default(),
        target: opts.target.clone(),
        compiler: built_by("CONFIG_CC_VERSION_TEXT"),
        rustc: built_by("CONFIG_RUSTC_VERSION_TEXT"),
        accel: accel.name().to_string(),
        started: started_at,
        shard: opts.shard.map(|s| ShardInfo {
            index: s.index,
            count: s.count,
            matrix_runs: matrix.len(),
        }),
        dump_skew,
        incomplete: incomplete(&results),
        results,
        selftest,
        system: systems
            .as_ref()
            .and_then(|s| s.summary(opts.system.as_ref())),
    };
    output::json::write(&results, &opts.out)?;
    print(&opts, &results, started);
    Ok(results.all_passed())
}

/// The guest's kernel release from its boot console; a system booted `quiet` prints no
/// banner there, and its agent said `uname -r`.
fn release(boot: &[String], systems: Option<&Systems<'_>>) -> Option<String> {
    protocol::guest_release(boot).or_else(|| {
        let info = systems?.info.as_ref()?;
        (!info.release.is_empty()).then(|| info.release.clone())
    })
}

/// Runs `runs`, `jobs` at a time, reporting each; the first console that names the guest's
/// kernel release sets `release` when the saved guest's boot did not.
fn run_faults(
    kind: &dyn GuestKind,
    runs: &[Run],
    jobs: usize,
    release: &Mutex<Option<String>>,
    progress: &Progress,
) -> Vec<crate::model::results::FaultResult> {
    pool::run(jobs, runs.len(), |i| {
        let r = attempt::run_fault(kind, runs[i]);
        if let Ok(text) = std::fs::read_to_string(&r.console) {
            let mut known = release.lock().unwrap_or_else(|e| e.into_inner());
            if known.is_none() {
                *known =
                    protocol::guest_release(&text.lines().map(str::to_string).collect::<Vec<_>>());
            }
        }
        progress.done(&runs[i].name(), r.verdict, r.duration_s, &r.reason);
        r
    })
}

/// A cancelled runner's account of how far it got (`None`: not cancelled).
fn incomplete(results: &[crate::model::results::FaultResult]) -> Option<String> {
    let signal = cancel::requested()?;
    let finished = results
        .iter()
        .filter(|r| r.cause != Some(crate::model::verdict::Cause::Cancelled))
        .count();
    Some(format!(
        "cancelled by {}: {finished} of {} runs finished; run the same command again for the \
         rest",
        facts::signal_name(signal),
        results.len()
    ))
}

/// The guest's kernel and initramfs are there, and the run's output directory is this
/// runner's (held until the returned guard drops).
fn check_inputs(opts: &Options) -> Result<out_dir::OutDir, String> {
    for p in [&opts.kernel, &opts.initramfs] {
        if !p.is_file() {
            return Err(format!(
                "{} does not exist: build it first (make run does)",
                p.display()
            ));
        }
    }
    out_dir::claim(&opts.out)
}

/// The whole matrix, and the runs of it this runner takes (its shard, or all).
fn plan_runs(opts: &Options) -> (Vec<Run>, Vec<Run>) {
    let kernel = opts.kconfig.as_ref();
    let matrix = if opts.points.is_empty() {
        plan::matrix(&opts.faults, opts.contexts.as_deref(), kernel)
    } else {
        plan::point_runs(&opts.faults, &opts.points, kernel)
    };
    let matrix: Vec<Run> = matrix
        .into_iter()
        .filter(|r| {
            let kind = r.fault.kind.name();
            opts.kinds
                .as_ref()
                .is_none_or(|k| k.iter().any(|k| k == kind))
        })
        .filter(|r| opts.runs.as_ref().is_none_or(|n| n.contains(&r.name())))
        .map(|r| {
            if opts.fatal_reports {
                r.made_fatal()
            } else {
                r
            }
        })
        .collect();
    let runs = match opts.shard {
        Some(s) => plan::shard(&matrix, s, |r| opts.costs.of(r)),
        None => matrix.clone(),
    };
    (matrix, runs)
}

/// With `--crash-dumps one-per-fault` (or `one-per-category`), the runs whose dump crash
/// reads, from the whole matrix.
fn sample_crash(opts: &mut Options, matrix: &[Run]) {
    let by = match opts.crash_dumps {
        CrashDumps::All => return,
        CrashDumps::OnePerFault => plan::CrashSample::Fault,
        CrashDumps::OnePerCategory => plan::CrashSample::Category,
    };
    if let Some(c) = opts.crash.as_mut() {
        c.only = Some(plan::crash_sample(matrix, by));
    }
}

/// Every run `--runs` names is in the matrix.
fn check_runs(opts: &Options, matrix: &[Run]) -> Result<(), String> {
    if let Some(names) = &opts.runs {
        if let Some(n) = names
            .iter()
            .find(|n| !matrix.iter().any(|r| &r.name() == *n))
        {
            return Err(format!(
                "--runs: no run '{n}' in this matrix (a run is FAULT or FAULT-context, of the \
                 faults and contexts asked for)"
            ));
        }
    }
    Ok(())
}

/// Says what the run is about to do.
fn announce(opts: &Options, matrix: &[Run], runs: &[Run], accel: &str) {
    let shard = opts
        .shard
        .map(|s| format!(" (shard {s} of a {}-run matrix)", matrix.len()))
        .unwrap_or_default();
    let selftest = if opts.selftest.is_some() {
        " + the in-guest selftest"
    } else {
        ""
    };
    let start = if opts.snapshot {
        "each from a saved booted guest"
    } else {
        "each booting"
    };
    eprintln!(
        "{}: {} runs of {} fault(s){shard}{selftest}, {} at a time, accel {accel}, dumps: {}, \
         {start}",
        opts.arch.name(),
        runs.len(),
        opts.faults.len(),
        opts.jobs,
        opts.dump.name(),
    );
}

/// Before any crash: what the dump tools cannot read of this kernel (`boot`: a booted
/// guest's console; a system's own account of itself), each line also said on stderr; for a
/// system, the change to its kdump-tools configuration that keeps what is lost.
/// What panicgen's guests' readers are known to lose on this kernel: the `dmesg` check, when
/// the capture's makedumpfile cannot read the kernel at all (the capture then saves the dump
/// unfiltered, which drgn reads), and the `crash_*` checks crash's skews lose.
fn lab_known_loss(opts: &Options, boot: &[String]) -> Option<KnownLoss> {
    let release = protocol::guest_release(boot)?;
    let mut checks = Vec::new();
    let mut notes = Vec::new();
    let tool = boot.iter().find_map(|l| match protocol::event(l) {
        Some((protocol::Event::DumpTools, rest)) => Some(rest),
        _ => None,
    });
    if let (Some(_), Some(tool)) = (&opts.dump_tools, tool) {
        if let Some(change) = skew::unreadable(tool, &release, opts.kconfig.as_ref()) {
            checks.push(kept_log::DMESG);
            notes.push(format!(
                "{tool} cannot read {release} ({change}), so its --dump-dmesg cannot either"
            ));
        }
    }
    if let Some((line, lost)) = crash_skew(opts, &release) {
        checks.extend(lost);
        notes.push(line);
    }
    (!checks.is_empty()).then(|| KnownLoss {
        checks,
        whole: false,
        note: notes.join("; "),
    })
}

/// crash's skew line on `release`, and the checks it loses.
fn crash_skew(opts: &Options, release: &str) -> Option<(String, Vec<&'static str>)> {
    let c = opts.crash.as_ref()?;
    let skews = crash::skews(
        crash::version(&c.version)?,
        skew::series(release)?,
        opts.arch,
        opts.kconfig.as_ref(),
    );
    Some((
        crash::line(&c.version, release, &skews)?,
        crash::lost_checks(&skews),
    ))
}

fn dump_skew(opts: &Options, boot: &[String], system: Option<&SystemInfo>) -> Vec<String> {
    let config = opts.kconfig.as_ref();
    let lines = match (&opts.dump, &opts.verifier, system) {
        (DumpMode::Kdump, Some(v), _) => {
            skew::report(boot, v.drgn_version().as_deref(), &opts.dump_level, config)
        }
        (DumpMode::KdumpTools, Some(v), Some(s)) => {
            let level = s.level();
            let mut lines = skew::report_for(
                &s.release,
                Some(&s.makedumpfile),
                v.drgn_version().as_deref(),
                &level,
                config,
            );
            lines.extend(skew::makedump_args_advice(
                &s.makedump_args,
                &level,
                &s.makedumpfile,
                &s.release,
                config,
            ));
            lines
        }
        _ => Vec::new(),
    };
    let release = protocol::guest_release(boot);
    let mut lines = lines;
    lines.extend(release.and_then(|r| crash_skew(opts, &r)).map(|(l, _)| l));
    for line in &lines {
        eprintln!("{}: dump-tool skew: {line}", opts.arch.name());
    }
    lines
}

/// Prints the tables and where the results are.
fn print(opts: &Options, results: &Results, started: Instant) {
    let arch = opts.arch.name();
    let mut stdout = std::io::stdout();
    let _ = write!(stdout, "\n{}", output::table::table(results));
    let _ = write!(stdout, "{}", output::dump_levels::table(results));
    let _ = writeln!(
        stdout,
        "{arch}: {:.0} s in all; results in {dir}/results.json (.ktap, .xml, .kcidb.json); \
         to look at: {dir}/index.html",
        started.elapsed().as_secs_f64(),
        dir = opts.out.display()
    );
    if !results.all_passed() {
        let _ = writeln!(
            stdout,
            "{arch}: NOT all passed. Each failing row names its console log; 'fail' means the \
             kernel did not print the expected message, 'error' means the guest never fired it."
        );
    }
}
