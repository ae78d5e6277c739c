// SPDX-License-Identifier: GPL-2.0

//! One QEMU guest: command line, console capture, time limit, clean-up.

use std::{
    fs,
    io::Write,
    path::{
        Path,
        PathBuf, //
    },
    process::{
        Child,
        Command,
        Stdio, //
    },
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

pub mod command;
mod console;

pub use command::{
    qemu_command,
    qemu_version, //
};
use console::Console;

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
    /// Bytes the console may print before the run ends as a flood (see `console::Budget`).
    pub console_limit: usize,
    /// A raw disk the kdump capture kernel writes the vmcore to.
    pub vmcore_disk: Option<PathBuf>,
    /// What QEMU does when the guest panics (pvpanic).
    pub on_panic: OnPanic,
    /// The guest's reboots reset it, as a real machine's (`--dump pstore`); otherwise QEMU
    /// exits on a reboot (`-no-reboot`). A system's always reset.
    pub resets: bool,
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
            console_limit: console::DEFAULT_LIMIT,
            vmcore_disk: None,
            on_panic: OnPanic::ExitFailure,
            resets: false,
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

    /// A run whose guest never started, ended as `end` says.
    pub fn ended(end: End) -> Self {
        let mut run = Self::failed(String::new(), Instant::now());
        run.end = end;
        run
    }

    /// A guest that ended before it ran (`why`): killed, if a signal ended its QEMU.
    fn ended_early(why: String, child: &mut Reaper, start: Instant) -> Self {
        use std::os::unix::process::ExitStatusExt;
        let mut run = Self::failed(why, start);
        let until = Instant::now() + Duration::from_secs(1);
        while Instant::now() < until {
            match child.0.try_wait() {
                Ok(Some(status)) => {
                    if let Some(signal) = status.signal() {
                        run.end = End::Killed(signal);
                    }
                    break;
                }
                Ok(None) => thread::sleep(Duration::from_millis(20)),
                Err(_) => break,
            }
        }
        run
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
            Err(e) => return VmRun::ended_early(e, &mut child, start),
        },
    };
    // Held open for the whole run: the guest's console input ends when it closes.
    let mut stdin = child.0.stdin.take();
    let mut resumed_at = None;
    if let (Some(_), Some(q)) = (&spec.incoming, qmp.as_mut()) {
        // A restored guest gets its input only once the saved state is loaded: what the
        // UART took in before would be overwritten by the saved UART.
        if let Err(e) = q.wait_running(spec.timeout) {
            let why = format!("the saved guest did not resume: {e}");
            return VmRun::ended_early(why, &mut child, start);
        }
        resumed_at = Some(start.elapsed());
    }
    let mut input_at = None;
    if let (Some(input), Some(pipe)) = (&spec.input, stdin.as_mut()) {
        let _ = pipe.write_all(input.as_bytes());
        let _ = pipe.flush();
        input_at = Some(start.elapsed());
    }
    let (rx, stderr) = console::drain(&mut child, spec.console_limit);
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
    // SAFETY: prctl(PR_SET_PDEATHSIG) and setpgid are async-signal-safe and touch no memory
    // of the parent: if the runner dies (killed by a CI time limit, say), QEMU is killed with
    // it.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut command, || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // Its own process group: a terminal's Ctrl-C, or a job's signal to the runner's
            // group, reaches the runner, which stops its guests and writes what finished.
            if libc::setpgid(0, 0) != 0 {
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
