// SPDX-License-Identifier: GPL-2.0

//! panicgen-runner: the host side of panicgen.
//!
//! `run` boots one fresh QEMU guest per fault, fires it through the guest init, judges the
//! console against the catalog's expectation for the arch and writes the results contract
//! (`results.json`, `results.ktap`) plus a table. `docs` prints the fault reference generated
//! from the catalog.

// Shared with the module, which alone uses the dispatch key (`Fault::id`).
#[allow(dead_code)]
#[path = "../../../src/catalog.rs"]
mod catalog;
mod docs;
mod dump;
mod qmp;
mod report;
mod title;
mod verdict;
mod vm;

use std::{
    collections::HashMap,
    env, fs,
    io::Write,
    path::{
        Path,
        PathBuf, //
    },
    process::ExitCode,
    sync::Mutex,
    thread,
    time::{
        Duration,
        Instant, //
    },
};

use catalog::{
    Arch,
    Context,
    Expect,
    Fault, //
};
use dump::{
    DumpMode,
    Verifier, //
};
use report::{
    FaultResult,
    Report,
    SelftestResult, //
};
use verdict::{
    End,
    Matcher,
    Verdict, //
};
use vm::{
    Accel,
    Control,
    VmSpec, //
};

const USAGE: &str = "\
usage: panicgen-runner run --arch ARCH --kernel IMAGE --initramfs CPIO --out DIR
                           [--timeout SECONDS] [--accel auto|tcg|kvm]
                           [--selftest ARGS | --no-selftest] [--contexts CTX,...]
                           [--jobs N] [--dump none|kdump|qmp]
                           [--vmlinux VMLINUX --module PANICGEN.ko]
                           [--crashkernel SIZE|none] [--dump-contexts CTX,...]
                           [--no-snapshot] [--keep-vmcores all|failed]
                           [FAULT...]
       panicgen-runner summary RESULTS.json...
       panicgen-runner docs
       panicgen-runner list";

struct Options {
    arch: Arch,
    kernel: PathBuf,
    initramfs: PathBuf,
    out: PathBuf,
    timeout: Duration,
    accel: Option<Accel>,
    selftest: Option<String>,
    faults: Vec<&'static Fault>,
    /// Contexts to run each fault in (those it allows); `None`: all it allows.
    contexts: Option<Vec<Context>>,
    /// How many guests run at once.
    jobs: usize,
    /// How fatal runs capture a dump.
    dump: DumpMode,
    /// What reads and checks the dumps (with `dump` other than `none`).
    verifier: Option<Verifier>,
    /// The guest's `crashkernel=` reservation for kdump; `None` breaks the capture on purpose.
    crashkernel: Option<String>,
    /// The contexts whose fatal runs capture a dump (`None`: all).
    dump_contexts: Option<Vec<Context>>,
    /// Start kdump runs from a saved booted guest instead of booting each.
    snapshot: bool,
    /// Keep the vmcores of passing runs too (`--keep-vmcores all`, the default).
    keep_passed_vmcores: bool,
}

/// One VM run of the matrix: a fault in a context.
#[derive(Clone, Copy)]
struct Run {
    fault: &'static Fault,
    ctx: Context,
}

impl Run {
    /// `NAME` in process context, `NAME-ctx` elsewhere.
    fn name(&self) -> String {
        match self.ctx {
            Context::Process => self.fault.name.to_string(),
            ctx => format!("{}-{}", self.fault.name, ctx.name()),
        }
    }

    /// What the guest init writes to the trigger.
    fn command(&self) -> String {
        format!("{} ctx={}", self.fault.name, self.ctx.name())
    }
}

/// The runs of the matrix: every selected fault in every selected context it allows.
fn matrix(opts: &Options) -> Vec<Run> {
    let mut runs = Vec::new();
    for &fault in &opts.faults {
        for ctx in fault.contexts.iter() {
            if opts
                .contexts
                .as_ref()
                .is_none_or(|list| list.contains(&ctx))
            {
                runs.push(Run { fault, ctx });
            }
        }
    }
    runs
}

fn context_list(v: &str) -> Result<Vec<Context>, String> {
    v.split(',')
        .map(|c| Context::from_name(c).ok_or_else(|| format!("unknown context '{c}'")))
        .collect()
}

fn parse_run_args(args: &[String]) -> Result<Options, String> {
    let mut arch = None;
    let mut kernel = None;
    let mut initramfs = None;
    let mut out = None;
    let mut timeout = Duration::from_secs(90);
    let mut accel = None;
    let mut selftest = Some("--inputs LOCK_ORDER_ABBA".to_string());
    let mut faults = Vec::new();
    let mut contexts = None;
    let mut jobs = thread::available_parallelism().map_or(1, usize::from);
    let mut dump = DumpMode::None;
    let mut vmlinux = None;
    let mut module = None;
    let mut crashkernel = Some(dump::CRASHKERNEL_SIZE.to_string());
    let mut dump_contexts = None;
    let mut snapshot = true;
    let mut keep_passed_vmcores = true;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--arch" => {
                let v = value("--arch")?;
                arch = Some(Arch::from_name(&v).ok_or_else(|| format!("unknown arch '{v}'"))?);
            }
            "--kernel" => kernel = Some(PathBuf::from(value("--kernel")?)),
            "--initramfs" => initramfs = Some(PathBuf::from(value("--initramfs")?)),
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--timeout" => {
                let v = value("--timeout")?;
                let secs: u64 = v.parse().map_err(|_| format!("bad --timeout '{v}'"))?;
                timeout = Duration::from_secs(secs);
            }
            "--accel" => {
                accel = match value("--accel")?.as_str() {
                    "auto" => None,
                    "tcg" => Some(Accel::Tcg),
                    "kvm" => Some(Accel::Kvm),
                    v => return Err(format!("unknown accel '{v}'")),
                }
            }
            "--selftest" => selftest = Some(value("--selftest")?),
            "--dump" => {
                let v = value("--dump")?;
                dump = DumpMode::from_name(&v)
                    .ok_or_else(|| format!("unknown dump mode '{v}' (none, kdump or qmp)"))?;
            }
            "--vmlinux" => vmlinux = Some(PathBuf::from(value("--vmlinux")?)),
            "--module" => module = Some(PathBuf::from(value("--module")?)),
            "--crashkernel" => {
                crashkernel = match value("--crashkernel")?.as_str() {
                    "none" => None,
                    v if v.len() > 1
                        && v.trim_end_matches(['K', 'M', 'G']).parse::<u32>().is_ok() =>
                    {
                        Some(v.to_string())
                    }
                    v => {
                        return Err(format!(
                            "bad --crashkernel '{v}' (a size like 160M, or none)"
                        ))
                    }
                }
            }
            "--no-selftest" => selftest = None,
            "--jobs" => {
                let v = value("--jobs")?;
                jobs = v
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("bad --jobs '{v}'"))?;
            }
            "--contexts" => contexts = Some(context_list(&value("--contexts")?)?),
            "--dump-contexts" => dump_contexts = Some(context_list(&value("--dump-contexts")?)?),
            "--no-snapshot" => snapshot = false,
            "--keep-vmcores" => {
                keep_passed_vmcores = match value("--keep-vmcores")?.as_str() {
                    "all" => true,
                    "failed" => false,
                    v => return Err(format!("bad --keep-vmcores '{v}' (all or failed)")),
                }
            }
            name if !name.starts_with('-') => {
                // The module's own parser: the runner accepts exactly what the trigger does.
                let cmd = catalog::parse(name.as_bytes()).map_err(|e| {
                    format!("fault '{name}': {e} (panicgen-runner list shows them)")
                })?;
                faults.push(cmd.fault);
            }
            other => return Err(format!("unknown option '{other}'")),
        }
    }
    if faults.is_empty() {
        faults = catalog::FAULTS.iter().collect();
    }
    let verifier = match (dump, vmlinux, module) {
        (DumpMode::None, _, _) => None,
        (_, Some(vmlinux), Some(module)) => Some(Verifier {
            python: env::var_os("DRGN_PYTHON")
                .map(PathBuf::from)
                .ok_or("--dump needs drgn: DRGN_PYTHON is not set (scripts/runner.sh sets it after 'make setup')")?,
            script: env::var_os("PANICGEN_ROOT")
                .map(|r| PathBuf::from(r).join("scripts/vmcore-check.py"))
                .ok_or("--dump needs PANICGEN_ROOT (scripts/runner.sh sets it)")?,
            vmlinux,
            module,
        }),
        _ => return Err("--dump needs --vmlinux and --module (the debug info drgn reads)".into()),
    };
    Ok(Options {
        arch: arch.ok_or("--arch is required")?,
        kernel: kernel.ok_or("--kernel is required")?,
        initramfs: initramfs.ok_or("--initramfs is required")?,
        out: out.ok_or("--out is required")?,
        timeout,
        accel,
        selftest,
        faults,
        contexts,
        jobs,
        dump,
        verifier,
        crashkernel,
        dump_contexts,
        snapshot,
        keep_passed_vmcores,
    })
}

fn spec(opts: &Options, accel: Accel, extra: Vec<String>) -> VmSpec {
    VmSpec {
        arch: opts.arch,
        kernel: opts.kernel.clone(),
        initramfs: opts.initramfs.clone(),
        accel,
        extra_append: extra,
        memory_mib: 512,
        cpus: 2,
        timeout: opts.timeout,
        vmcore_disk: None,
        on_panic: vm::OnPanic::ExitFailure,
        qmp_socket: None,
        incoming: None,
        input: None,
    }
}

/// The kernel command-line words of a kdump guest (plus the fault's own `boot_args`).
fn kdump_words(opts: &Options, boot_args: &str) -> Vec<String> {
    let mut words: Vec<String> = [
        "pg_kdump=1",
        // Panic as without kdump ("Kernel panic - not syncing: ..."), then capture.
        "crash_kexec_post_notifiers",
    ]
    .map(str::to_string)
    .to_vec();
    if let Some(size) = &opts.crashkernel {
        words.push(format!("crashkernel={size}"));
    }
    words.extend(boot_args.split_whitespace().map(str::to_string));
    words
}

/// A QMP socket path short enough for `sun_path`, unique to this process and `tag`.
fn qmp_socket(tag: &str) -> PathBuf {
    env::temp_dir().join(format!("panicgen-{}-{tag}.qmp", std::process::id()))
}

/// Saved guests, one per kernel command line: booted, panicgen and the capture kernel
/// loaded, waiting at "ready" for a `fire` line on the console.
type Snapshots = HashMap<&'static str, PathBuf>;

/// Boots a kdump guest with `boot_args` to "ready" and saves it to `state`. Returns the
/// template's console lines.
fn save_template(
    opts: &Options,
    accel: Accel,
    boot_args: &str,
    state: &Path,
) -> Result<Vec<String>, String> {
    let mut words = kdump_words(opts, boot_args);
    words.push("pg_wait=1".into());
    let mut spec = spec(opts, accel, words);
    let n = state
        .file_stem()
        .map_or("template".into(), |s| s.to_string_lossy().into_owned());
    let disk = opts.out.join("disks").join(format!("{n}.img"));
    dump::create_disk(&disk)?;
    spec.vmcore_disk = Some(disk.clone());
    spec.on_panic = vm::OnPanic::Continue;
    spec.qmp_socket = Some(qmp_socket(&n));
    let console = opts.out.join("console").join(format!("{n}.log"));
    let mut saved = None;
    let run = vm::run(&spec, &console, |lines, qmp| {
        let last = lines.last().map_or("", String::as_str);
        if last.contains("panicgen-init: ready") {
            saved = Some(match qmp {
                Some(q) => q.save_state(state, Duration::from_secs(120)),
                None => Err("no QMP connection".to_string()),
            });
            return Control::StopAfter(Duration::ZERO);
        }
        if last.contains("panicgen-init: insmod failed") {
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

/// Saves one template per distinct command line of the runs (with kdump only: a saved guest
/// has the capture kernel loaded).
fn save_templates(opts: &Options, accel: Accel, runs: &[Run]) -> (Snapshots, Option<String>) {
    let mut snaps = Snapshots::new();
    let mut release = None;
    if opts.dump != DumpMode::Kdump || !opts.snapshot {
        return (snaps, release);
    }
    let dir = opts.out.join("snapshots");
    let _ = fs::create_dir_all(&dir);
    for run in runs {
        let args = run.fault.boot_args;
        if snaps.contains_key(args) {
            continue;
        }
        let state = dir.join(format!("template{}.state", snaps.len()));
        let t = Instant::now();
        match save_template(opts, accel, args, &state) {
            Ok(lines) => {
                release = release.or_else(|| guest_release(&lines));
                eprintln!(
                    "{}: saved a booted kdump guest{} in {:.1} s: its runs start from it",
                    opts.arch.name(),
                    if args.is_empty() {
                        String::new()
                    } else {
                        format!(" ({args})")
                    },
                    t.elapsed().as_secs_f64()
                );
                snaps.insert(args, state);
            }
            Err(e) => eprintln!(
                "{}: could not save a booted guest, its runs boot each: {e}",
                opts.arch.name()
            ),
        }
    }
    (snaps, release)
}

/// Whether `run` captures a dump: a fault that panics the test guest, in a dumped context.
fn dumps(opts: &Options, run: &Run) -> bool {
    opts.dump != DumpMode::None
        && run.fault.kind.panics_test_guest()
        && opts
            .dump_contexts
            .as_ref()
            .is_none_or(|l| l.contains(&run.ctx))
}

/// KVM is used only when it can boot this guest; here `/dev/kvm` may exist and still fail.
fn choose_accel(opts: &Options) -> (Accel, String) {
    if let Some(a) = opts.accel {
        return (a, "requested".into());
    }
    let host_matches = matches!(
        (env::consts::ARCH, opts.arch),
        ("x86_64", Arch::X86_64) | ("aarch64", Arch::Arm64)
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
    let mut probe = spec(opts, Accel::Kvm, vec![]);
    probe.timeout = Duration::from_secs(30);
    let log = opts.out.join("console").join("kvm-probe.log");
    let run = vm::run(&probe, &log, |lines, _| {
        if lines
            .iter()
            .any(|l| l.contains("panicgen-init: module loaded"))
        {
            Control::StopAfter(Duration::ZERO)
        } else {
            Control::Continue
        }
    });
    if run
        .lines
        .iter()
        .any(|l| l.contains("panicgen-init: module loaded"))
    {
        (Accel::Kvm, "a KVM boot succeeded".into())
    } else {
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
}

/// The guest's `uname -r`, from the init's "booted" line.
fn guest_release(lines: &[String]) -> Option<String> {
    lines.iter().find_map(|l| {
        let rest = l.split_once("panicgen-init: booted ")?.1;
        rest.split_whitespace().next().map(str::to_string)
    })
}

/// A token unique to one attempt of one run, echoed by the module's trigger line.
fn run_id(arch: Arch, name: &str, attempt: u32) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut id = format!(
        "{}.{}.{}.{:x}",
        arch.name(),
        name,
        attempt,
        std::process::id() ^ nanos
    );
    id.truncate(catalog::MAX_ID_LEN);
    id
}

fn run_fault(
    opts: &Options,
    accel: Accel,
    snapshots: &Snapshots,
    run: Run,
    attempt: u32,
) -> (FaultResult, Vec<String>) {
    let fault = run.fault;
    let name = run.name();
    let console = opts.out.join("console").join(format!("{name}.log"));
    let mut result = FaultResult::new(fault.name, run.ctx.name());
    result.attempts = attempt;
    let Some(matcher) = Matcher::new(fault, run.ctx, opts.arch) else {
        if let Expect::Unsupported(why) = fault.expect(opts.arch) {
            result.reason = why.to_string();
        }
        return (result, vec![]);
    };
    let id = run_id(opts.arch, &name, attempt);
    // Only a fault that panics the test guest leaves a dump behind.
    let verifier = opts.verifier.as_ref().filter(|_| dumps(opts, &run));
    let mode = if verifier.is_some() {
        opts.dump
    } else {
        DumpMode::None
    };
    // A panic run normally ends by itself (pvpanic); a report run may leave a CPU spinning.
    let grace = if fault.kind.panics_test_guest() {
        Duration::from_millis(500)
    } else {
        Duration::from_millis(1500)
    };
    let mut extra = vec![format!("pg_fault=\"{} id={id}\"", run.command())];
    extra.extend(fault.boot_args.split_whitespace().map(str::to_string));
    let mut spec = spec(opts, accel, extra);
    let disk = opts.out.join("disks").join(format!("{name}.img"));
    let dir = opts.out.join(&name);
    let vmcore = dir.join("vmcore");
    // With kdump, every run starts from the saved guest of its command line, if there is one.
    let snapshot = snapshots
        .get(fault.boot_args)
        .filter(|_| opts.dump == DumpMode::Kdump);
    if snapshot.is_some() || mode == DumpMode::Kdump {
        // The saved guest has the vmcore disk: a run from it needs one too.
        if let Err(e) = dump::create_disk(&disk) {
            result.verdict = Verdict::Error;
            result.reason = e;
            return (result, vec![]);
        }
        spec.vmcore_disk = Some(disk.clone());
    }
    if mode == DumpMode::Kdump {
        spec.on_panic = vm::OnPanic::Continue;
    }
    if let Some(state) = snapshot {
        // Start from the saved guest and fire through its console.
        let mut words = kdump_words(opts, fault.boot_args);
        words.push("pg_wait=1".into());
        spec.extra_append = words;
        spec.incoming = Some(state.clone());
        spec.input = Some(format!("fire {} id={id}\n", run.command()));
        spec.qmp_socket = Some(qmp_socket(&format!("{name}-{attempt}")));
    } else if mode == DumpMode::Kdump {
        spec.extra_append.extend(kdump_words(opts, ""));
    } else if mode == DumpMode::Qmp {
        spec.on_panic = vm::OnPanic::Pause;
        spec.qmp_socket = Some(qmp_socket(&format!("{name}-{attempt}")));
    }
    if mode != DumpMode::None {
        let _ = fs::remove_file(&vmcore);
        if let Err(e) = fs::create_dir_all(&dir) {
            result.verdict = Verdict::Error;
            result.reason = format!("cannot create {}: {e}", dir.display());
            return (result, vec![]);
        }
    }
    let mut qmp_dump: Result<(), String> = Err("no vmcore: the guest never panicked".into());
    let vm_run = vm::run(&spec, &console, |lines, qmp| {
        match mode {
            DumpMode::Kdump => {
                // The capture kernel ends a dump run: it syncs the disk, says so and reboots.
                let last = lines.last().map_or("", String::as_str);
                return if last.contains("panicgen-init: vmcore saved") {
                    Control::StopAfter(Duration::from_millis(100))
                } else if last.contains("panicgen-init: capture failed") {
                    Control::StopAfter(Duration::from_secs(2))
                } else {
                    Control::Continue
                };
            }
            DumpMode::Qmp => {
                if matcher.judge(lines, &End::Running).verdict != Verdict::Pass {
                    return Control::Continue;
                }
                // The guest reported its panic (pvpanic) and stopped: dump it from the host.
                qmp_dump = match qmp {
                    Some(q) => dump::qmp_dump(q, &vmcore),
                    None => Err("no vmcore: no QMP connection".into()),
                };
                return Control::StopAfter(Duration::ZERO);
            }
            DumpMode::None => {}
        }
        match matcher.judge(lines, &End::Running).verdict {
            Verdict::Pass => Control::StopAfter(grace),
            _ => Control::Continue,
        }
    });
    let mut j = matcher.judge(&vm_run.lines, &vm_run.end);
    let kdump_capture = {
        let captured = if mode == DumpMode::Kdump {
            Some(dump::extract(&disk, &vmcore))
        } else {
            None
        };
        let _ = fs::remove_file(&disk);
        captured
    };
    if j.verdict == Verdict::Error && !vm_run.qemu_stderr.trim().is_empty() {
        j.reason = format!("{}; QEMU said: {}", j.reason, vm_run.qemu_stderr.trim());
    }
    if let Some(verifier) = verifier {
        let captured = match kdump_capture {
            Some(extracted) => extracted.map(|_| ()),
            None => qmp_dump,
        };
        let facts = captured.and_then(|()| {
            result.vmcore = vmcore.display().to_string();
            verifier.read(&vmcore)
        });
        let captured = facts.is_ok();
        let checks = dump::check(&facts, &matcher, fault, &id);
        if j.verdict == Verdict::Pass {
            if let Some(bad) = checks.iter().find(|c| !c.ok) {
                // Out of time after the panic: the capture kernel never booted or hung.
                // That is the infrastructure's failure (retried), not the fault's.
                let capture_hung = !captured && vm_run.end == End::Timeout;
                j.verdict = if capture_hung {
                    Verdict::Error
                } else {
                    Verdict::Fail
                };
                j.reason = if captured {
                    format!("vmcore check '{}' failed: {}", bad.name, bad.detail)
                } else if capture_hung {
                    format!(
                        "the capture did not finish before the time limit ({}): {}",
                        if vm_run
                            .lines
                            .iter()
                            .any(|l| l.contains("panicgen-init: capture kernel booted"))
                        {
                            "the capture kernel booted"
                        } else {
                            "no capture kernel came up"
                        },
                        bad.detail
                    )
                } else {
                    bad.detail.clone()
                };
            }
        }
        result.vmcore_checks = checks;
        if let Ok(meta) = fs::metadata(&vmcore) {
            let size = format!(" ({} MB)", meta.len().div_ceil(1 << 20));
            result.vmcore_checks[0].detail += &size;
            if j.verdict == Verdict::Pass && !opts.keep_passed_vmcores {
                // Checked and passed: only a failed run's dump is worth its disk space.
                let _ = fs::remove_file(&vmcore);
                let _ = fs::remove_dir(&dir);
                result.vmcore.clear();
                result.vmcore_checks[0].detail +=
                    ", deleted after the checks (--keep-vmcores failed)";
            }
        }
    }
    if j.verdict != Verdict::Pass {
        j.reason = format!("{} (console: {})", j.reason, console.display());
    }
    result.verdict = j.verdict;
    result.expected = matcher.expected();
    result.observed = j.observed;
    result.reason = j.reason;
    result.duration_s = vm_run.elapsed.as_secs_f64();
    result.console = console.display().to_string();
    result.id = id;
    if let Some(at) = vm_run
        .lines
        .iter()
        .position(|l| l.contains("panicgen: trigger "))
    {
        result.title = title::title(&vm_run.lines, at).unwrap_or_default();
    }
    let _ = fs::write(
        console.with_extension("sym.log"),
        title::symbolise(&vm_run.lines),
    );
    (result, vm_run.lines)
}

fn run_selftest(opts: &Options, accel: Accel, args: &str) -> (SelftestResult, Vec<String>) {
    let console = opts.out.join("console").join("selftest.log");
    let run = vm::run(
        &spec(opts, accel, vec![format!("pg_selftest=\"{args}\"")]),
        &console,
        |lines, _| {
            if lines
                .last()
                .is_some_and(|l| l.contains("panicgen-init: selftest exit"))
            {
                Control::StopAfter(Duration::from_millis(200))
            } else {
                Control::Continue
            }
        },
    );
    let (mut tests, plan) = report::parse_ktap(&run.lines);
    let finished = run
        .lines
        .iter()
        .any(|l| l.contains("panicgen-init: selftest exit"));
    let (mut verdict, mut reason) = report::selftest_verdict(&tests, plan, finished);
    // The module's KUnit suite ran on insmod, before the selftest: its cases count too.
    match report::parse_kunit(&run.lines, report::KUNIT_SUITE) {
        Some((cases, suite_ok)) => {
            let failed: Vec<String> = cases
                .iter()
                .filter(|c| c.verdict == Verdict::Fail)
                .map(|c| c.name.clone())
                .collect();
            tests.extend(cases);
            if verdict == Verdict::Pass && suite_ok != Some(true) {
                verdict = Verdict::Fail;
                reason = if failed.is_empty() {
                    format!("KUnit suite {} did not finish", report::KUNIT_SUITE)
                } else {
                    format!("KUnit cases failed in the guest: {}", failed.join(", "))
                };
            }
        }
        None if verdict == Verdict::Pass => {
            verdict = Verdict::Fail;
            reason = format!(
                "KUnit suite {} did not run on insmod (kernel without CONFIG_KUNIT=y?)",
                report::KUNIT_SUITE
            );
        }
        None => {}
    }
    if verdict != Verdict::Pass {
        reason = format!("{reason} (console: {})", console.display());
    }
    let result = SelftestResult {
        args: args.to_string(),
        verdict,
        reason,
        tests,
        duration_s: run.elapsed.as_secs_f64(),
        console: console.display().to_string(),
    };
    (result, run.lines)
}

fn cmd_run(opts: Options) -> Result<bool, String> {
    fs::create_dir_all(opts.out.join("console"))
        .map_err(|e| format!("cannot create {}: {e}", opts.out.display()))?;
    for p in [&opts.kernel, &opts.initramfs] {
        if !p.is_file() {
            return Err(format!(
                "{} does not exist: build it first (make run does)",
                p.display()
            ));
        }
    }
    let arch = opts.arch.name();
    let started = Instant::now();
    let (accel, why) = choose_accel(&opts);
    let runs = matrix(&opts);
    let total = runs.len() + usize::from(opts.selftest.is_some());
    eprintln!(
        "{arch}: {} runs of {} fault(s){}, one fresh VM each, {} at a time, accel {} ({why}), \
         dumps: {}",
        runs.len(),
        opts.faults.len(),
        if opts.selftest.is_some() {
            " + the in-guest selftest"
        } else {
            ""
        },
        opts.jobs,
        accel.name(),
        opts.dump.name()
    );
    let (snapshots, release) = save_templates(&opts, accel, &runs);
    let kernel = Mutex::new(release);
    // done, pass, fail, error, skip
    let counts = Mutex::new([0usize; 5]);
    let progress = |what: &str, verdict: Verdict, secs: f64, reason: &str, lines: &[String]| {
        let mut kernel = kernel.lock().unwrap_or_else(|e| e.into_inner());
        if kernel.is_none() {
            *kernel = guest_release(lines);
        }
        let mut c = counts.lock().unwrap_or_else(|e| e.into_inner());
        c[0] += 1;
        c[match verdict {
            Verdict::Pass => 1,
            Verdict::Fail => 2,
            Verdict::Error => 3,
            Verdict::Skip => 4,
        }] += 1;
        let elapsed = started.elapsed().as_secs();
        eprintln!(
            "[{}/{total} pass {} fail {} error {} skip {} | {}:{:02}] {arch} {what:<28} {:<5} {secs:.1} s",
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            elapsed / 60,
            elapsed % 60,
            verdict.name()
        );
        if verdict != Verdict::Pass && !reason.is_empty() {
            eprintln!("    {reason}");
        }
    };
    let selftest = opts.selftest.as_deref().map(|args| {
        let (r, lines) = run_selftest(&opts, accel, args);
        progress("selftest", r.verdict, r.duration_s, &r.reason, &lines);
        r
    });
    // Up to `jobs` guests at a time; results keep the matrix order.
    let next = Mutex::new(0usize);
    let slots: Vec<Mutex<Option<FaultResult>>> = runs.iter().map(|_| Mutex::new(None)).collect();
    thread::scope(|scope| {
        for _ in 0..opts.jobs.clamp(1, runs.len().max(1)) {
            scope.spawn(|| loop {
                let i = {
                    let mut next = next.lock().unwrap_or_else(|e| e.into_inner());
                    let i = *next;
                    *next += 1;
                    i
                };
                let Some(run) = runs.get(i) else { break };
                let (mut r, mut lines) = run_fault(&opts, accel, &snapshots, *run, 1);
                if r.verdict == Verdict::Error {
                    // Infrastructure trouble (QEMU, boot, time limit) gets one more try.
                    eprintln!("    {} error, retrying once: {}", run.name(), r.reason);
                    (r, lines) = run_fault(&opts, accel, &snapshots, *run, 2);
                }
                progress(&run.name(), r.verdict, r.duration_s, &r.reason, &lines);
                *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
            });
        }
    });
    for state in snapshots.values() {
        let _ = fs::remove_file(state);
    }
    // Only if empty: what is left there belongs to runs that could not clean up.
    let _ = fs::remove_dir(opts.out.join("snapshots"));
    let _ = fs::remove_dir(opts.out.join("disks"));
    let results: Vec<FaultResult> = slots
        .into_iter()
        .filter_map(|s| s.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect();
    let kernel = kernel.into_inner().unwrap_or_else(|e| e.into_inner());
    let report = Report {
        arch: arch.to_string(),
        kernel: kernel.unwrap_or_default(),
        accel: accel.name().to_string(),
        selftest,
        results,
    };
    write_file(
        &opts.out.join("results.json"),
        &(serde_json::to_string_pretty(&report.to_json()).expect("JSON serialises") + "\n"),
    )?;
    write_file(&opts.out.join("results.ktap"), &report.to_ktap())?;
    write_file(&opts.out.join("results.xml"), &report.to_junit())?;
    let mut stdout = std::io::stdout();
    let _ = write!(stdout, "\n{}", report.table());
    let _ = writeln!(
        stdout,
        "{arch}: {:.0} s in all; results in {}/results.json, results.ktap and results.xml",
        started.elapsed().as_secs_f64(),
        opts.out.display()
    );
    if !report.all_passed() {
        let _ = writeln!(
            stdout,
            "{arch}: NOT all passed. Each failing row names its console log; 'fail' means the \
             kernel did not print the expected message, 'error' means the guest never fired it."
        );
    }
    Ok(report.all_passed())
}

/// `summary`: counts the verdicts of fault runs and selftest cases in results files and prints
/// `<passed> <failed> <skipped>` (errors count as failed). Succeeds when nothing failed.
fn cmd_summary(files: &[String]) -> Result<bool, String> {
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for file in files {
        let text = fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
        let doc: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{file} is not JSON: {e}"))?;
        let faults = doc["results"].as_array().cloned().unwrap_or_default();
        let cases = doc["selftest"]["tests"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if faults.is_empty() {
            return Err(format!("{file} holds no fault results"));
        }
        for v in faults.iter().chain(cases.iter()) {
            match v["verdict"].as_str() {
                Some("pass") => passed += 1,
                Some("skip") => skipped += 1,
                _ => failed += 1,
            }
        }
    }
    println!("{passed} {failed} {skipped}");
    Ok(failed == 0)
}

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => parse_run_args(&args[1..]).and_then(cmd_run),
        Some("docs") => {
            print!("{}", docs::faults_rst());
            Ok(true)
        }
        Some("summary") => cmd_summary(&args[1..]),
        Some("list") => {
            for f in catalog::FAULTS {
                let ctxs: Vec<&str> = f.contexts.iter().map(Context::name).collect();
                println!("{} {}", f.name, ctxs.join(","));
            }
            Ok(true)
        }
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("panicgen-runner: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// Parses `--arch ARCH --kernel k --initramfs i --out o` followed by `rest`.
    fn parse(arch: &str, rest: &str) -> Result<Options, String> {
        let line = format!("--arch {arch} --kernel k --initramfs i --out o {rest}");
        parse_run_args(&strings(&line.split_whitespace().collect::<Vec<_>>()))
    }

    #[test]
    fn run_args() {
        let o = parse("arm64", "BUG").unwrap();
        assert_eq!(o.arch, Arch::Arm64);
        assert_eq!(o.faults.len(), 1);
        assert_eq!(o.selftest.as_deref(), Some("--inputs LOCK_ORDER_ABBA"));
        let o = parse("x86_64", "--no-selftest").unwrap();
        assert_eq!(o.faults.len(), catalog::FAULTS.len());
        assert!(o.selftest.is_none());
        assert!(parse("mips", "").is_err());
        assert!(parse("x86_64", "NOPE").is_err());
        assert!(parse("x86_64", "--timeout soon").is_err());
        assert!(parse_run_args(&strings(&["--arch", "x86_64"])).is_err());
    }

    #[test]
    fn kdump_command_line() {
        let o = parse("x86_64", "--dump none").unwrap();
        let w = kdump_words(&o, "watchdog_thresh=1");
        assert!(w.contains(&"crash_kexec_post_notifiers".to_string()));
        assert!(w.contains(&"crashkernel=160M".to_string()));
        assert_eq!(w.last().map(String::as_str), Some("watchdog_thresh=1"));
        let o = parse("x86_64", "--crashkernel none").unwrap();
        assert!(!kdump_words(&o, "")
            .iter()
            .any(|w| w.starts_with("crashkernel=")));
        assert!(parse("x86_64", "--crashkernel lots").is_err());
        assert!(
            parse("x86_64", "--dump kdump").is_err(),
            "kdump needs --vmlinux/--module"
        );
        assert!(parse("x86_64", "--dump tape").is_err());
    }

    #[test]
    fn which_runs_dump() {
        let mut o = parse("arm64", "--dump none --dump-contexts process").unwrap();
        let bug = catalog::find("BUG").unwrap();
        let warn = catalog::find("WARN").unwrap();
        let run = |fault, ctx| Run { fault, ctx };
        assert!(!dumps(&o, &run(bug, Context::Process)));
        o.dump = DumpMode::Kdump;
        assert!(dumps(&o, &run(bug, Context::Process)));
        assert!(!dumps(&o, &run(bug, Context::Hardirq)));
        assert!(
            !dumps(&o, &run(warn, Context::Process)),
            "WARN does not panic the guest"
        );
        o.dump_contexts = None;
        assert!(dumps(&o, &run(bug, Context::Hardirq)));
    }

    #[test]
    fn release_from_init_line() {
        let lines = strings(&["[ 1.0] x", "panicgen-init: booted 7.3.4 x86_64"]);
        assert_eq!(guest_release(&lines).as_deref(), Some("7.3.4"));
        assert_eq!(guest_release(&[]), None);
    }
}
