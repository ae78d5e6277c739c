// SPDX-License-Identifier: GPL-2.0

//! One fault run, phase by phase: its [`Attempt`] (id, command, paths), the guest watched
//! until the stop rules ([`crate::model::verdict::stop`]) say it has shown all it will, the
//! dump taken and read, then [`verdict::decide`] and the result. An infrastructure error is
//! tried again ([`verdict::retry`]).
//!
//! The guest itself is a [`GuestKind`]'s: how it boots, is watched and gives up its dump.
//! Everything after that (drgn, the decision, the result) is the same for every kind, so a
//! new kind of guest is one more implementation of the trait.

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
        cancel, dmesg, host_space,
        options::{
            Options,
            Suite, //
        },
        system_driver::Times,
        vm::VmRun,
    },
    model::{
        crash::CrashFacts,
        facts::{
            signal_name,
            End,
            Evidence,
            MissingDump, //
        },
        lkdtm,
        panic_settings::PanicSettings,
        plan::{
            DumpMode,
            Run, //
        },
        protocol, pstore,
        results::{
            FaultResult,
            LevelResult,
            Phases, //
        },
        verdict::{
            self,
            dump_levels::{
                dump_tool,
                own_level_name,
                row, //
            },
            stop::Watch,
            system::SystemFacts,
            CannotShow,
            Decision,
            Facts,
            KnownLoss,
            Matcher, //
        },
    },
};

mod report;

/// Whether `run` captures a dump: a fault that panics the test guest, in a dumped context.
fn dumps(opts: &Options, run: &Run) -> bool {
    // drgn reads a dump; a pstore run's record is read off its console.
    (opts.verifier.is_some() || opts.dump == DumpMode::Pstore)
        && run.fault.kind.panics_test_guest()
        && opts
            .dump_contexts
            .as_ref()
            .is_none_or(|l| l.contains(&run.ctx))
}

/// Runs `run` until it is decided (an `error` is tried again, see [`verdict::retry`]).
pub fn run_fault(g: &dyn GuestKind, run: Run) -> FaultResult {
    let mut number = 1;
    loop {
        let attempt = Attempt::new(g, run, number);
        if let Some(signal) = cancel::requested() {
            return attempt.not_run(signal);
        }
        let (result, decision) = attempt.run();
        if !verdict::retry(&decision, number) || cancel::requested().is_some() {
            return result;
        }
        eprintln!("    {} error, trying again: {}", run.name(), result.reason);
        number += 1;
    }
}

/// One attempt of one run: what it fires and where its files go.
pub struct Attempt<'a> {
    g: &'a dyn GuestKind,
    pub run: Run,
    pub number: u32,
    /// The run's name (`NAME`, `NAME-ctx`, `NAME@POINT`).
    pub name: String,
    /// The run's correlation id (`id=` of the trigger; empty for LKDTM).
    pub id: String,
    /// The line written to the trigger.
    pub command: String,
    /// The rules for the fault on this arch and kernel; why it is not fired otherwise.
    pub matcher: Result<Matcher, CannotShow>,
    /// How this attempt's dump is taken ([`DumpMode::None`]: it takes none).
    pub dump: DumpMode,
    pub console: PathBuf,
    /// The run's directory: its vmcore, and the other dump levels'.
    pub dir: PathBuf,
    pub vmcore: PathBuf,
}

/// A kind of guest a fault run fires in.
pub trait GuestKind: Sync {
    /// The run's options.
    fn opts(&self) -> &Options;
    /// Readies what the attempt's guest needs before it starts.
    fn prepare(&self, attempt: &Attempt<'_>) -> Result<(), String>;
    /// Starts the guest with the attempt's command and feeds its console to `rules` until
    /// they end it.
    fn watch(&self, attempt: &Attempt<'_>, rules: &mut Watch<'_>) -> Watched;
    /// Puts the dump of a dumped run at [`Attempt::vmcore`]; says how it was saved.
    fn capture(&self, attempt: &Attempt<'_>, watched: Option<&mut Watched>) -> Captured;
    /// The dump-level table's rows of the levels the capture saved after the run's own.
    fn other_levels(&self, attempt: &Attempt<'_>, console: &[String]) -> Vec<LevelResult>;
    /// Removes what the attempt's guest left that nobody reads.
    fn clean_up(&self, attempt: &Attempt<'_>);
    /// What the guest's own capture is known to lose at its dump level (a system's).
    fn known_loss(&self) -> Option<&KnownLoss> {
        None
    }
}

/// What watching the guest gave.
pub struct Watched {
    pub vm: VmRun,
    /// The console line that completed the verdict, if one did.
    pub verdict_line: Option<usize>,
    /// A dump taken from the host while the guest was stopped, and how long it took.
    pub host_dump: Option<(Result<(), MissingDump>, Duration)>,
    /// What a distribution system kept of the crash (the system guest kind).
    pub system: Option<SystemFacts>,
    /// When the system's stages ended (the system guest kind).
    pub system_times: Option<Times>,
    /// What the system said, before the fault fired, decides how an oops ends there.
    pub settings: Option<PanicSettings>,
}

/// How a run's dump was saved.
pub struct Captured {
    /// `Ok(format)`: the dump is at the attempt's vmcore; its format as the capture wrote it
    /// ([`crate::model::protocol::disk`]'s names), when the guest kind knows it.
    pub saved: Result<Option<&'static str>, MissingDump>,
    /// How long taking it took, and the phase it counts as.
    pub took: Duration,
    pub phase: CapturePhase,
}

/// Where a capture's time goes in [`Phases`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapturePhase {
    /// Copied off the guest's disk.
    Extract,
    /// Written by the host from the stopped guest's memory.
    HostDump,
}

impl<'a> Attempt<'a> {
    fn new(g: &'a dyn GuestKind, run: Run, number: u32) -> Self {
        let opts = g.opts();
        let name = run.name();
        let matcher = matcher(opts, &run);
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
        let dump = if matcher.is_ok() && dumps(opts, &run) {
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
            dir,
            name,
            id,
            command,
            matcher,
            dump,
        }
    }

    /// The result of a run the runner was cancelled before it started.
    fn not_run(&self, signal: i32) -> FaultResult {
        let decision = Decision {
            cause: Some(verdict::Cause::Cancelled),
            observed: String::new(),
            reason: format!(
                "not run: the runner was cancelled ({}) before it started",
                signal_name(signal)
            ),
            checks: Vec::new(),
        };
        report::result(self, &decision, None, Phases::default(), Vec::new())
    }

    /// Runs the attempt: the guest, the dump, the decision and the result.
    fn run(mut self) -> (FaultResult, Decision) {
        let started = Instant::now();
        let mut watched = match &self.matcher {
            Err(_) => None,
            Ok(_) => Some(match self.g.prepare(&self) {
                Ok(()) => self.watch(),
                Err(e) => Watched {
                    vm: VmRun::not_started(e),
                    verdict_line: None,
                    host_dump: None,
                    system: None,
                    system_times: None,
                    settings: None,
                },
            }),
        };
        if let (Ok(m), Some(w)) = (&mut self.matcher, &mut watched) {
            m.read_function(&w.vm.lines);
            m.set_settings(w.settings);
            // The stop rules judged without the settings (read as the run went): where they
            // make the verdict complete earlier (no panic line), its line is known now.
            if w.verdict_line.is_none() && m.kexecs_first() {
                w.verdict_line = m.judge(&w.vm.lines, &End::Stopped).completed_at;
            }
        }
        let mut phases = watched.as_ref().map(report::phases).unwrap_or_default();
        let (evidence, saved) = self.collect_dump(watched.as_mut(), &mut phases);
        let dmesg = timed(&mut phases.dmesg_s, || self.dmesg(evidence.as_ref()));
        let crash = timed(&mut phases.crash_s, || self.crash(evidence.as_ref()));
        let none = VmRun::not_started(String::new());
        let vm_run = watched.as_ref().map_or(&none, |w| &w.vm);
        let record = (self.dump == DumpMode::Pstore).then(|| pstore::record(&vm_run.lines));
        let decision = verdict::decide(&Facts {
            matcher: self.matcher.as_ref().map_err(|n| *n),
            console: &vm_run.lines,
            end: &vm_run.end,
            qemu_stderr: &vm_run.qemu_stderr,
            dump: evidence.as_ref(),
            id: &self.id,
            system: watched.as_ref().and_then(|w| w.system.as_ref()),
            known_loss: self.g.known_loss(),
            pstore: record.as_ref(),
            dmesg: dmesg.as_ref(),
            crash: crash.as_ref(),
        });
        // A cancel can reach the dump's readers too (drgn, crash: the runner's process
        // group, a terminal's Ctrl-C) or the QEMU (a job's kill of the runner's tree): what
        // it cut short is not judged.
        let decision = match cancel::requested() {
            Some(signal) => verdict::cancelled(decision, signal),
            None => decision,
        };
        let levels = self.dump_levels(evidence.as_ref(), saved, &decision, vm_run, &mut phases);
        self.g.clean_up(&self);
        let ran = watched.is_some().then(|| started.elapsed());
        let result = report::result(&self, &decision, ran, phases, levels);
        let result = report::with_console(result, &self.console, watched.map(|w| w.vm));
        let format = saved.map(protocol::disk::describe);
        let asked = evidence.is_some() || record.is_some();
        let result = report::with_dump(result, &self, &decision, asked, format);
        (result, decision)
    }

    /// Watches the guest until the stop rules end it.
    fn watch(&self) -> Watched {
        let matcher = self.matcher.as_ref().expect("watched runs have a matcher");
        let mut rules = Watch {
            matcher,
            dump: self.dump,
            verdict_line: None,
        };
        self.g.watch(self, &mut rules)
    }

    /// The dump, taken by the guest kind, read by drgn; and how it was saved.
    fn collect_dump(
        &self,
        watched: Option<&mut Watched>,
        phases: &mut Phases,
    ) -> (Option<Evidence>, Option<&'static str>) {
        // A pstore run's record is on its console.
        if matches!(self.dump, DumpMode::None | DumpMode::Pstore) {
            return (None, None);
        }
        // A guest stopped for the runner's sake is not judged: no dump is read of it.
        if watched
            .as_ref()
            .is_some_and(|w| matches!(w.vm.end, End::Cancelled(_) | End::Flooded(_)))
        {
            return (None, None);
        }
        let captured = self.g.capture(self, watched);
        let took = Some(captured.took.as_secs_f64());
        match captured.phase {
            CapturePhase::Extract => phases.extract_s = took,
            CapturePhase::HostDump => phases.host_dump_s = took,
        }
        let saved = match captured.saved {
            Err(why) => {
                let why = host_space::blame(why, &self.g.opts().out);
                return (Some(Evidence::Missing(why)), None);
            }
            Ok(saved) => saved,
        };
        let t = Instant::now();
        let verifier = self.g.opts().verifier.as_ref();
        let read = verifier.expect("dumps need a verifier").read(&self.vmcore);
        phases.drgn_s = Some(t.elapsed().as_secs_f64());
        (
            Some(read.map_or_else(Evidence::Unreadable, Evidence::Read)),
            saved,
        )
    }

    /// The vmcore's log by the capture's own makedumpfile (`--dump-dmesg`), for a dump that
    /// was written, when the run knows the capture's tree.
    fn dmesg(&self, evidence: Option<&Evidence>) -> Option<Result<Vec<String>, String>> {
        let root = self.g.opts().dump_tools.as_ref()?;
        if !matches!(evidence?, Evidence::Read(_) | Evidence::Unreadable(_)) {
            return None;
        }
        let out = self.dir.join("dmesg.txt");
        Some(dmesg::read(root, self.g.opts().arch, &self.vmcore, &out))
    }

    /// What crash reads of a dump drgn could open, when the run has a crash.
    fn crash(&self, evidence: Option<&Evidence>) -> Option<CrashFacts> {
        let opts = self.g.opts();
        let crash = opts.crash.as_ref().filter(|c| c.reads(&self.name))?;
        let Some(Evidence::Read(_)) = evidence else {
            return None;
        };
        // A crash its known skews stop at start-up on this kernel is not run: its checks
        // are that loss.
        let lost = self.g.known_loss().map_or(0, |l| {
            verdict::crash::CHECKS
                .iter()
                .filter(|c| l.checks.contains(c))
                .count()
        });
        if lost == verdict::crash::CHECKS.len() {
            return Some(CrashFacts {
                error: "not run: a known skew stops crash on this kernel".into(),
                ..CrashFacts::default()
            });
        }
        let vmlinux = &opts.verifier.as_ref()?.vmlinux;
        Some(crash.read(vmlinux, &self.vmcore, &self.dir))
    }

    /// The dump-level table's rows (`--dump-levels`): the run's dump (`saved` in that
    /// format), then the other levels of the same capture.
    fn dump_levels(
        &self,
        evidence: Option<&Evidence>,
        saved: Option<&str>,
        decision: &Decision,
        vm_run: &VmRun,
        phases: &mut Phases,
    ) -> Vec<LevelResult> {
        let opts = self.g.opts();
        let Some(Evidence::Read(facts)) = evidence else {
            return Vec::new();
        };
        if opts.dump_levels.is_empty() {
            return Vec::new();
        }
        let t = Instant::now();
        let bytes = fs::metadata(&self.vmcore).map_or(0, |m| m.len());
        let level = own_level_name(&opts.dump_level, saved);
        let tool = dump_tool(&vm_run.lines);
        let mut rows = vec![row(
            &level,
            &tool,
            bytes,
            &decision.checks,
            Some(&facts.survey),
        )];
        rows.extend(self.g.other_levels(self, &vm_run.lines));
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
fn matcher(opts: &Options, run: &Run) -> Result<Matcher, CannotShow> {
    if let Some(option) = run.lacks {
        return Err(CannotShow::Lacking(option));
    }
    let arch = opts.arch;
    let matcher = match opts.suite {
        Suite::Panicgen => Matcher::new(run.fault, run.ctx, arch),
        Suite::Lkdtm => Matcher::with_trigger(run.fault, run.ctx, arch, lkdtm::TRIGGER_PREFIX),
    }
    .map_err(CannotShow::OnArch)?;
    Ok(match run.point {
        Some(p) => matcher.at_point(p.reach),
        None => matcher,
    })
}

/// `read()`'s result; its seconds in `phase` when it read something.
fn timed<T>(phase: &mut Option<f64>, read: impl FnOnce() -> Option<T>) -> Option<T> {
    let t = Instant::now();
    let r = read();
    if r.is_some() {
        *phase = Some(t.elapsed().as_secs_f64());
    }
    r
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
