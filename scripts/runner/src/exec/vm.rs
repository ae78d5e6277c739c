// SPDX-License-Identifier: GPL-2.0

//! One QEMU guest: command line, console capture, time limit, clean-up.

use std::{
    fs,
    io::{
        BufRead,
        BufReader,
        Write, //
    },
    path::{
        Path,
        PathBuf, //
    },
    process::{
        Child,
        Command,
        Stdio, //
    },
    sync::mpsc,
    thread,
    time::{
        Duration,
        Instant, //
    },
};

use crate::{
    catalog::Arch,
    exec::qmp::Qmp,
    model::facts::End, //
};

/// QEMU acceleration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accel {
    Tcg,
    Kvm,
}

impl Accel {
    pub fn name(self) -> &'static str {
        match self {
            Accel::Tcg => "tcg",
            Accel::Kvm => "kvm",
        }
    }
}

/// Everything needed to boot one guest.
#[derive(Clone, Debug)]
pub struct VmSpec {
    pub arch: Arch,
    pub kernel: PathBuf,
    pub initramfs: PathBuf,
    pub accel: Accel,
    /// Words appended to the kernel command line (e.g. `pg_fault=BUG`).
    pub extra_append: Vec<String>,
    pub memory_mib: u32,
    pub cpus: u32,
    pub timeout: Duration,
    /// A raw disk the kdump capture kernel writes the vmcore to.
    pub vmcore_disk: Option<PathBuf>,
    /// What QEMU does when the guest panics (pvpanic).
    pub on_panic: OnPanic,
    /// QEMU's `vmcoreinfo` device, through which the guest hands over its VMCOREINFO note
    /// (a host-side dump needs it).
    pub vmcoreinfo: bool,
    /// A QMP socket to create (for saving the guest, or dumping its memory).
    pub qmp_socket: Option<PathBuf>,
    /// Start from this saved guest state instead of booting.
    pub incoming: Option<PathBuf>,
    /// Text sent to the guest's serial console once QEMU runs.
    pub input: Option<String>,
    /// A distribution system booted from its own disk instead of panicgen's initramfs.
    pub system: Option<SystemBoot>,
}

/// How a distribution system boots (the system guest kind): its root disk, its own kernel
/// command line, the guest agent's channel, and a second QMP socket for the run's driver.
/// Its reboots are QEMU resets, as on a real machine (no `-no-reboot`).
#[derive(Clone, Debug)]
pub struct SystemBoot {
    /// The root disk (a qcow2 overlay).
    pub disk: PathBuf,
    /// The system's kernel command line, whole.
    pub cmdline: String,
    /// The host side of `org.qemu.guest_agent.0`.
    pub agent: PathBuf,
    /// A QMP socket of the run's driver (the first one is the console loop's).
    pub control: PathBuf,
}

impl VmSpec {
    /// A fresh guest with 2 CPUs and nothing optional: no vmcore disk, no QMP socket, no
    /// saved state, no console input, QEMU exiting on the guest's panic.
    pub fn new(
        arch: Arch,
        kernel: PathBuf,
        initramfs: PathBuf,
        accel: Accel,
        extra_append: Vec<String>,
        memory_mib: u32,
        timeout: Duration,
    ) -> Self {
        VmSpec {
            arch,
            kernel,
            initramfs,
            accel,
            extra_append,
            memory_mib,
            cpus: 2,
            timeout,
            vmcore_disk: None,
            on_panic: OnPanic::ExitFailure,
            vmcoreinfo: false,
            qmp_socket: None,
            incoming: None,
            input: None,
            system: None,
        }
    }
}

/// QEMU's `-action panic=` for a guest panic reported through pvpanic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnPanic {
    /// QEMU exits with status 1: the run is over.
    ExitFailure,
    /// The guest goes on (kdump: the capture kernel takes over and ends the run).
    Continue,
    /// The guest stops, for a host-side memory dump over QMP.
    Pause,
}

impl OnPanic {
    fn action(self) -> &'static str {
        match self {
            OnPanic::ExitFailure => "panic=exit-failure",
            OnPanic::Continue => "panic=none",
            OnPanic::Pause => "panic=pause",
        }
    }
}

/// What the runner decides after each console line.
#[derive(Clone, Copy, Debug)]
pub enum Control {
    Continue,
    /// Everything needed was seen: stop the guest after this grace period.
    StopAfter(Duration),
    /// Everything needed was seen: stop the guest once its console has been quiet for
    /// `quiet` (the rest of the report is printed), at the latest after `max`.
    StopWhenQuiet {
        quiet: Duration,
        max: Duration,
    },
}

/// The result of one guest run.
pub struct VmRun {
    pub lines: Vec<String>,
    /// When each line arrived, from QEMU's start (host clock).
    pub line_at: Vec<Duration>,
    pub end: End,
    pub elapsed: Duration,
    /// QEMU's own stderr (errors about devices, accelerators, ...).
    pub qemu_stderr: String,
    /// When a restored guest was running again, from QEMU's start.
    pub resumed_at: Option<Duration>,
    /// When the console input was sent, from QEMU's start.
    pub input_at: Option<Duration>,
}

impl VmRun {
    /// A run whose guest never started, and why.
    pub fn not_started(why: String) -> Self {
        Self::failed(why, Instant::now())
    }

    fn failed(why: String, start: Instant) -> Self {
        VmRun {
            lines: vec![],
            line_at: vec![],
            end: End::NotStarted(why),
            elapsed: start.elapsed(),
            qemu_stderr: String::new(),
            resumed_at: None,
            input_at: None,
        }
    }
}

/// The kernel command line for a panicgen guest.
pub fn kernel_append(arch: Arch, extra: &[String]) -> String {
    let console = match arch {
        Arch::X86_64 => "ttyS0",
        Arch::Arm64 => "ttyAMA0",
    };
    let mut words = vec![
        format!("console={console}"),
        // panic_on_oops: an oops in the faulting task panics the machine.
        "oops=panic".to_string(),
        // Reboot at once after a panic; with -no-reboot QEMU then exits.
        "panic=-1".to_string(),
        "printk.devkmsg=on".to_string(),
        // Boot time under TCG (initcall_debug): the 256 legacy BSD ptys cost 0.33-0.39 s
        // and no test uses them.
        "pty.legacy_count=0".to_string(),
    ];
    if arch == Arch::X86_64 {
        // The PS/2 mouse probe costs 0.43 s and no test has a keyboard or mouse.
        words.extend(["i8042.nokbd".to_string(), "i8042.noaux".to_string()]);
    }
    words.extend(extra.iter().cloned());
    words.join(" ")
}

/// The QEMU program and arguments for `spec`.
pub fn qemu_command(spec: &VmSpec) -> (String, Vec<String>) {
    let (program, machine, pvpanic) = match spec.arch {
        // -M pc, not q35: q35's firmware costs ~30 s under TCG.
        Arch::X86_64 => ("qemu-system-x86_64", "pc", "pvpanic"),
        Arch::Arm64 => ("qemu-system-aarch64", "virt", "pvpanic-pci"),
    };
    let mut args: Vec<String> = vec!["-M".into(), machine.into()];
    match (spec.accel, spec.arch) {
        (Accel::Kvm, _) => {
            args.extend(["-accel".into(), "kvm".into(), "-cpu".into(), "host".into()])
        }
        // Pointer authentication with QEMU's own cheap algorithm: the architected one
        // (the default of -cpu max) costs a kernel that uses it, as Debian's does, 5 s of
        // boot under TCG.
        (Accel::Tcg, Arch::Arm64) => args.extend([
            "-accel".into(),
            "tcg".into(),
            "-cpu".into(),
            "max,pauth-impdef=on".into(),
        ]),
        (Accel::Tcg, Arch::X86_64) => args.extend(["-accel".into(), "tcg".into()]),
    }
    let s = |v: &str| v.to_string();
    args.extend([
        s("-m"),
        spec.memory_mib.to_string(),
        s("-smp"),
        spec.cpus.to_string(),
        s("-nodefaults"),
        s("-display"),
        s("none"),
        s("-serial"),
        s("stdio"),
        s("-monitor"),
        s("none"),
        s("-nic"),
        s("none"),
        s("-device"),
        s(pvpanic),
        s("-action"),
        s(spec.on_panic.action()),
        s("-kernel"),
        spec.kernel.display().to_string(),
        s("-initrd"),
        spec.initramfs.display().to_string(),
        s("-append"),
        spec.system.as_ref().map_or_else(
            || kernel_append(spec.arch, &spec.extra_append),
            |sys| sys.cmdline.clone(),
        ),
    ]);
    match &spec.system {
        None => args.push(s("-no-reboot")),
        Some(sys) => args.extend(system_devices(sys)),
    }
    if spec.vmcoreinfo {
        // The guest's fw_cfg driver writes its VMCOREINFO here; drgn needs it in the dump.
        args.extend([s("-device"), s("vmcoreinfo")]);
    }
    if let Some(sock) = &spec.qmp_socket {
        args.extend([
            s("-qmp"),
            format!("unix:{},server=on,wait=off", sock.display()),
        ]);
    }
    if let Some(state) = &spec.incoming {
        args.extend([s("-incoming"), format!("exec:cat '{}'", state.display())]);
    }
    if let Some(disk) = &spec.vmcore_disk {
        args.extend([
            s("-drive"),
            format!("file={},format=raw,if=none,id=vmcore", disk.display()),
            s("-device"),
            s("virtio-blk-pci,drive=vmcore"),
        ]);
    }
    (program.to_string(), args)
}

/// A system's root disk, its guest agent's port and its driver's QMP socket.
fn system_devices(sys: &SystemBoot) -> Vec<String> {
    [
        "-drive".to_string(),
        format!("file={},format=qcow2,if=none,id=root", sys.disk.display()),
        "-device".into(),
        "virtio-blk-pci,drive=root".into(),
        "-chardev".into(),
        format!(
            "socket,path={},server=on,wait=off,id=qga",
            sys.agent.display()
        ),
        "-device".into(),
        "virtio-serial-pci".into(),
        "-device".into(),
        "virtserialport,chardev=qga,name=org.qemu.guest_agent.0".into(),
        "-qmp".into(),
        format!("unix:{},server=on,wait=off", sys.control.display()),
    ]
    .to_vec()
}

/// Kills and reaps QEMU when dropped, so no guest outlives the runner's interest in it.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

enum Event {
    Line(String),
    Eof,
}

/// Boots `spec`, copies the console to `console_log` and feeds each line to `watch`.
pub fn run(
    spec: &VmSpec,
    console_log: &Path,
    watch: impl FnMut(&[String], Option<&mut Qmp>) -> Control,
) -> VmRun {
    let start = Instant::now();
    if let Some(dir) = console_log.parent() {
        let _ = fs::create_dir_all(dir);
    }
    let log = match fs::File::create(console_log) {
        Ok(f) => f,
        Err(e) => {
            return VmRun::failed(
                format!("cannot write {}: {e}", console_log.display()),
                start,
            )
        }
    };
    let mut child = match spawn(spec) {
        Ok(c) => c,
        Err(e) => return VmRun::failed(e, start),
    };
    let mut qmp = match &spec.qmp_socket {
        None => None,
        Some(sock) => match Qmp::connect(sock, Duration::from_secs(10)) {
            Ok(q) => Some(q),
            Err(e) => return VmRun::failed(e, start),
        },
    };
    // Held open for the whole run: the guest's console input ends when it closes.
    let mut stdin = child.0.stdin.take();
    let mut resumed_at = None;
    if let (Some(_), Some(q)) = (&spec.incoming, qmp.as_mut()) {
        // A restored guest gets its input only once the saved state is loaded: what the
        // UART took in before would be overwritten by the saved UART.
        if let Err(e) = q.wait_running(spec.timeout) {
            return VmRun::failed(format!("the saved guest did not resume: {e}"), start);
        }
        resumed_at = Some(start.elapsed());
    }
    let mut input_at = None;
    if let (Some(input), Some(pipe)) = (&spec.input, stdin.as_mut()) {
        let _ = pipe.write_all(input.as_bytes());
        let _ = pipe.flush();
        input_at = Some(start.elapsed());
    }
    let (rx, stderr) = drain(&mut child);
    let mut console = Console {
        start,
        deadline: start + spec.timeout,
        log: Some(log),
        lines: Vec::new(),
        line_at: Vec::new(),
    };
    let end = console.read(&rx, &mut child, qmp.as_mut(), watch);
    drop(stdin);
    drop(qmp);
    drop(child);
    if let Some(sock) = &spec.qmp_socket {
        let _ = fs::remove_file(sock);
    }
    VmRun {
        lines: console.lines,
        line_at: console.line_at,
        end,
        elapsed: start.elapsed(),
        qemu_stderr: stderr.join().unwrap_or_default(),
        resumed_at,
        input_at,
    }
}

/// Starts QEMU for `spec`, to die with the runner.
fn spawn(spec: &VmSpec) -> Result<Reaper, String> {
    let (program, args) = qemu_command(spec);
    let mut command = Command::new(&program);
    // SAFETY: prctl(PR_SET_PDEATHSIG) is async-signal-safe and touches no memory of the
    // parent: if the runner dies (killed by a CI time limit, say), QEMU is killed with it.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut command, || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    if let Some(sock) = &spec.qmp_socket {
        let _ = fs::remove_file(sock);
    }
    command
        .args(&args)
        .stdin(if spec.input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map(Reaper)
        .map_err(|e| format!("{program}: {e} (run 'make setup')"))
}

/// Drains both of QEMU's pipes all the time (an undrained console stalls the guest and its
/// exit): the console's lines come on the channel, stderr's text from the thread.
fn drain(child: &mut Reaper) -> (mpsc::Receiver<Event>, thread::JoinHandle<String>) {
    let (tx, rx) = mpsc::channel();
    let stdout = child.0.stdout.take().expect("stdout is piped");
    thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf)
                        .trim_end_matches(['\n', '\r'])
                        .to_string();
                    if tx.send(Event::Line(line)).is_err() {
                        return;
                    }
                }
            }
        }
        let _ = tx.send(Event::Eof);
    });
    let stderr = child.0.stderr.take().expect("stderr is piped");
    let stderr = thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut text);
        text
    });
    (rx, stderr)
}

/// A guest's console as it is read: the lines so far, when each came, and the log file.
struct Console {
    start: Instant,
    deadline: Instant,
    /// The console log (`None` once a write to it failed).
    log: Option<fs::File>,
    lines: Vec<String>,
    line_at: Vec<Duration>,
}

impl Console {
    /// Reads lines until QEMU exits, the time limit, or the stop `watch` asked for.
    fn read(
        &mut self,
        rx: &mpsc::Receiver<Event>,
        child: &mut Reaper,
        mut qmp: Option<&mut Qmp>,
        mut watch: impl FnMut(&[String], Option<&mut Qmp>) -> Control,
    ) -> End {
        let mut stop_at: Option<Instant> = None;
        // With StopWhenQuiet: how long a quiet console ends the run, and the latest stop.
        let mut quiet: Option<(Duration, Instant)> = None;
        loop {
            let now = Instant::now();
            let limit = stop_at.map_or(self.deadline, |s| s.min(self.deadline));
            if now >= limit {
                return match stop_at {
                    Some(s) if s <= self.deadline => End::Stopped,
                    _ => End::Timeout,
                };
            }
            match rx.recv_timeout(limit - now) {
                Ok(Event::Line(line)) => self.push(line),
                Ok(Event::Eof) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return End::Exited(child.0.wait().ok().and_then(|s| s.code()));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
            }
            let now = Instant::now();
            if let Some((q, latest)) = quiet {
                stop_at = Some((now + q).min(latest));
            } else if stop_at.is_none() {
                match watch(&self.lines, qmp.as_deref_mut()) {
                    Control::Continue => {}
                    Control::StopAfter(grace) => stop_at = Some(now + grace),
                    Control::StopWhenQuiet { quiet: q, max } => {
                        quiet = Some((q, now + max));
                        stop_at = Some(now + q.min(max));
                    }
                }
            }
        }
    }

    fn push(&mut self, line: String) {
        if let Some(f) = self.log.as_mut() {
            if writeln!(f, "{line}").is_err() {
                self.log = None;
            }
        }
        self.lines.push(line);
        self.line_at.push(self.start.elapsed());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(arch: Arch, accel: Accel) -> VmSpec {
        let words = vec!["pg_fault=BUG".into()];
        VmSpec::new(
            arch,
            "/k".into(),
            "/i".into(),
            accel,
            words,
            512,
            Duration::from_secs(5),
        )
    }

    fn has_pair(args: &[String], a: &str, b: &str) -> bool {
        args.windows(2).any(|w| w[0] == a && w[1] == b)
    }

    #[test]
    fn x86_64_uses_pc_and_isa_pvpanic() {
        let (prog, args) = qemu_command(&spec(Arch::X86_64, Accel::Tcg));
        assert_eq!(prog, "qemu-system-x86_64");
        assert!(has_pair(&args, "-M", "pc"));
        assert!(has_pair(&args, "-device", "pvpanic"));
        assert!(has_pair(&args, "-action", "panic=exit-failure"));
        assert!(args.contains(&"-no-reboot".to_string()));
        let append = &args[args.iter().position(|a| a == "-append").unwrap() + 1];
        assert!(append.contains("console=ttyS0"));
        assert!(append.contains("oops=panic"));
        assert!(append.contains("pty.legacy_count=0 i8042.nokbd i8042.noaux"));
        assert!(append.ends_with("pg_fault=BUG"));
    }

    #[test]
    fn arm64_uses_virt_cpu_max_and_pci_pvpanic() {
        let (prog, args) = qemu_command(&spec(Arch::Arm64, Accel::Tcg));
        assert_eq!(prog, "qemu-system-aarch64");
        assert!(has_pair(&args, "-M", "virt"));
        assert!(has_pair(&args, "-cpu", "max,pauth-impdef=on"));
        assert!(has_pair(&args, "-device", "pvpanic-pci"));
        let append = &args[args.iter().position(|a| a == "-append").unwrap() + 1];
        assert!(append.contains("console=ttyAMA0"));
        assert!(!append.contains("i8042"));
    }

    #[test]
    fn kdump_runs_get_a_disk_and_survive_the_first_panic() {
        let mut sp = spec(Arch::Arm64, Accel::Tcg);
        sp.vmcore_disk = Some("/d/disk".into());
        sp.on_panic = OnPanic::Continue;
        let (_, args) = qemu_command(&sp);
        assert!(has_pair(&args, "-action", "panic=none"));
        assert!(has_pair(&args, "-device", "virtio-blk-pci,drive=vmcore"));
        assert!(has_pair(
            &args,
            "-drive",
            "file=/d/disk,format=raw,if=none,id=vmcore"
        ));
    }

    #[test]
    fn a_saved_guest_restores_with_qmp_and_input() {
        let mut sp = spec(Arch::X86_64, Accel::Tcg);
        sp.incoming = Some("/s/state".into());
        sp.qmp_socket = Some("/tmp/q.qmp".into());
        sp.on_panic = OnPanic::Pause;
        sp.vmcoreinfo = true;
        let (_, args) = qemu_command(&sp);
        assert!(has_pair(&args, "-incoming", "exec:cat '/s/state'"));
        assert!(has_pair(
            &args,
            "-qmp",
            "unix:/tmp/q.qmp,server=on,wait=off"
        ));
        assert!(has_pair(&args, "-action", "panic=pause"));
        assert!(has_pair(&args, "-device", "vmcoreinfo"));
        let (_, plain) = qemu_command(&spec(Arch::X86_64, Accel::Tcg));
        assert!(!plain
            .iter()
            .any(|a| a == "-incoming" || a == "-qmp" || a == "vmcoreinfo"));
    }

    #[test]
    fn kvm_uses_the_host_cpu() {
        let (_, args) = qemu_command(&spec(Arch::X86_64, Accel::Kvm));
        assert!(has_pair(&args, "-accel", "kvm"));
        assert!(has_pair(&args, "-cpu", "host"));
    }
}
