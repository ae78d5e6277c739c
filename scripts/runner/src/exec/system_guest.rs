// SPDX-License-Identifier: GPL-2.0

//! A distribution system as a [`GuestKind`] (`run --system DISK`): Debian booted from its
//! own disk with its own kernel, initramfs and command line, panicgen installed from its
//! package, kdump-tools as the capture, the guest agent as the control channel. A system
//! is booted once per set of boot arguments until it is up with kdump loaded and the
//! module loaded, and saved (its memory and its disk, an overlay kept read-only after);
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
            Paths, //
        },
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
        facts::MissingDump,
        plan::Run,
        results::{
            LevelResult,
            SystemSummary, //
        },
        skew,
        verdict::{
            stop::{
                Next,
                Watch, //
            },
            KnownLoss,
        },
    },
};

/// Guest memory at the least; more when the system's crashkernel= reserves nothing below
/// its first range (Debian's arm64 kdump-tools: `2G-4G:320M,...`).
const MEMORY_MIB: u32 = 1024;

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

/// What the runner asked the saved system about its kernel and its capture.
#[derive(Clone, Debug, Default)]
pub struct SystemInfo {
    /// `uname -r`.
    pub release: String,
    /// `makedumpfile -v`'s first line.
    pub makedumpfile: String,
    /// kdump-tools' MAKEDUMP_ARGS (its default when unset).
    pub makedump_args: String,
}

impl SystemInfo {
    /// The makedumpfile dump level in MAKEDUMP_ARGS (`-d N`; makedumpfile's default 0).
    pub fn level(&self) -> String {
        let words: Vec<&str> = self.makedump_args.split_whitespace().collect();
        words
            .windows(2)
            .find(|w| w[0] == "-d")
            .map_or("0".into(), |w| w[1].to_string())
    }
}

/// A saved system: its memory and the disk it was saved with.
struct Saved {
    state: PathBuf,
    disk: PathBuf,
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
        spec.qmp_socket = Some(crate::exec::guest::qmp_socket(tag));
        spec.system = Some(SystemBoot {
            disk: disk.to_path_buf(),
            cmdline,
            agent,
            control,
        });
        spec
    }

    /// Boots and saves a system for each set of boot arguments of `runs`. Returns the
    /// console of the first one booted.
    pub fn save_all(&mut self, runs: &[Run]) -> Result<Vec<String>, String> {
        let mut boot = Vec::new();
        let _ = fs::create_dir_all(self.dir("snapshots"));
        for run in runs {
            let args = run.fault.boot_args;
            if self.saved.contains_key(args) {
                continue;
            }
            let n = self.saved.len();
            let t = Instant::now();
            let (saved, info, lines) = self.save(args, n)?;
            eprintln!(
                "{}: system saved in {:.1} s (booted, kdump loaded, panicgen loaded)",
                self.opts.arch.name(),
                t.elapsed().as_secs_f64()
            );
            if boot.is_empty() {
                boot = lines;
                self.boot = t.elapsed();
                self.known_loss = known_loss(&info, self.opts);
                self.info = Some(info);
            }
            self.saved.insert(args, saved);
        }
        Ok(boot)
    }

    /// Boots the system once (its first boot makes kdump-tools' capture initrd), waits
    /// until it runs with kdump ready, loads panicgen, and saves it.
    fn save(&self, boot_args: &str, n: usize) -> Result<(Saved, SystemInfo, Vec<String>), String> {
        let disk = self.dir("snapshots").join(format!("system{n}.qcow2"));
        overlay(&self.image.disk, disk_format(&self.image.disk), &disk)?;
        let state = self.dir("snapshots").join(format!("system{n}.state"));
        let tag = format!("system{n}");
        let mut spec = self.spec(boot_args, &disk, &tag);
        spec.timeout = Duration::from_secs(900).max(self.opts.timeout);
        let sys = spec.system.clone().expect("a system spec");
        let console = self.dir("console").join(format!("system{n}.log"));
        let makedump_args = self.opts.makedump_args.clone();
        let prepare = thread::spawn(move || {
            ready_and_save(&sys.control, &sys.agent, &state, makedump_args.as_deref())
        });
        let run = vm::run(&spec, &console, |_, _| Control::Continue);
        let (state, info) = prepare
            .join()
            .map_err(|_| "the system's preparation panicked".to_string())?
            .map_err(|e| format!("{e} (console: {})", console.display()))?;
        Ok((Saved { state, disk }, info, run.lines))
    }

    /// The system for the results: its disk, capture tool and setting, the boot's cost.
    pub fn summary(&self, image: Option<&SystemImage>) -> Option<SystemSummary> {
        let info = self.info.as_ref()?;
        Some(SystemSummary {
            image: image
                .map(|i| i.disk.display().to_string())
                .unwrap_or_default(),
            makedumpfile: info.makedumpfile.clone(),
            makedump_args: info.makedump_args.clone(),
            boot_s: self.boot.as_secs_f64(),
        })
    }

    /// Removes the saved systems.
    pub fn clean_up(&mut self) {
        for s in self.saved.values() {
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

/// What the system's kdump-tools level loses on its kernel, by the skew catalog.
fn known_loss(info: &SystemInfo, opts: &Options) -> Option<KnownLoss> {
    let (level, config) = (info.level(), opts.kconfig.as_ref());
    let checks = skew::lost_checks(&info.makedumpfile, &info.release, &level, config);
    let safer = skew::safer_level(&info.makedumpfile, &info.release, &level, config)?;
    let note = skew::makedump_args_advice(
        &info.makedump_args,
        &level,
        &info.makedumpfile,
        &info.release,
        config,
    )?;
    Some(KnownLoss {
        checks,
        // No level helps: makedumpfile fails, and kdump-tools' pipe hides it.
        whole: safer.is_err(),
        note,
    })
}

/// In a booting system: waits for the agent, a running system, kdump loaded; sets
/// kdump-tools' MAKEDUMP_ARGS if asked; loads panicgen; asks what the system runs; saves
/// the whole machine to `state` and quits.
fn ready_and_save(
    control: &Path,
    agent: &Path,
    state: &Path,
    makedump_args: Option<&str>,
) -> Result<(PathBuf, SystemInfo), String> {
    let mut qmp = Qmp::connect(control, Duration::from_secs(30))?;
    let mut a = Agent::connect(agent, Duration::from_secs(30))?;
    let long = Duration::from_secs(600);
    let result = (|| {
        a.wait_ready(long)?;
        if let Some(args) = makedump_args {
            let set = format!(
                "sed -i '/^#*MAKEDUMP_ARGS=/c MAKEDUMP_ARGS=\"{args}\"' /etc/default/kdump-tools"
            );
            a.run(&["/bin/sh", "-c", &set], long)?;
        }
        let up = a.run(&["systemctl", "is-system-running", "--wait"], long)?;
        let kdump = a.run(&["kdump-config", "status"], long)?;
        if !kdump.stdout.contains("ready to kdump") {
            return Err(format!(
                "kdump-tools is not ready after the boot (system {}): {}",
                up.stdout.trim(),
                kdump.stdout.trim()
            ));
        }
        let modprobe = a.run(&["modprobe", "panicgen"], long)?;
        if modprobe.status != Some(0) {
            return Err(format!(
                "modprobe panicgen failed in the system: {}",
                modprobe.stderr.trim()
            ));
        }
        let info = SystemInfo {
            release: a.run(&["uname", "-r"], long)?.stdout.trim().to_string(),
            makedumpfile: a
                .run(&["/bin/sh", "-c", "makedumpfile -v 2>&1 | head -n 1"], long)?
                .stdout
                .trim()
                .to_string(),
            // kdump-config's own default when the file sets none.
            makedump_args: a
                .run(
                    &[
                        "/bin/sh",
                        "-c",
                        ". /etc/default/kdump-tools; echo \"${MAKEDUMP_ARGS:--c -d 31}\"",
                    ],
                    long,
                )?
                .stdout
                .trim()
                .to_string(),
        };
        qmp.save_state(state, Duration::from_secs(300))?;
        Ok(info)
    })();
    let _ = qmp.execute("quit", serde_json::json!({}), Duration::from_secs(5));
    result.map(|info| (state.to_path_buf(), info))
}

/// The format of a system's disk: qcow2 (its magic, `QFI\xfb`) or raw.
fn disk_format(path: &Path) -> &'static str {
    let mut magic = [0u8; 4];
    let qcow2 = fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok()
        && magic == *b"QFI\xfb";
    if qcow2 {
        "qcow2"
    } else {
        "raw"
    }
}

/// A qcow2 overlay `disk` over `backing` (of format `format`).
fn overlay(backing: &Path, format: &str, disk: &Path) -> Result<(), String> {
    if let Some(dir) = disk.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let _ = fs::remove_file(disk);
    let out = Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2", "-F", format, "-b"])
        .arg(backing)
        .arg(disk)
        .output()
        .map_err(|e| format!("qemu-img: {e} (run 'make setup')"))?;
    if !out.status.success() {
        return Err(format!(
            "qemu-img create {}: {}",
            disk.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(())
}

impl GuestKind for Systems<'_> {
    fn opts(&self) -> &Options {
        self.opts
    }

    fn prepare(&self, attempt: &Attempt<'_>) -> Result<(), String> {
        let saved = self
            .saved
            .get(attempt.run.fault.boot_args)
            .ok_or("no saved system for this run's boot arguments")?;
        overlay(&saved.disk, "qcow2", &self.disk(attempt))?;
        let _ = fs::remove_file(&attempt.vmcore);
        fs::create_dir_all(&attempt.dir)
            .map_err(|e| format!("cannot create {}: {e}", attempt.dir.display()))
    }

    fn watch(&self, attempt: &Attempt<'_>, rules: &mut Watch<'_>) -> Watched {
        let saved = &self.saved[attempt.run.fault.boot_args];
        let tag = format!("{}-{}", attempt.name, attempt.number);
        let mut spec = self.spec(attempt.run.fault.boot_args, &self.disk(attempt), &tag);
        spec.incoming = Some(saved.state.clone());
        let sys = spec.system.clone().expect("a system spec");
        let limits = Limits {
            capture: self.opts.timeout,
            back: self.opts.timeout,
        };
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
        // The system's whole cycle takes long: the driver ends it once it has collected.
        spec.timeout = self.opts.timeout * 3;
        let dumps = attempt.dump != crate::model::plan::DumpMode::None;
        let vm = vm::run(&spec, &attempt.console, |lines, _| {
            match rules.next(lines) {
                _ if dumps => Control::Continue,
                Next::StopAfter(d) => Control::StopAfter(d),
                Next::StopWhenQuiet { quiet, max } => Control::StopWhenQuiet { quiet, max },
                Next::Continue | Next::DumpFromHost => Control::Continue,
            }
        });
        let driven = driver.join().unwrap_or_else(|_| Driven {
            facts: Default::default(),
            times: Default::default(),
            vmcore: Err("the run's driver panicked".into()),
        });
        let (facts, times) = (driven.facts.clone(), driven.times);
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
