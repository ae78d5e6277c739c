// SPDX-License-Identifier: GPL-2.0

//! panicgen's own guests as a [`GuestKind`]: QEMU with panicgen's initramfs, started from a
//! saved booted guest where there is one; a kdump run's capture kernel writes its dumps to a
//! raw vmcore disk, which is read here; a QMP run's dump is written by QEMU from the stopped
//! guest.

use std::{
    fs,
    path::PathBuf,
    time::{
        Duration,
        Instant, //
    },
};

use crate::{
    exec::{
        attempt::{
            Attempt,
            CapturePhase,
            Captured,
            GuestKind,
            Watched, //
        },
        capture, dump_levels,
        guest::Guests,
        options::Options,
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
            MissingDump, //
        },
        panic_settings::PanicSettings,
        plan::DumpMode,
        results::LevelResult,
        verdict::stop::{
            Next,
            Watch, //
        },
        verdict::KnownLoss,
    },
};

impl Guests<'_> {
    /// The vmcore disk of `attempt` (every guest of a kdump run has one: the saved guest was
    /// saved with it).
    fn disk(&self, attempt: &Attempt<'_>) -> PathBuf {
        self.opts
            .out
            .join("disks")
            .join(format!("{}.img", attempt.name))
    }
}

impl GuestKind for Guests<'_> {
    fn opts(&self) -> &Options {
        self.opts
    }

    fn known_loss(&self) -> Option<&KnownLoss> {
        self.known_loss.as_ref()
    }

    fn prepare(&self, attempt: &Attempt<'_>) -> Result<(), String> {
        if self.opts.dump == DumpMode::Kdump {
            vmcore_disk::create(&self.disk(attempt))?;
        }
        if attempt.dump != DumpMode::None {
            let _ = fs::remove_file(&attempt.vmcore);
            fs::create_dir_all(&attempt.dir)
                .map_err(|e| format!("cannot create {}: {e}", attempt.dir.display()))?;
        }
        Ok(())
    }

    fn watch(&self, attempt: &Attempt<'_>, rules: &mut Watch<'_>) -> Watched {
        let tag = format!("{}-{}", attempt.name, attempt.number);
        let disk = self.disk(attempt);
        let disk = (self.opts.dump == DumpMode::Kdump).then_some(disk.as_path());
        let spec = match self.restored(&attempt.run, &attempt.command, disk, &tag) {
            Some(Ok(spec)) => spec,
            None => self.booting(&attempt.run, &attempt.command, disk, &tag),
            Some(Err(why)) => {
                return Watched {
                    vm: VmRun::ended(End::SavedGuestChanged(why)),
                    verdict_line: None,
                    host_dump: None,
                    system: None,
                    system_times: None,
                    settings: None,
                }
            }
        };
        let mut host_dump = None;
        let mut vm = vm::run(&spec, &attempt.console, |lines, qmp| {
            match rules.next(lines) {
                Next::Continue => Control::Continue,
                Next::StopAfter(d) => Control::StopAfter(d),
                Next::StopWhenQuiet { quiet, max } => Control::StopWhenQuiet { quiet, max },
                // The guest reported its panic (pvpanic) and stopped: dump it from the host.
                Next::DumpFromHost => {
                    let t = Instant::now();
                    let done = match qmp {
                        Some(q) => capture::qmp_dump(q, &attempt.vmcore),
                        None => Err(MissingDump::Qmp("no QMP connection".into())),
                    };
                    host_dump = Some((done, t.elapsed()));
                    Control::StopAfter(Duration::ZERO)
                }
            }
        });
        // A restore that failed because the saved guest changed under it says so.
        if spec.incoming.is_some() && matches!(vm.end, End::NotStarted(_)) {
            if let Some(why) = self.saved_guest_changed(&attempt.run) {
                vm.end = End::SavedGuestChanged(why);
            }
        }
        // The init says them before it fires.
        let settings = PanicSettings::from_console(&vm.lines);
        Watched {
            vm,
            verdict_line: rules.verdict_line,
            host_dump,
            system: None,
            system_times: None,
            settings,
        }
    }

    fn capture(&self, attempt: &Attempt<'_>, watched: Option<&mut Watched>) -> Captured {
        if attempt.dump == DumpMode::Kdump {
            let t = Instant::now();
            let saved = vmcore_disk::extract(&self.disk(attempt), &attempt.vmcore);
            return Captured {
                saved: saved.map(|(_, format)| Some(format)),
                took: t.elapsed(),
                phase: CapturePhase::Extract,
            };
        }
        let never = (
            Err(MissingDump::Qmp("the guest never panicked".into())),
            Duration::ZERO,
        );
        let (done, took) = watched.and_then(|w| w.host_dump.take()).unwrap_or(never);
        Captured {
            saved: done.map(|()| None),
            took,
            phase: CapturePhase::HostDump,
        }
    }

    fn other_levels(&self, attempt: &Attempt<'_>, console: &[String]) -> Vec<LevelResult> {
        let (Ok(matcher), Some(verifier)) = (&attempt.matcher, self.opts.verifier.as_ref()) else {
            return Vec::new();
        };
        dump_levels::read_levels(
            &self.disk(attempt),
            &attempt.dir,
            console,
            verifier,
            matcher,
            &attempt.id,
            self.opts.keep_passed_vmcores,
        )
    }

    fn clean_up(&self, attempt: &Attempt<'_>) {
        let _ = fs::remove_file(self.disk(attempt));
    }
}
