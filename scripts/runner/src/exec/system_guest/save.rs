// SPDX-License-Identifier: GPL-2.0

//! Saving a system: it boots once per set of boot arguments (its first boot makes
//! kdump-tools' capture initrd) until it runs with kdump ready, panicgen is loaded, the
//! runner has asked what it runs ([`SystemInfo`]), and its memory and disk overlay are saved;
//! what its kdump-tools level is known to lose follows from that.

use super::*;

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

impl Systems<'_> {
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
pub(super) fn overlay(backing: &Path, format: &str, disk: &Path) -> Result<(), String> {
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
