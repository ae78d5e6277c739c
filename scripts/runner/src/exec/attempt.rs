// SPDX-License-Identifier: GPL-2.0

//! One fault run: guest spec → `vm::run` → facts → `verdict::decide` → its result, with the
//! per-phase timings; an infrastructure error is tried again.

use std::{
    fs,
    path::Path,
    time::{
        Duration,
        Instant, //
    },
};

use crate::{
    catalog::{
        self,
        Context, //
    },
    cli::Suite,
    exec::{
        drgn::{
            self,
            DumpMode, //
        },
        dump_levels,
        guest::Guests,
        vm::{
            self,
            Control,
            VmRun, //
        },
        vmcore_disk,
    },
    model::{
        facts::{
            End,
            Evidence,
            MissingDump, //
        },
        lkdtm,
        plan::Run,
        protocol::{
            self,
            Event, //
        },
        results::{
            self,
            DumpResult,
            FaultResult,
            Phases, //
        },
        symbols, title,
        verdict::{
            self,
            Decision,
            Facts,
            Matcher,
            Verdict, //
        },
    },
};

/// A token unique to one attempt of one run, echoed by the module's trigger line.
fn run_id(arch: &str, name: &str, attempt: u32) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    // `id=` takes A-Z a-z 0-9 . _ : - (a crash point's run is NAME@POINT).
    let name = name.replace('@', ":");
    let mut id = format!("{arch}.{name}.{attempt}.{:x}", std::process::id() ^ nanos);
    id.truncate(catalog::MAX_ID_LEN);
    id
}

/// Whether `run` captures a dump: a fault that panics the test guest, in a dumped context.
pub fn dumps(g: &Guests<'_>, run: &Run) -> bool {
    let opts = g.opts;
    opts.verifier.is_some()
        && run.fault.kind.panics_test_guest()
        && opts
            .dump_contexts
            .as_ref()
            .is_none_or(|l| l.contains(&run.ctx))
}

/// Runs `run` until it is decided (an `error` is tried again, see [`verdict::retry`]).
pub fn run_fault(g: &Guests<'_>, run: Run) -> FaultResult {
    let mut attempt = 1;
    loop {
        let (result, decision) = attempt_run(g, run, attempt);
        if !verdict::retry(&decision, attempt) {
            return result;
        }
        eprintln!("    {} error, trying again: {}", run.name(), result.reason);
        attempt += 1;
    }
}

/// The rules for `run`'s fault on this arch.
fn matcher(g: &Guests<'_>, run: &Run) -> Result<Matcher, &'static str> {
    match g.opts.suite {
        Suite::Panicgen => match run.point {
            Some(p) => Matcher::new(run.fault, run.ctx, g.opts.arch).map(|m| m.at_point(p.reach)),
            None => Matcher::new(run.fault, run.ctx, g.opts.arch),
        },
        Suite::Lkdtm => {
            Matcher::with_trigger(run.fault, run.ctx, g.opts.arch, lkdtm::TRIGGER_PREFIX)
        }
    }
}

fn attempt_run(g: &Guests<'_>, run: Run, attempt: u32) -> (FaultResult, Decision) {
    let started = Instant::now();
    let opts = g.opts;
    let name = run.name();
    let console = opts.out.join("console").join(format!("{name}.log"));
    let mut matcher = matcher(g, &run);
    let (id, command) = match opts.suite {
        Suite::Panicgen => {
            let id = run_id(opts.arch.name(), &name, attempt);
            let command = format!("{} id={id}", run.command());
            (id, command)
        }
        Suite::Lkdtm => (
            String::new(),
            format!("{}{}", protocol::LKDTM_TARGET, run.fault.name),
        ),
    };
    let mode = if matcher.is_ok() && dumps(g, &run) {
        opts.dump
    } else {
        DumpMode::None
    };
    let dir = opts.out.join(&name);
    let vmcore = dir.join("vmcore");
    let disk = opts.out.join("disks").join(format!("{name}.img"));
    let mut setup = Ok(());
    if matcher.is_ok() && opts.dump == DumpMode::Kdump {
        // Every guest of a kdump run has the vmcore disk (the saved one was saved with it).
        setup = vmcore_disk::create(&disk);
    }
    if setup.is_ok() && mode != DumpMode::None {
        let _ = fs::remove_file(&vmcore);
        setup =
            fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()));
    }
    let tag = format!("{name}-{attempt}");
    let disk_arg = (opts.dump == DumpMode::Kdump).then_some(disk.as_path());
    let spec = g
        .restored(&run, &command, disk_arg, &tag)
        .unwrap_or_else(|| g.booting(&run, &command, disk_arg, &tag));
    // Once the console shows the verdict, the guest may go as soon as the rest of the report
    // is out (a quiet console): a panic run normally ends by itself (pvpanic), a report run
    // may leave a CPU spinning.
    let stop = Control::StopWhenQuiet {
        quiet: Duration::from_millis(300),
        max: if run.fault.kind.panics_test_guest() {
            Duration::from_millis(500)
        } else {
            Duration::from_millis(1500)
        },
    };
    let mut verdict_line = None;
    let mut host_dump: Option<(Result<(), MissingDump>, Duration)> = None;
    let vm_run = match (&matcher, &setup) {
        (Err(_), _) => None,
        (Ok(_), Err(e)) => Some(VmRun::not_started(e.clone())),
        (Ok(m), Ok(())) => Some(vm::run(&spec, &console, |lines, qmp| {
            if verdict_line.is_none() && m.judge(lines, &End::Running).passed() {
                verdict_line = Some(lines.len() - 1);
            }
            match mode {
                // A crash point refused, or not reached in its time: nothing more will come.
                _ if verdict_line.is_none() && m.unreached(lines).is_some() => {
                    Control::StopAfter(Duration::from_millis(200))
                }
                // The capture kernel ends a dump run: it syncs the disk, says so and reboots.
                DumpMode::Kdump if protocol::last_is(lines, Event::VmcoreSaved) => {
                    Control::StopAfter(Duration::from_millis(100))
                }
                DumpMode::Kdump if protocol::last_is(lines, Event::CaptureFailed) => {
                    Control::StopAfter(Duration::from_secs(2))
                }
                DumpMode::Kdump => Control::Continue,
                // The guest reported its panic (pvpanic) and stopped: dump it from the host.
                DumpMode::Qmp if verdict_line.is_some() => {
                    let t = Instant::now();
                    let done = match qmp {
                        Some(q) => drgn::qmp_dump(q, &vmcore),
                        None => Err(MissingDump::Qmp("no QMP connection".into())),
                    };
                    host_dump = Some((done, t.elapsed()));
                    Control::StopAfter(Duration::ZERO)
                }
                _ if verdict_line.is_some() => stop,
                // In process context the fault happens inside the write: once the write has
                // returned without the kernel's message, only the rest of a report can come.
                _ if run.ctx == Context::Process
                    && protocol::last_is(lines, Event::TriggerReturned) =>
                {
                    Control::StopWhenQuiet {
                        quiet: Duration::from_secs(1),
                        max: Duration::from_secs(3),
                    }
                }
                _ => Control::Continue,
            }
        })),
    };
    if let (Ok(m), Some(r)) = (&mut matcher, &vm_run) {
        m.read_function(&r.lines);
    }
    let mut phases = vm_run
        .as_ref()
        .map(|r| console_phases(r, verdict_line))
        .unwrap_or_default();
    // The dump: off the disk (kdump) or from the host (QMP), then read by drgn.
    let mut format_note = None;
    let evidence = match mode {
        DumpMode::None => None,
        _ => {
            let captured = if mode == DumpMode::Kdump {
                let t = Instant::now();
                let got = vmcore_disk::extract(&disk, &vmcore)
                    .map(|(_, format)| format_note = Some(vmcore_disk::describe_format(format)));
                phases.extract_s = Some(t.elapsed().as_secs_f64());
                got
            } else {
                let (done, took) = host_dump.take().unwrap_or((
                    Err(MissingDump::Qmp("the guest never panicked".into())),
                    Duration::ZERO,
                ));
                phases.host_dump_s = Some(took.as_secs_f64());
                done
            };
            Some(match captured {
                Err(why) => Evidence::Missing(why),
                Ok(()) => {
                    let t = Instant::now();
                    let read = opts
                        .verifier
                        .as_ref()
                        .expect("dumps need a verifier")
                        .read(&vmcore);
                    phases.drgn_s = Some(t.elapsed().as_secs_f64());
                    match read {
                        Ok(facts) => Evidence::Read(facts),
                        Err(why) => Evidence::Unreadable(why),
                    }
                }
            })
        }
    };
    let none = VmRun::not_started(String::new());
    let vm_run_ref = vm_run.as_ref().unwrap_or(&none);
    let decision = verdict::decide(&Facts {
        matcher: matcher.as_ref().map_err(|why| *why),
        console: &vm_run_ref.lines,
        end: &vm_run_ref.end,
        qemu_stderr: &vm_run_ref.qemu_stderr,
        dump: evidence.as_ref(),
        id: &id,
    });
    // The dump-level table's rows: the run's dump, then the other levels of the same capture.
    let conformance = match (&evidence, &matcher, opts.verifier.as_ref()) {
        (Some(Evidence::Read(facts)), Ok(m), Some(verifier)) if !opts.dump_levels.is_empty() => {
            let t = Instant::now();
            let mut rows = vec![dump_levels::own_level(
                &opts.dump_level,
                &disk,
                &decision.checks,
                &facts.survey,
                &vm_run_ref.lines,
                fs::metadata(&vmcore).map(|m| m.len()).unwrap_or(0),
            )];
            rows.extend(dump_levels::read_levels(
                &disk,
                &dir,
                &vm_run_ref.lines,
                verifier,
                m,
                &id,
                opts.keep_passed_vmcores,
            ));
            phases.levels_s = Some(t.elapsed().as_secs_f64());
            rows
        }
        _ => Vec::new(),
    };
    let _ = fs::remove_file(&disk);
    let mut result = FaultResult {
        fault: run.fault.name.to_string(),
        context: run.context_name(),
        verdict: decision.verdict(),
        cause: decision.cause,
        expected: matcher.as_ref().map(Matcher::expected).unwrap_or_default(),
        observed: decision.observed.clone(),
        reason: decision.reason.clone(),
        // The whole run: the guest, and the dump's extraction and checks.
        duration_s: if vm_run.is_some() {
            started.elapsed().as_secs_f64()
        } else {
            0.0
        },
        console: String::new(),
        title: String::new(),
        id,
        attempts: attempt,
        dump: None,
        phases,
        dump_levels: conformance,
    };
    if let Some(vm_run) = &vm_run {
        result.console = console.display().to_string();
        if result.verdict != Verdict::Pass {
            result.reason = format!("{} (console: {})", result.reason, console.display());
        }
        if let Some(at) = protocol::trigger_line(&vm_run.lines) {
            result.title = title::title(&vm_run.lines, at).unwrap_or_default();
        }
        let _ = fs::write(
            console.with_extension("sym.log"),
            symbols::symbolise(&vm_run.lines),
        );
    }
    if evidence.is_some() {
        result.dump = Some(dump_result(
            &decision,
            &vmcore,
            &dir,
            !opts.keep_passed_vmcores && result.verdict == Verdict::Pass,
            format_note,
        ));
    }
    (result, decision)
}

/// The dump part of a result; a passing run's vmcore is deleted if `delete`.
fn dump_result(
    decision: &Decision,
    vmcore: &Path,
    dir: &Path,
    delete: bool,
    format: Option<&str>,
) -> DumpResult {
    let mut checks = results::check_results(&decision.checks);
    let mut kept = None;
    if let Ok(meta) = fs::metadata(vmcore) {
        let mut note = format!(" ({} MB", meta.len().div_ceil(1 << 20));
        if let Some(format) = format {
            note += &format!(", {format}");
        }
        note += ")";
        if delete {
            // Checked and passed: only a failed run's dump is worth its disk space.
            let _ = fs::remove_file(vmcore);
            let _ = fs::remove_dir(dir);
            note += ", deleted after the checks (--keep-vmcores failed)";
        } else {
            kept = Some(vmcore.display().to_string());
        }
        if let Some(c) = checks.get_mut("captured") {
            c.detail += &note;
        }
    }
    DumpResult {
        vmcore: kept,
        vmcore_checks: checks,
    }
}

/// The phases the console shows (host clock of each line): how long to the fault, from the
/// fault to the kernel's verdict, and the capture kernel's steps.
fn console_phases(r: &VmRun, verdict_line: Option<usize>) -> Phases {
    let at = |i: usize| r.line_at.get(i).copied();
    let secs = |from: Option<Duration>, to: Option<Duration>| match (from, to) {
        (Some(a), Some(b)) if b >= a => Some((b - a).as_secs_f64()),
        _ => None,
    };
    let firing = protocol::find(&r.lines, Event::Firing).and_then(at);
    let trigger = protocol::trigger_line(&r.lines).and_then(at);
    let verdict = verdict_line.and_then(at);
    let capture = protocol::find(&r.lines, Event::CaptureBooted).and_then(at);
    let saved = protocol::find(&r.lines, Event::VmcoreSaved).and_then(at);
    let fired = r.input_at.or(firing);
    Phases {
        boot_s: if r.resumed_at.is_none() {
            fired.map(|d| d.as_secs_f64())
        } else {
            None
        },
        restore_s: r.resumed_at.map(|d| d.as_secs_f64()),
        fire_to_trigger_s: secs(fired, trigger),
        trigger_to_verdict_s: secs(trigger, verdict),
        capture_boot_s: secs(verdict, capture),
        makedumpfile_s: secs(capture, saved),
        ..Phases::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_bounded() {
        let a = run_id("x86_64", "BUG", 1);
        assert!(a.starts_with("x86_64.BUG.1."));
        let long = run_id("x86_64", &"X".repeat(100), 1);
        assert_eq!(long.len(), catalog::MAX_ID_LEN);
    }

    #[test]
    fn phases_from_a_restored_kdump_run() {
        let lines: Vec<String> = [
            "[ 5.1] panicgen-init: firing BUG ctx=process id=r1",
            "[ 5.2] panicgen: trigger BUG ctx=process id=r1",
            "[ 5.3] kernel BUG at src/faults/bugs.rs:48!",
            "[ 5.4] Kernel panic - not syncing: Fatal exception",
            "[ 1.0] panicgen-init: capture kernel booted 7.3.4",
            "[ 2.0] panicgen-init: vmcore saved: 100 bytes",
        ]
        .map(str::to_string)
        .to_vec();
        let ms = Duration::from_millis;
        let r = VmRun {
            line_at: vec![ms(350), ms(400), ms(420), ms(500), ms(1500), ms(2700)],
            lines,
            end: End::Stopped,
            elapsed: ms(2800),
            qemu_stderr: String::new(),
            resumed_at: Some(ms(300)),
            input_at: Some(ms(310)),
        };
        let p = console_phases(&r, Some(3));
        let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-9;
        assert!(p.boot_s.is_none());
        assert!(close(p.restore_s, 0.3));
        assert!(close(p.fire_to_trigger_s, 0.09));
        assert!(close(p.trigger_to_verdict_s, 0.1));
        assert!(close(p.capture_boot_s, 1.0));
        assert!(close(p.makedumpfile_s, 1.2));
    }
}
