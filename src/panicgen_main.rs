// SPDX-License-Identifier: GPL-2.0

//! panicgen: crash the kernel on purpose, precisely and provably.
//!
//! Writing `NAME [ctx=CTX] [cpu=N] [delay_ms=N] [id=TOKEN]` to
//! `/sys/kernel/debug/panicgen/trigger` fires that fault; reading the file lists the fault names.
//! `/sys/kernel/debug/panicgen/faults` describes every fault: its contexts, whether it is fatal
//! on this kernel as configured now, the options it needs and the kernel message that proves
//! it on the running architecture. The faults are defined by [`catalog::FAULTS`].
//! `NAME at=FUNCTION|POINT [count=N] [timeout_ms=T]` fires the fault from a kernel function
//! instead, through a kprobe; `/sys/kernel/debug/panicgen/points` lists the named crash points
//! ([`catalog::POINTS`]).

use kernel::{
    bindings,
    debugfs::{
        Dir,
        File, //
    },
    fmt,
    prelude::*,
    uaccess::UserSliceReader, //
};

// Shared with the host runner, which uses the parts this module does not (descriptions, the
// other architecture's expectations).
#[allow(dead_code)]
mod catalog;
mod cpu_state;
mod deferral;
mod dispatch;
mod faults;
mod kconfig;
mod point;
mod sysctl;
mod tests;

use catalog::{
    Command,
    Context,
    Expect,
    Fault,
    Kind,
    ParseError,
    Report,
    Target, //
};

module! {
    type: PanicGen,
    name: "panicgen",
    authors: ["panicgen developers"],
    description: "Fires controlled kernel faults on request, for crash-test pipelines",
    license: "GPL",
}

/// The architecture this module was built for.
#[cfg(target_arch = "x86_64")]
const ARCH: catalog::Arch = catalog::Arch::X86_64;
#[cfg(target_arch = "aarch64")]
const ARCH: catalog::Arch = catalog::Arch::Arm64;

#[pin_data]
struct PanicGen {
    // Dropped in this order: the files first (no new triggers, writers done), then the
    // deferred-context machinery (pending faults cancelled), the crash-point probe (removed),
    // then the directory.
    #[pin]
    _trigger: File<()>,
    #[pin]
    _faults: File<()>,
    #[pin]
    _points: File<()>,
    _deferral: deferral::Deferral,
    _probe: point::Probe,
    _dir: Dir,
}

impl kernel::InPlaceModule for PanicGen {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        let dir = Dir::new(c"panicgen");
        try_pin_init!(Self {
            // SAFETY: The kernel runs a module's init once per load, and the value lives in the
            // module until its exit drops it: no other `Deferral` or `Probe` exists meanwhile.
            _deferral: unsafe { deferral::Deferral::new() },
            // SAFETY: As above.
            _probe: unsafe { point::Probe::new() },
            _trigger <- dir.read_write_callback_file(c"trigger", (), &list_names, &trigger_write),
            _faults <- dir.read_callback_file(c"faults", (), &describe_faults),
            _points <- dir.read_callback_file(c"points", (), &describe_points),
            _dir: dir,
        })
    }
}

// The catalog is `core`-only; the kernel's formatting macros take `kernel::fmt::Display`.
impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        core::fmt::Display::fmt(self, f)
    }
}

/// Reading `trigger`: one fault name per line.
fn list_names(_: &(), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for fault in catalog::FAULTS {
        writeln!(f, "{}", fault.name)?;
    }
    Ok(())
}

/// What this kernel does with `fault` in process context (every fault allows it): the fault
/// as this kernel reports it, and which of the catalog's reports that is.
fn on_this_kernel(fault: &'static Fault) -> (Fault, Report) {
    let report = fault.report(Context::Process, |need| {
        kconfig::enabled(need) == Some(true)
    });
    match report {
        Report::Instead(alt) => (fault.instead(alt), report),
        Report::Main | Report::Unobservable(_) => (*fault, report),
    }
}

/// Whether `fault` panics this kernel as configured now (for process context; an oops in
/// interrupt context always panics).
fn fatal(fault: &Fault) -> &'static str {
    match fault.kind {
        Kind::Panic => "yes",
        Kind::Lockdep => "no",
        kind => match kind.panic_sysctl().and_then(sysctl::read_kernel_int) {
            Some(0) => "no",
            Some(_) => "yes",
            None => "unknown",
        },
    }
}

/// Writes `options` as `CONFIG_X:y,CONFIG_Y:n` for this kernel.
fn write_needs(f: &mut fmt::Formatter<'_>, options: &[&str], mut first: bool) -> fmt::Result {
    for need in options {
        let state = match kconfig::enabled(need) {
            Some(true) => "y",
            Some(false) => "n",
            None => "?",
        };
        write!(f, "{}{need}:{state}", if first { "" } else { "," })?;
        first = false;
    }
    Ok(())
}

/// Reading `faults`: one fault per line as `key=value` fields, as this kernel reports the fault
/// in process context; `expect=` is last and runs to the end of the line (regular
/// expressions, joined by ` && `). `report=` says which of the catalog's reports that is:
/// `main`, `instead` (the kernel lacks the main report's options and reports the fault another
/// way; `needs=` then lists both reports' options) or `none` (the catalog has no report for a
/// kernel without them: `expect=none: ...` names the option it lacks).
fn describe_faults(_: &(), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for main in catalog::FAULTS {
        let (fault, report) = on_this_kernel(main);
        write!(
            f,
            "name={} category={} kind={} contexts=",
            fault.name,
            fault.category,
            fault.kind.name()
        )?;
        for (i, ctx) in fault.contexts.iter().enumerate() {
            write!(f, "{}{}", if i > 0 { "," } else { "" }, ctx.name())?;
        }
        let fatal = match report {
            Report::Unobservable(_) => "no",
            Report::Main | Report::Instead(_) => fatal(&fault),
        };
        write!(f, " fatal={fatal} needs=")?;
        if main.needs.is_empty() {
            f.write_str("-")?;
        }
        write_needs(f, main.needs, true)?;
        if let Report::Instead(alt) = report {
            write_needs(f, alt.needs, main.needs.is_empty())?;
        }
        write!(f, " report={} arch={} expect=", report.name(), ARCH.name())?;
        match (report, fault.expect(ARCH)) {
            (Report::Unobservable(missing), _) => {
                let (before, after) = catalog::NO_REPORT;
                write!(f, "{before}{missing}{after}")?
            }
            (_, Expect::Lines(lines)) => {
                for (i, line) in lines.iter().enumerate() {
                    write!(f, "{}{line}", if i > 0 { " && " } else { "" })?;
                }
            }
            (_, Expect::Unsupported(why)) => write!(f, "unsupported: {why}")?,
        }
        writeln!(f)?;
    }
    Ok(())
}

/// Reading `points`: one named crash point of `at=` per line as `key=value` fields: where its
/// function runs, what makes a guest reach it, its functions on this architecture (the first
/// one this kernel has is probed), the options `at=` needs, and `description=` to the end of
/// the line.
fn describe_points(_: &(), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for point in catalog::POINTS {
        write!(
            f,
            "name={} reach={} workload={} arch={} functions=",
            point.name,
            point.reach.name(),
            point.workload.name(),
            ARCH.name()
        )?;
        for (i, name) in point.symbols(ARCH).iter().enumerate() {
            write!(f, "{}{name}", if i > 0 { "," } else { "" })?;
        }
        f.write_str(" needs=")?;
        write_needs(f, catalog::AT_NEEDS, true)?;
        writeln!(f, " description={}", point.description)?;
    }
    Ok(())
}

/// Writing `trigger`: parse the command and fire the fault.
fn trigger_write(_: &(), reader: &mut UserSliceReader) -> Result {
    // SAFETY: `capable` may be called from any process context; it only reads the current
    // task's credentials.
    if !unsafe { bindings::capable(bindings::CAP_SYS_ADMIN as i32) } {
        pr_warn!("trigger refused: CAP_SYS_ADMIN is required\n");
        return Err(EPERM);
    }
    let len = reader.len();
    if len > catalog::MAX_COMMAND_LEN {
        pr_warn!("trigger rejected: {}\n", ParseError::TooLong(len));
        return Err(EINVAL);
    }
    let mut buf = [0u8; catalog::MAX_COMMAND_LEN];
    reader.read_slice(&mut buf[..len])?;
    let cmd = catalog::parse(&buf[..len]).map_err(|e| {
        pr_warn!("trigger rejected: {}\n", e);
        EINVAL
    })?;
    if let Expect::Unsupported(why) = cmd.fault.expect(ARCH) {
        pr_warn!(
            "trigger rejected: {} on {}: {}\n",
            cmd.fault.name,
            ARCH.name(),
            why
        );
        return Err(eopnotsupp());
    }
    log_trigger(&cmd);
    dispatch::run(&cmd)
}

/// `-EOPNOTSUPP`, which `kernel::error::code` names only from Linux 7.3 on.
pub(crate) fn eopnotsupp() -> Error {
    Error::from_errno(-(bindings::EOPNOTSUPP as c_int))
}

/// Logs the trigger line the host runner and crash-dump checks key on.
fn log_trigger(cmd: &Command<'_>) {
    if let Some(at) = &cmd.at {
        pr_info!(
            "trigger {} at={} count={} timeout_ms={}{}{}\n",
            cmd.fault.name,
            AtValue(at),
            at.count,
            at.timeout_ms,
            Opt("cpu", cmd.cpu),
            Opt("id", cmd.id)
        );
        return;
    }
    pr_info!(
        "trigger {} ctx={}{}{}{}\n",
        cmd.fault.name,
        cmd.ctx.name(),
        Opt("cpu", cmd.cpu),
        Opt("delay_ms", (cmd.delay_ms > 0).then_some(cmd.delay_ms)),
        Opt("id", cmd.id)
    );
}

/// Formats as `at=`'s value: a crash point's name, or `function[+0xOFFSET]`.
struct AtValue<'a>(&'a catalog::At<'a>);

impl fmt::Display for AtValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.target {
            Target::Point(point) => f.write_str(point.name),
            Target::Symbol(name) if self.0.offset > 0 => {
                write!(f, "{name}+{:#x}", self.0.offset)
            }
            Target::Symbol(name) => f.write_str(name),
        }
    }
}

/// Formats as ` key=value` when the option was given, else as nothing.
struct Opt<T>(&'static str, Option<T>);

impl<T: core::fmt::Display> fmt::Display for Opt<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.1 {
            Some(value) => write!(f, " {}={}", self.0, value),
            None => Ok(()),
        }
    }
}
