// SPDX-License-Identifier: GPL-2.0

//! An attempt's result: the decision with what the run left behind (its console, symbolised
//! and titled; its vmcore, kept or deleted) and where its time went.

use std::{fs, path::Path, time::Duration};

use super::{
    Attempt,
    Watched, //
};
use crate::{
    exec::vm::VmRun,
    model::{
        protocol::{
            self,
            Event, //
        },
        results::{
            check_results,
            DumpResult,
            FaultResult,
            LevelResult,
            Phases, //
        },
        symbols, title,
        verdict::{
            Decision,
            Matcher,
            Verdict, //
        },
    },
};

/// The result of `attempt` as decided; `ran` is how long the whole run took (the guest, and
/// the dump's extraction and checks), `None` when no guest was started.
pub(super) fn result(
    attempt: &Attempt<'_>,
    decision: &Decision,
    ran: Option<Duration>,
    phases: Phases,
    dump_levels: Vec<LevelResult>,
) -> FaultResult {
    FaultResult {
        fault: attempt.run.fault.name.to_string(),
        context: attempt.run.context_name(),
        verdict: decision.verdict(),
        cause: decision.cause,
        expected: attempt
            .matcher
            .as_ref()
            .map(Matcher::expected)
            .unwrap_or_default(),
        panic_settings: attempt
            .matcher
            .as_ref()
            .map(Matcher::settings_note)
            .unwrap_or_default(),
        observed: decision.observed.clone(),
        reason: decision.reason.clone(),
        duration_s: ran.map_or(0.0, |d| d.as_secs_f64()),
        console: String::new(),
        title: String::new(),
        id: attempt.id.clone(),
        attempts: attempt.number,
        dump: None,
        phases,
        dump_levels,
    }
}

/// The result with its console: the log's path (named in a reason that is not a pass), the
/// crash's title, and the log symbolised beside it (`<name>.sym.log`).
pub(super) fn with_console(
    mut result: FaultResult,
    console: &Path,
    vm_run: Option<VmRun>,
) -> FaultResult {
    let Some(vm_run) = vm_run else {
        return result;
    };
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
    result
}

/// The result with its dump's checks, for a run that was asked for a dump; a passing run's
/// vmcore is deleted unless the run keeps them (`--keep-vmcores`), and the `captured` check
/// says what the disk held (`format`).
pub(super) fn with_dump(
    mut result: FaultResult,
    attempt: &Attempt<'_>,
    decision: &Decision,
    asked: bool,
    format: Option<&str>,
) -> FaultResult {
    if !asked {
        return result;
    }
    let delete = !attempt.g.opts().keep_passed_vmcores && result.verdict == Verdict::Pass;
    let mut checks = check_results(&decision.checks);
    let mut kept = None;
    if let Ok(meta) = fs::metadata(&attempt.vmcore) {
        let mut note = format!(" ({} MB", meta.len().div_ceil(1 << 20));
        if let Some(format) = format {
            note += &format!(", {format}");
        }
        note += ")";
        if delete {
            // Checked and passed: only a failed run's dump is worth its disk space.
            let _ = fs::remove_file(&attempt.vmcore);
            let _ = fs::remove_dir(&attempt.dir);
            note += ", deleted after the checks (--keep-vmcores failed)";
        } else {
            kept = Some(attempt.vmcore.display().to_string());
        }
        if let Some(c) = checks.get_mut("captured") {
            c.detail += &note;
        }
    }
    result.dump = Some(DumpResult {
        vmcore: kept,
        vmcore_checks: checks,
    });
    result
}

/// The phases the console shows (host clock of each line): how long to the fault, from the
/// fault to the kernel's verdict, and the capture kernel's steps.
pub(super) fn phases(w: &Watched) -> Phases {
    let r = &w.vm;
    let at = |i: usize| r.line_at.get(i).copied();
    let secs = |from: Option<Duration>, to: Option<Duration>| match (from, to) {
        (Some(a), Some(b)) if b >= a => Some((b - a).as_secs_f64()),
        _ => None,
    };
    let firing = protocol::find(&r.lines, Event::Firing).and_then(at);
    let trigger = protocol::trigger_line(&r.lines).and_then(at);
    let verdict = w.verdict_line.and_then(at);
    let capture = protocol::find(&r.lines, Event::CaptureBooted).and_then(at);
    let saved = protocol::find(&r.lines, Event::VmcoreSaved).and_then(at);
    let fired = r.input_at.or(firing);
    if let Some(t) = &w.system_times {
        return Phases {
            boot_s: t.up.map(|d| d.as_secs_f64()),
            restore_s: t.resumed.map(|d| d.as_secs_f64()),
            fire_to_trigger_s: secs(t.fired, trigger),
            trigger_to_verdict_s: secs(trigger, verdict),
            capture_s: secs(verdict, t.reset),
            reboot_s: secs(t.reset, t.back),
            collect_s: secs(t.back, t.collected),
            ..Phases::default()
        };
    }
    Phases {
        boot_s: match r.resumed_at {
            None => fired.map(|d| d.as_secs_f64()),
            Some(_) => None,
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
    use crate::model::facts::End;

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
        let w = Watched {
            vm: VmRun {
                line_at: vec![ms(350), ms(400), ms(420), ms(500), ms(1500), ms(2700)],
                lines,
                end: End::Stopped,
                elapsed: ms(2800),
                qemu_stderr: String::new(),
                resumed_at: Some(ms(300)),
                input_at: Some(ms(310)),
            },
            verdict_line: Some(3),
            host_dump: None,
            system: None,
            system_times: None,
            settings: None,
        };
        let p = phases(&w);
        let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-9;
        assert!(p.boot_s.is_none());
        assert!(close(p.restore_s, 0.3));
        assert!(close(p.fire_to_trigger_s, 0.09));
        assert!(close(p.trigger_to_verdict_s, 0.1));
        assert!(close(p.capture_boot_s, 1.0));
        assert!(close(p.makedumpfile_s, 1.2));
    }
}
