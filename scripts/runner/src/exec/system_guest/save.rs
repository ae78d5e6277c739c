// SPDX-License-Identifier: GPL-2.0

//! Saving a system: it boots once per set of boot arguments (its first boot makes
//! kdump-tools' capture initrd) until it runs with kdump ready, panicgen is loaded, the
//! runner has asked what it runs ([`SystemInfo`]), and its memory and disk overlay are saved;
//! what its kdump-tools level is known to lose follows from that. When every run boots its
//! own system (`--no-snapshot`), one system is booted and asked, not saved.

use super::*;

impl Systems<'_> {
    /// Boots and saves a system for each set of boot arguments of `runs`. Returns the
    /// console of the first one booted.
    pub fn save_all(&mut self, runs: &[Run]) -> Result<Vec<String>, String> {
        let mut boot = Vec::new();
        let _ = fs::create_dir_all(self.dir("snapshots"));
        let booted = !self.opts.snapshot;
        for run in runs {
            let args = run.fault.boot_args;
            if self.saved.contains_key(args) || (booted && self.info.is_some()) {
                continue;
            }
            let n = self.saved.len();
            let t = Instant::now();
            // A kernel that died while booting is the infrastructure's (under TCG): once more.
            let ((saved, info, lines), how) = match self.save_kept(args, n) {
                Err(Failed::Died(why)) => {
                    eprintln!("{}: {why}; booting it again", self.opts.arch.name());
                    self.save_kept(args, n)
                }
                other => other,
            }
            .map_err(Failed::into_reason)?;
            let how = if booted { "asked" } else { how };
            eprintln!(
                "{}: system {how} in {:.1} s (booted, kdump loaded, panicgen loaded)",
                self.opts.arch.name(),
                t.elapsed().as_secs_f64()
            );
            if boot.is_empty() {
                boot = lines;
                self.boot = t.elapsed();
                self.known_loss = known_loss(&info, self.opts);
                self.info = Some(info);
            }
            if let Some(saved) = saved {
                self.saved.insert(args, saved);
            }
        }
        Ok(boot)
    }

    /// The system saved for `boot_args`: from the cache of saved systems when it holds
    /// one ([`cache`]), else booted and saved (into the cache, when there is one).
    /// Also says how: saved, saved into the cache, or restored from it.
    fn save_kept(&self, boot_args: &str, n: usize) -> Result<(Booted, &'static str), Failed> {
        let Some(dir) = self
            .opts
            .system_cache
            .as_ref()
            .filter(|_| self.opts.snapshot)
        else {
            let files = (
                self.dir("snapshots").join(format!("system{n}.state")),
                self.dir("snapshots").join(format!("system{n}.qcow2")),
            );
            return Ok((self.save(boot_args, n, files)?, "saved"));
        };
        let prefix = format!(
            "{}-{}-",
            self.opts.arch.name(),
            self.image
                .disk
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
        );
        let entry = cache::entry(
            dir,
            prefix.trim_end_matches('-'),
            &self.cache_parts(boot_args),
        );
        if let Some((saved, info, boot)) = cache::load(&entry) {
            return Ok(((Some(saved), info, boot), "restored from the cache"));
        }
        let scratch = cache::scratch(&entry);
        let _ = fs::remove_dir_all(&scratch);
        fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
        let (_, info, boot) = self.save(boot_args, n, cache::files(&scratch))?;
        let saved = cache::store(&scratch, &entry, &prefix, &info, &boot)?;
        Ok(((Some(saved), info, boot), "saved into the cache"))
    }

    /// Everything a saved system is made of, for its key in the cache ([`cache`]).
    fn cache_parts(&self, boot_args: &str) -> Vec<String> {
        let spec = self.spec(boot_args, Path::new(""), "key");
        let sys = spec.system.as_ref().expect("a system spec");
        vec![
            self.opts.arch.name().to_string(),
            format!("{:?}", self.accel),
            cache::file_id(&self.image.disk),
            cache::file_id(&self.opts.kernel),
            cache::file_id(&self.opts.initramfs),
            sys.cmdline.clone(),
            spec.memory_mib.to_string(),
            format!("{:?}", self.opts.makedump_args),
            vm::qemu_version(self.opts.arch),
        ]
    }

    /// Boots the system once (its first boot makes kdump-tools' capture initrd), waits
    /// until it runs with kdump ready, loads panicgen, and saves it to `files` (memory,
    /// disk) unless every run boots its own. A boot whose kernel dies is stopped at once.
    fn save(
        &self,
        boot_args: &str,
        n: usize,
        (state, disk): (PathBuf, PathBuf),
    ) -> Result<Booted, Failed> {
        overlay(&self.image.disk, disk_format(&self.image.disk), &disk)?;
        let tag = format!("system{n}");
        let mut spec = self.spec(boot_args, &disk, &tag);
        spec.timeout = Duration::from_secs(900).max(self.opts.timeout);
        let sys = spec.system.clone().expect("a system spec");
        let console = self.dir("console").join(format!("system{n}.log"));
        let makedump_args = self.opts.makedump_args.clone();
        let to = self.opts.snapshot.then(|| state.clone());
        let prepare = thread::spawn(move || {
            ready_and_save(
                &sys.control,
                &sys.agent,
                to.as_deref(),
                makedump_args.as_deref(),
            )
        });
        let mut died = None;
        let run = vm::run(&spec, &console, |lines, _| {
            if died.is_some() {
                return Control::Continue;
            }
            died = boot::died_before_fault(&lines[lines.len().saturating_sub(1)..]);
            match died {
                // The rest of its report, then no more waiting for an agent.
                Some(_) => Control::StopAfter(Duration::from_secs(2)),
                None => Control::Continue,
            }
        });
        let prepared = prepare
            .join()
            .map_err(|_| Failed::Other("the system's preparation panicked".into()))?;
        if let Some(line) = died {
            return Err(Failed::Died(format!(
                "the system's kernel died while booting, before any fault ('{line}'; console: {})",
                console.display()
            )));
        }
        let info =
            prepared.map_err(|e| Failed::Other(format!("{e} (console: {})", console.display())))?;
        if !self.opts.snapshot {
            let _ = fs::remove_file(&disk);
            return Ok((None, info, run.lines));
        }
        Ok((
            Some(Saved {
                state,
                disk,
                kept: false,
            }),
            info,
            run.lines,
        ))
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

/// A system booted (and saved, unless every run boots its own): what it said of itself and
/// its boot's console.
type Booted = (Option<Saved>, SystemInfo, Vec<String>);

/// Why a system was not saved.
enum Failed {
    /// Its kernel died while booting (tried again once).
    Died(String),
    Other(String),
}

impl From<String> for Failed {
    fn from(why: String) -> Self {
        Failed::Other(why)
    }
}

impl Failed {
    fn into_reason(self) -> String {
        match self {
            Failed::Died(why) | Failed::Other(why) => why,
        }
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

/// In a booting system: makes it ready ([`system_ready::ready`]), then saves the whole
/// machine to `state` (when there is one: a system only asked what it runs is not saved)
/// and quits.
fn ready_and_save(
    control: &Path,
    agent: &Path,
    state: Option<&Path>,
    makedump_args: Option<&str>,
) -> Result<SystemInfo, String> {
    let mut qmp = Qmp::connect(control, Duration::from_secs(30))?;
    let mut a = Agent::connect(agent, Duration::from_secs(30))?;
    let result = system_ready::ready(&mut a, makedump_args).and_then(|info| {
        if let Some(state) = state {
            qmp.save_state(state, Duration::from_secs(300))?;
        }
        Ok(info)
    });
    let _ = qmp.execute("quit", serde_json::json!({}), Duration::from_secs(5));
    result
}

/// The format of a system's disk: qcow2 (its magic, `QFI\xfb`) or raw.
pub(super) fn disk_format(path: &Path) -> &'static str {
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
