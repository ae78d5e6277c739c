// SPDX-License-Identifier: GPL-2.0

//! One fault run, phase by phase: its [`Attempt`] (id, command, paths), the guest watched
//! until the stop rules ([`crate::model::verdict::stop`]) say it has shown all it will, the
//! dump taken and read, then [`verdict::decide`] and the result. An infrastructure error is
//! tried again ([`verdict::retry`]).

use std::{
    fs,
    path::PathBuf,
    time::{
        Duration,
        Instant, //
    },
};

use crate::{
    catalog,
    exec::{
        capture, dump_levels,
        guest::Guests,
        options::Suite,
        vm::{
            self,
            Control,
            VmRun, //
        },
        vmcore_disk,
    },
    model::{
        facts::{
            Evidence,
            MissingDump, //
        },
        lkdtm,
        plan::{
            DumpMode,
            Run, //
        },
        protocol,
        results::{
            FaultResult,
            LevelResult,
            Phases, //
        },
        verdict::{
            self,
            stop::{
                Next,
                Watch, //
            },
            CannotShow, //
            Decision,
            Facts,
            Matcher,
        },
    },
};

mod report;

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
    let mut number = 1;
    loop {
        let attempt = Attempt::new(g, run, number);
        let (result, decision) = attempt.run();
        if !verdict::retry(&decision, number) {
            return result;
        }
        eprintln!("    {} error, trying again: {}", run.name(), result.reason);
        number += 1;
    }
}

/// One attempt of one run: what it fires and where its files go.
struct Attempt<'a> {
    g: &'a Guests<'a>,
    run: Run,
    number: u32,
    name: String,
    /// The run's correlation id (`id=` of the trigger; empty for LKDTM).
    id: String,
    /// The line written to the trigger.
    command: String,
    /// The rules for the fault on this arch and kernel; why it is not fired otherwise.
    matcher: Result<Matcher, CannotShow>,
    /// How this attempt's dump is taken ([`DumpMode::None`]: it takes none).
    dump: DumpMode,
    console: PathBuf,
    /// The run's directory: its vmcore, and the other dump levels'.
    dir: PathBuf,
    vmcore: PathBuf,
    /// The vmcore disk of a kdump run (every guest of such a run has one).
    disk: PathBuf,
}

/// What watching the guest gave.
struct Watched {
    vm: VmRun,
    verdict_line: Option<usize>,
    /// A QMP run's dump, and how long QEMU took to write it.
    host_dump: Option<(Result<(), MissingDump>, Duration)>,
}

impl<'a> Attempt<'a> {
    fn new(g: &'a Guests<'a>, run: Run, number: u32) -> Self {
        let opts = g.opts;
        let name = run.name();
        let matcher = matcher(g, &run);
        let (id, command) = match opts.suite {
            Suite::Panicgen => {
                let id = run_id(opts.arch.name(), &name, number);
                let command = format!("{} id={id}", run.command());
                (id, command)
            }
            Suite::Lkdtm => (
                String::new(),
                format!("{}{}", protocol::LKDTM_TARGET, run.fault.name),
            ),
        };
        let dump = if matcher.is_ok() && dumps(g, &run) {
            opts.dump
        } else {
            DumpMode::None
        };
        let dir = opts.out.join(&name);
        Attempt {
            g,
            run,
            number,
            console: opts.out.join("console").join(format!("{name}.log")),
            vmcore: dir.join("vmcore"),
            disk: opts.out.join("disks").join(format!("{name}.img")),
            dir,
            name,
            id,
            command,
            matcher,
            dump,
        }
    }

    /// Runs the attempt: the guest, the dump, the decision and the result.
    fn run(mut self) -> (FaultResult, Decision) {
        let started = Instant::now();
        let mut watched = match &self.matcher {
            Err(_) => None,
            Ok(_) => Some(match self.prepare() {
                Ok(()) => self.watch(),
                Err(e) => Watched {
                    vm: VmRun::not_started(e),
                    verdict_line: None,
                    host_dump: None,
                },
            }),
        };
        if let (Ok(m), Some(w)) = (&mut self.matcher, &watched) {
            m.read_function(&w.vm.lines);
        }
        let mut phases = watched.as_ref().map(report::phases).unwrap_or_default();
        let (evidence, format) = self.collect_dump(watched.as_mut(), &mut phases);
        let none = VmRun::not_started(String::new());
        let vm_run = watched.as_ref().map_or(&none, |w| &w.vm);
        let decision = verdict::decide(&Facts {
            matcher: self.matcher.as_ref().map_err(|n| *n),
            console: &vm_run.lines,
            end: &vm_run.end,
            qemu_stderr: &vm_run.qemu_stderr,
            dump: evidence.as_ref(),
            id: &self.id,
        });
        let levels = self.dump_levels(evidence.as_ref(), &decision, vm_run, &mut phases);
        let _ = fs::remove_file(&self.disk);
        let ran = watched.is_some().then(|| started.elapsed());
        let result = report::result(&self, &decision, ran, phases, levels);
        let result = report::with_console(result, &self.console, watched.map(|w| w.vm));
        let result = report::with_dump(result, &self, &decision, evidence.is_some(), format);
        (result, decision)
    }

    /// The run's files: its vmcore disk (every guest of a kdump run has one, the saved one
    /// was saved with it) and its directory.
    fn prepare(&self) -> Result<(), String> {
        if self.g.opts.dump == DumpMode::Kdump {
            vmcore_disk::create(&self.disk)?;
        }
        if self.dump != DumpMode::None {
            let _ = fs::remove_file(&self.vmcore);
            fs::create_dir_all(&self.dir)
                .map_err(|e| format!("cannot create {}: {e}", self.dir.display()))?;
        }
        Ok(())
    }

    /// Boots (or restores) the guest with the fault and watches its console until the stop
    /// rules end it; a QMP run's dump is taken from the host on the way.
    fn watch(&self) -> Watched {
        let g = self.g;
        let tag = format!("{}-{}", self.name, self.number);
        let disk = (g.opts.dump == DumpMode::Kdump).then_some(self.disk.as_path());
        let spec = g
            .restored(&self.run, &self.command, disk, &tag)
            .unwrap_or_else(|| g.booting(&self.run, &self.command, disk, &tag));
        let matcher = self.matcher.as_ref().expect("watched runs have a matcher");
        let mut rules = Watch {
            matcher,
            dump: self.dump,
            verdict_line: None,
        };
        let mut host_dump = None;
        let vm = vm::run(&spec, &self.console, |lines, qmp| match rules.next(lines) {
            Next::Continue => Control::Continue,
            Next::StopAfter(d) => Control::StopAfter(d),
            Next::StopWhenQuiet { quiet, max } => Control::StopWhenQuiet { quiet, max },
            Next::DumpFromHost => {
                let t = Instant::now();
                let done = match qmp {
                    Some(q) => capture::qmp_dump(q, &self.vmcore),
                    None => Err(MissingDump::Qmp("no QMP connection".into())),
                };
                host_dump = Some((done, t.elapsed()));
                Control::StopAfter(Duration::ZERO)
            }
        });
        Watched {
            vm,
            verdict_line: rules.verdict_line,
            host_dump,
        }
    }

    /// The dump, off the disk (kdump) or from the host (QMP), read by drgn; and, for a kdump
    /// run, what the disk held (a format note for the result).
    fn collect_dump(
        &self,
        watched: Option<&mut Watched>,
        phases: &mut Phases,
    ) -> (Option<Evidence>, Option<&'static str>) {
        let mut format = None;
        let captured = match self.dump {
            DumpMode::None => return (None, None),
            DumpMode::Kdump => {
                let t = Instant::now();
                let got = vmcore_disk::extract(&self.disk, &self.vmcore)
                    .map(|(_, f)| format = Some(vmcore_disk::describe_format(f)));
                phases.extract_s = Some(t.elapsed().as_secs_f64());
                got
            }
            DumpMode::Qmp => {
                let never = (
                    Err(MissingDump::Qmp("the guest never panicked".into())),
                    Duration::ZERO,
                );
                let (done, took) = watched.and_then(|w| w.host_dump.take()).unwrap_or(never);
                phases.host_dump_s = Some(took.as_secs_f64());
                done
            }
        };
        let evidence = match captured {
            Err(why) => Evidence::Missing(why),
            Ok(()) => {
                let t = Instant::now();
                let verifier = self.g.opts.verifier.as_ref();
                let read = verifier.expect("dumps need a verifier").read(&self.vmcore);
                phases.drgn_s = Some(t.elapsed().as_secs_f64());
                read.map_or_else(Evidence::Unreadable, Evidence::Read)
            }
        };
        (Some(evidence), format)
    }

    /// The dump-level table's rows (`--dump-levels`): the run's dump, then the other levels
    /// of the same capture.
    fn dump_levels(
        &self,
        evidence: Option<&Evidence>,
        decision: &Decision,
        vm_run: &VmRun,
        phases: &mut Phases,
    ) -> Vec<LevelResult> {
        let opts = self.g.opts;
        let (Some(Evidence::Read(facts)), Ok(m), Some(verifier)) =
            (evidence, &self.matcher, opts.verifier.as_ref())
        else {
            return Vec::new();
        };
        if opts.dump_levels.is_empty() {
            return Vec::new();
        }
        let t = Instant::now();
        let bytes = fs::metadata(&self.vmcore).map_or(0, |m| m.len());
        let mut rows = vec![dump_levels::own_level(
            &opts.dump_level,
            &self.disk,
            &decision.checks,
            &facts.survey,
            &vm_run.lines,
            bytes,
        )];
        rows.extend(dump_levels::read_levels(
            &self.disk,
            &self.dir,
            &vm_run.lines,
            verifier,
            m,
            &self.id,
            opts.keep_passed_vmcores,
        ));
        phases.levels_s = Some(t.elapsed().as_secs_f64());
        rows
    }
}

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

/// The rules for `run`'s fault on this arch and kernel.
fn matcher(g: &Guests<'_>, run: &Run) -> Result<Matcher, CannotShow> {
    if let Some(option) = run.lacks {
        return Err(CannotShow::Lacking(option));
    }
    let arch = g.opts.arch;
    let matcher = match g.opts.suite {
        Suite::Panicgen => Matcher::new(run.fault, run.ctx, arch),
        Suite::Lkdtm => Matcher::with_trigger(run.fault, run.ctx, arch, lkdtm::TRIGGER_PREFIX),
    }
    .map_err(CannotShow::OnArch)?;
    Ok(match run.point {
        Some(p) => matcher.at_point(p.reach),
        None => matcher,
    })
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
}
