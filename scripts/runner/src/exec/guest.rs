// SPDX-License-Identifier: GPL-2.0

//! The guests of a run: their QEMU specs and kernel command lines, the saved booted guests
//! every run starts from (one per command line), and the choice of accelerator.

use std::{
    collections::HashMap,
    env, fs,
    path::{
        Path,
        PathBuf, //
    },
    time::{
        Duration,
        Instant, //
    },
};

use crate::{
    exec::{
        cancel,
        options::{
            Options,
            Suite, //
        },
        saved_guest::Saved,
        vm::{
            self,
            Accel,
            Control,
            OnPanic,
            VmSpec, //
        },
        vmcore_disk,
    },
    model::{
        plan::{
            DumpMode,
            Run, //
        },
        protocol::{
            self,
            key,
            Event, //
        },
        pstore, skew,
        verdict::KnownLoss,
    },
};

/// Guest memory; the kdump reservation comes out of it.
const MEMORY_MIB: u32 = 512;

/// A QMP socket path short enough for `sun_path`, unique to this process and `tag`.
pub fn qmp_socket(tag: &str) -> PathBuf {
    env::temp_dir().join(format!("panicgen-{}-{tag}.qmp", std::process::id()))
}

/// How the guests of one `run` are set up.
pub struct Guests<'a> {
    pub opts: &'a Options,
    pub accel: Accel,
    /// Saved booted guests by the fault's boot arguments.
    templates: HashMap<&'static str, Saved>,
    /// What the capture's tools are known to lose on this kernel.
    pub known_loss: Option<KnownLoss>,
}

impl<'a> Guests<'a> {
    pub fn new(opts: &'a Options, accel: Accel) -> Self {
        Guests {
            opts,
            accel,
            templates: HashMap::new(),
            known_loss: None,
        }
    }

    /// A guest with the command-line words `words` (after the common ones).
    pub fn spec(&self, words: Vec<String>) -> VmSpec {
        let opts = self.opts;
        let mut spec = VmSpec::new(
            opts.arch,
            opts.kernel.clone(),
            opts.initramfs.clone(),
            self.accel,
            words,
            MEMORY_MIB,
            opts.timeout,
        );
        spec.console_limit = opts.console_limit;
        spec
    }

    /// The command-line words of a run's guest, before what it is told to do: the dump
    /// set-up of the mode, LKDTM, the fault's own boot arguments, then `--boot-arg`'s.
    pub fn words(&self, boot_args: &str) -> Vec<String> {
        let opts = self.opts;
        let mut words = Vec::new();
        if opts.dump == DumpMode::Kdump {
            words.push(format!("{}=1", key::KDUMP));
            // Panic as without kdump ("Kernel panic - not syncing: ..."), then capture; or,
            // as stock kdump systems do, capture from die() before an oops' panic line.
            if opts.post_notifiers {
                words.push("crash_kexec_post_notifiers".into());
            }
            if let Some(size) = &opts.crashkernel {
                words.push(format!("crashkernel={size}"));
            }
            // The run's level, then the dump-level table's.
            let mut levels = vec![opts.dump_level.clone()];
            levels.extend(opts.dump_levels.iter().cloned());
            words.push(format!("{}={}", key::DUMP_LEVEL, levels.join(",")));
            // What the capture reports of VMCOREINFO, and the aliases of renamed entries.
            words.push(format!(
                "{}={}",
                key::VMCOREINFO,
                skew::vmcoreinfo_keys().join(",")
            ));
            words.push(format!(
                "{}={}",
                key::VMCOREINFO_ALIAS,
                skew::aliases().join(",")
            ));
        }
        if opts.dump == DumpMode::Pstore {
            words.push(format!("{}=1", key::PSTORE));
            words.extend(pstore::region_words(opts.arch));
        }
        if opts.suite == Suite::Lkdtm {
            words.push(format!("{}=1", key::LKDTM));
        }
        words.extend(boot_args.split_whitespace().map(str::to_string));
        words.extend(opts.boot_args.iter().cloned());
        words
    }

    /// The devices and panic action of the dump mode (the same for a saved guest and the
    /// runs restored from it: a restored guest needs the devices it was saved with).
    fn fit_for_dumps(&self, spec: &mut VmSpec, disk: Option<&Path>) {
        match self.opts.dump {
            DumpMode::Kdump => {
                spec.vmcore_disk = disk.map(Path::to_path_buf);
                spec.on_panic = OnPanic::Continue;
            }
            DumpMode::Qmp => {
                spec.vmcoreinfo = true;
                spec.on_panic = OnPanic::Pause;
            }
            // The panic resets the machine (panic=-1); its next boot prints the record.
            DumpMode::Pstore => {
                spec.resets = true;
                spec.on_panic = OnPanic::Continue;
            }
            // (Not panicgen's guests': a system's, see system_guest.)
            DumpMode::None | DumpMode::KdumpTools => {}
        }
    }

    /// A guest that boots and fires `command` by itself.
    pub fn booting(&self, run: &Run, command: &str, disk: Option<&Path>, tag: &str) -> VmSpec {
        let mut words = self.words(run.fault.boot_args);
        words.push(format!("{}=\"{command}\"", key::FAULT));
        let mut spec = self.spec(words);
        self.fit_for_dumps(&mut spec, disk);
        if self.opts.dump == DumpMode::Qmp {
            spec.qmp_socket = Some(qmp_socket(tag));
        }
        spec
    }

    /// A guest restored from the saved guest of `run`'s command line, told to fire
    /// `command` over its console; `None` when there is no saved guest for it (or no longer
    /// one to use); an error when the saved guest changed since it was saved.
    pub fn restored(
        &self,
        run: &Run,
        command: &str,
        disk: Option<&Path>,
        tag: &str,
    ) -> Option<Result<VmSpec, String>> {
        let saved = self
            .templates
            .get(run.fault.boot_args)
            .filter(|s| s.usable())?;
        let state = match saved.check() {
            Ok(state) => state,
            Err(why) => return Some(Err(why)),
        };
        let mut words = self.words(run.fault.boot_args);
        words.push(format!("{}=1", key::WAIT));
        let mut spec = self.spec(words);
        self.fit_for_dumps(&mut spec, disk);
        spec.incoming = Some(state.to_path_buf());
        spec.input = Some(format!("{} {command}\n", protocol::FIRE));
        spec.qmp_socket = Some(qmp_socket(tag));
        Some(Ok(spec))
    }

    /// Why the saved guest of `run`'s command line is not what was saved, if it is not (it
    /// is not used again then).
    pub fn saved_guest_changed(&self, run: &Run) -> Option<String> {
        self.templates.get(run.fault.boot_args)?.check().err()
    }

    /// Boots a guest for `boot_args` to `ready` and saves it to `state`. Returns the
    /// template's console lines.
    fn save_template(&self, boot_args: &str, state: &Path) -> Result<Vec<String>, String> {
        let opts = self.opts;
        let mut words = self.words(boot_args);
        words.push(format!("{}=1", key::WAIT));
        let mut spec = self.spec(words);
        let n = state
            .file_stem()
            .map_or("template".into(), |s| s.to_string_lossy().into_owned());
        let disk = opts.out.join("disks").join(format!("{n}.img"));
        if opts.dump == DumpMode::Kdump {
            vmcore_disk::create(&disk)?;
        }
        self.fit_for_dumps(&mut spec, Some(&disk));
        spec.on_panic = OnPanic::Continue;
        spec.qmp_socket = Some(qmp_socket(&n));
        let console = opts.out.join("console").join(format!("{n}.log"));
        let mut saved = None;
        let run = vm::run(&spec, &console, |lines, qmp| {
            if protocol::last_is(lines, Event::Ready) {
                saved = Some(match qmp {
                    Some(q) => q.save_state(state, Duration::from_secs(120)),
                    None => Err("no QMP connection".to_string()),
                });
                return Control::StopAfter(Duration::ZERO);
            }
            if protocol::last_is(lines, Event::InsmodFailed) {
                return Control::StopAfter(Duration::ZERO);
            }
            Control::Continue
        });
        let _ = fs::remove_file(&disk);
        match saved {
            Some(Ok(())) => Ok(run.lines),
            Some(Err(e)) => Err(format!("{e} (console: {})", console.display())),
            None => Err(format!(
                "the guest never got ready to be saved ({:?}; console: {})",
                run.end,
                console.display()
            )),
        }
    }

    /// Saves one guest per distinct command line of `runs`. Returns the console of the first
    /// one saved (its boot: release, dump tools).
    pub fn save_templates(&mut self, runs: &[Run]) -> Option<Vec<String>> {
        let opts = self.opts;
        let mut boot = None;
        if !opts.snapshot {
            return boot;
        }
        let dir = opts.out.join("snapshots");
        let _ = fs::create_dir_all(&dir);
        for run in runs {
            let args = run.fault.boot_args;
            if cancel::requested().is_some() {
                break;
            }
            if self.templates.contains_key(args) {
                continue;
            }
            let state = dir.join(format!("template{}.state", self.templates.len()));
            let t = Instant::now();
            // A guest can die while booting for the emulator's sake (Debian's amd64 kernel
            // under TCG: "Oops: int3" while patching static keys): one more boot.
            let saved = self.save_template(args, &state).or_else(|e| {
                if cancel::requested().is_some() {
                    return Err(e);
                }
                eprintln!(
                    "{}: the guest to save did not get ready, booting it again: {e}",
                    opts.arch.name()
                );
                self.save_template(args, &state)
            });
            match saved.and_then(|lines| Ok((lines, Saved::record(&state)?))) {
                Ok((lines, saved)) => {
                    boot.get_or_insert(lines);
                    eprintln!(
                        "{}: saved a booted guest{} in {:.1} s: its runs start from it",
                        opts.arch.name(),
                        if args.is_empty() {
                            String::new()
                        } else {
                            format!(" ({args})")
                        },
                        t.elapsed().as_secs_f64()
                    );
                    self.templates.insert(args, saved);
                }
                Err(e) => eprintln!(
                    "{}: could not save a booted guest, its runs boot each: {e}",
                    opts.arch.name()
                ),
            }
        }
        boot
    }

    /// Deletes the saved guests and the scratch directories, if empty.
    pub fn clean_up(&mut self) {
        for saved in self.templates.values() {
            let _ = fs::remove_file(&saved.path);
        }
        self.templates.clear();
        // Only if empty: what is left there belongs to runs that could not clean up.
        let _ = fs::remove_dir(self.opts.out.join("snapshots"));
        let _ = fs::remove_dir(self.opts.out.join("disks"));
    }
}

/// KVM if asked for, or (`auto`) if a trial boot under it gets as far as loading the module;
/// else TCG. Returns the choice and why.
pub fn choose_accel(opts: &Options) -> (Accel, String) {
    if let Some(a) = opts.accel {
        return (a, "as asked".into());
    }
    let host_matches = matches!(
        (env::consts::ARCH, opts.arch),
        ("x86_64", crate::catalog::Arch::X86_64) | ("aarch64", crate::catalog::Arch::Arm64)
    );
    if !host_matches {
        return (Accel::Tcg, "guest arch differs from the host".into());
    }
    if fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_err()
    {
        return (Accel::Tcg, "no usable /dev/kvm".into());
    }
    let guests = Guests::new(opts, Accel::Kvm);
    let mut probe = guests.spec(vec![]);
    // Under KVM the module is loaded within a second or two; a host whose KVM cannot run
    // this guest (it prints nothing at all) must not cost more than this.
    probe.timeout = Duration::from_secs(8);
    let log = opts.out.join("console").join("kvm-probe.log");
    let run = vm::run(&probe, &log, |lines, _| {
        if protocol::last_is(lines, Event::ModuleLoaded) {
            Control::StopAfter(Duration::ZERO)
        } else {
            Control::Continue
        }
    });
    if protocol::find(&run.lines, Event::ModuleLoaded).is_some() {
        return (Accel::Kvm, "a KVM boot succeeded".into());
    }
    let said = run
        .qemu_stderr
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    let why = if said.is_empty() {
        format!("see {}", log.display())
    } else {
        said
    };
    (Accel::Tcg, format!("a KVM boot failed: {why}"))
}
