// SPDX-License-Identifier: GPL-2.0

//! A distribution system as a [`GuestKind`] (`run --system DISK`): Debian booted from its
//! own disk with its own kernel, initramfs and command line, panicgen installed from its
//! package, kdump-tools as the capture, the guest agent as the control channel. A system
//! is booted once per set of boot arguments until it is up with kdump loaded and the
//! module loaded, and saved ([`save`]: its memory and its disk, an overlay kept read-only after);
//! each run restores it on an overlay of its own, fires through the agent and is followed
//! by [`system_driver`] through the panic, kdump-tools' capture, the reboot and the
//! collection of what the system kept.

use std::{
    collections::HashMap,
    fs,
    path::{
        Path,
        PathBuf, //
    },
    process::Command,
    sync::Mutex,
    thread,
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
        options::{
            Options,
            SystemImage, //
        },
        qga::Agent,
        qmp::Qmp,
        system_driver::{
            self,
            Driven,
            Limits,
            Paths,
            Start, //
        },
        system_ready,
        vm::{
            self,
            Accel,
            Control,
            OnPanic,
            SystemBoot,
            VmSpec, //
        },
    },
    model::{
        facts::{
            End,
            MissingDump, //
        },
        plan::Run,
        protocol,
        results::{
            LevelResult,
            SystemSummary, //
        },
        skew,
        verdict::{
            boot,
            stop::{
                Next,
                Watch, //
            },
            KnownLoss,
        },
    },
};

mod cache;
mod save;

use save::{
    disk_format,
    overlay, //
};
pub use system_ready::SystemInfo;

/// Guest memory at the least; more when the system's crashkernel= reserves nothing below
/// its first range (Debian's arm64 kdump-tools: `2G-4G:320M,...`).
const MEMORY_MIB: u32 = 1024;

/// How long collecting what a system kept may take (its dump over the agent, mostly).
const COLLECT_WAIT: Duration = Duration::from_secs(600);

/// The guest memory (MiB) the system's `crashkernel=RANGE:SIZE,...` reserves memory in: the
/// start of its first range, or [`MEMORY_MIB`] if that is more (or there is no range).
pub fn memory_for(cmdline: &str) -> u32 {
    let spec = cmdline
        .split_whitespace()
        .find_map(|w| w.strip_prefix("crashkernel="))
        .unwrap_or("");
    let first = spec
        .split(',')
        .next()
        .and_then(|r| r.split_once(':'))
        .and_then(|(range, _)| range.split('-').next())
        .and_then(mib);
    first.map_or(MEMORY_MIB, |m| m.max(MEMORY_MIB))
}

/// `512M`, `2G` in MiB.
fn mib(size: &str) -> Option<u32> {
    let (n, unit) = size.split_at(size.find(|c: char| !c.is_ascii_digit())?);
    let n: u32 = n.parse().ok()?;
    match unit {
        "M" => Some(n),
        "G" => Some(n * 1024),
        _ => None,
    }
}

/// A saved system: its memory and the disk it was saved with.
struct Saved {
    state: PathBuf,
    disk: PathBuf,
    /// Kept between runs ([`cache`]): not removed with the run's files.
    kept: bool,
}

/// The systems of one `run`.
pub struct Systems<'a> {
    pub opts: &'a Options,
    image: &'a SystemImage,
    accel: Accel,
    /// Saved systems by the faults' boot arguments.
    saved: HashMap<&'static str, Saved>,
    /// What each attempt's driver found, by attempt name, until its capture is collected.
    driven: Mutex<HashMap<String, Driven>>,
    /// What the first saved system said of itself.
    pub info: Option<SystemInfo>,
    /// How long booting and saving the first system took.
    boot: Duration,
    /// What its kdump-tools' dump level is known to lose on its kernel.
    known_loss: Option<KnownLoss>,
}

impl<'a> Systems<'a> {
    pub fn new(opts: &'a Options, image: &'a SystemImage, accel: Accel) -> Self {
        Systems {
            opts,
            image,
            accel,
            saved: HashMap::new(),
            driven: Mutex::new(HashMap::new()),
            info: None,
            known_loss: None,
            boot: Duration::ZERO,
        }
    }

    fn dir(&self, sub: &str) -> PathBuf {
        self.opts.out.join(sub)
    }

    /// The system with `boot_args` added to its command line, on `disk`.
    fn spec(&self, boot_args: &str, disk: &Path, tag: &str) -> VmSpec {
        let opts = self.opts;
        let mut cmdline = self.image.cmdline.clone();
        for w in boot_args
            .split_whitespace()
            .chain(opts.boot_args.iter().map(String::as_str))
        {
            cmdline.push(' ');
            cmdline.push_str(w);
        }
        let (control, agent) = system_driver::sockets(tag);
        let mut spec = VmSpec::new(
            opts.arch,
            opts.kernel.clone(),
            opts.initramfs.clone(),
            self.accel,
            Vec::new(),
            memory_for(&cmdline),
            opts.timeout,
        );
        spec.on_panic = OnPanic::Continue;
        spec.console_limit = opts.console_limit;
        spec.qmp_socket = Some(crate::exec::guest::qmp_socket(tag));
        spec.system = Some(SystemBoot {
            disk: disk.to_path_buf(),
            cmdline,
            agent,
            control,
        });
        spec
    }

    /// Removes the saved systems.
    pub fn clean_up(&mut self) {
        for s in self.saved.values().filter(|s| !s.kept) {
            let _ = fs::remove_file(&s.state);
            let _ = fs::remove_file(&s.disk);
        }
        self.saved.clear();
        let _ = fs::remove_dir(self.dir("snapshots"));
        let _ = fs::remove_dir(self.dir("disks"));
    }

    fn disk(&self, attempt: &Attempt<'_>) -> PathBuf {
        self.dir("disks").join(format!("{}.qcow2", attempt.name))
    }
}

impl GuestKind for Systems<'_> {
    fn opts(&self) -> &Options {
        self.opts
    }

    fn prepare(&self, attempt: &Attempt<'_>) -> Result<(), String> {
        match self.saved.get(attempt.run.fault.boot_args) {
            Some(saved) => overlay(&saved.disk, "qcow2", &self.disk(attempt))?,
            // Every run boots its own system, from the image.
            None if !self.opts.snapshot => {
                let image = &self.image.disk;
                overlay(image, disk_format(image), &self.disk(attempt))?
            }
            None => return Err("no saved system for this run's boot arguments".into()),
        }
        let _ = fs::remove_file(&attempt.vmcore);
        fs::create_dir_all(&attempt.dir)
            .map_err(|e| format!("cannot create {}: {e}", attempt.dir.display()))
    }

    fn watch(&self, attempt: &Attempt<'_>, rules: &mut Watch<'_>) -> Watched {
        let saved = self.saved.get(attempt.run.fault.boot_args);
        let tag = format!("{}-{}", attempt.name, attempt.number);
        let mut spec = self.spec(attempt.run.fault.boot_args, &self.disk(attempt), &tag);
        spec.incoming = saved.map(|s| s.state.clone());
        let sys = spec.system.clone().expect("a system spec");
        let limits = Limits {
            start: match saved {
                Some(_) => Start::Restored,
                None => Start::Booted(self.opts.makedump_args.clone()),
            },
            capture: self.opts.system_limits.capture,
            back: self.opts.system_limits.reboot,
        };
        // The system's whole cycle takes long (a boot of its own too, when not restored):
        // the driver ends it once it has collected.
        spec.timeout = limits.capture
            + limits.back
            + COLLECT_WAIT
            + saved.map_or(system_ready::STEP, |_| Duration::ZERO);
        let (command, dir, vmcore) = (
            attempt.command.clone(),
            attempt.dir.clone(),
            attempt.vmcore.clone(),
        );
        let start = Instant::now();
        let driver = thread::spawn(move || {
            let paths = Paths {
                control: &sys.control,
                agent: &sys.agent,
                dir: &dir,
                vmcore: &vmcore,
            };
            system_driver::drive(&paths, &command, limits, start)
        });
        let dumps = attempt.dump != crate::model::plan::DumpMode::None;
        let mut fired = false;
        let mut vm = vm::run(&spec, &attempt.console, |lines, _| {
            // A system whose kernel died before the fault: nothing more will come of it (its
            // driver finds the agent gone; the run is an error, tried again).
            let last = &lines[lines.len().saturating_sub(1)..];
            fired = fired || protocol::trigger_line(last).is_some();
            if !fired && boot::died_before_fault(last).is_some() {
                return Control::StopAfter(Duration::from_secs(2));
            }
            match rules.next(lines) {
                _ if dumps => Control::Continue,
                Next::StopAfter(d) => Control::StopAfter(d),
                Next::StopWhenQuiet { quiet, max } => Control::StopWhenQuiet { quiet, max },
                Next::Continue | Next::DumpFromHost => Control::Continue,
            }
        });
        let driven = driver
            .join()
            .unwrap_or_else(|_| Driven::unfollowed("the run's driver panicked"));
        if driven.capture_timed_out {
            vm.end = End::Timeout;
        }
        let (facts, times, settings) = (driven.facts.clone(), driven.times, driven.settings);
        self.driven
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(attempt.name.clone(), driven);
        Watched {
            vm,
            verdict_line: rules.verdict_line,
            host_dump: None,
            system: Some(facts),
            system_times: Some(times),
            settings,
        }
    }

    fn capture(&self, attempt: &Attempt<'_>, _: Option<&mut Watched>) -> Captured {
        let driven = self
            .driven
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&attempt.name);
        let (saved, took) = match driven {
            None => (
                Err(MissingDump::Host("the run was not driven".into())),
                Duration::ZERO,
            ),
            Some(d) => {
                let t = &d.times;
                let took = match (t.back, t.collected) {
                    (Some(a), Some(b)) if b >= a => b - a,
                    _ => Duration::ZERO,
                };
                (d.vmcore.map(|()| None).map_err(MissingDump::Host), took)
            }
        };
        Captured {
            saved,
            took,
            phase: CapturePhase::Extract,
        }
    }

    fn other_levels(&self, _: &Attempt<'_>, _: &[String]) -> Vec<LevelResult> {
        Vec::new()
    }

    fn clean_up(&self, attempt: &Attempt<'_>) {
        let _ = fs::remove_file(self.disk(attempt));
    }

    fn known_loss(&self) -> Option<&KnownLoss> {
        self.known_loss.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_fits_the_crashkernel_ranges() {
        // Debian's kdump-tools defaults (its grub.d snippet), amd64 and arm64.
        assert_eq!(memory_for("ro crashkernel=512M-:192M oops=panic"), 1024);
        let arm64 = "crashkernel=2G-4G:320M,4G-32G:512M,32G-64G:1024M,64G-128G:2048M,128G-:4096M";
        assert_eq!(memory_for(arm64), 2048);
        assert_eq!(memory_for("crashkernel=256M"), 1024);
        assert_eq!(memory_for("root=/dev/vda"), 1024);
    }
}
