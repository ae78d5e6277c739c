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
//! ([`catalog::POINTS`]). `contexts` says which contexts run the fault after the write returned,
//! and `lines` gives the pattern of every line the module prints that tools read
//! ([`catalog::lines`]). `/dev/panicgen` ([`chardev`]) is the same trigger where lockdown
//! closes debugfs; once loaded, the module says which trigger works ([`interfaces`]).

use kernel::{
    bindings,
    debugfs::{
        Dir,
        File, //
    },
    fmt,
    miscdevice::MiscDeviceRegistration,
    prelude::*,
    uaccess::UserSliceReader, //
};

// Shared with the host runner, which uses the parts this module does not (descriptions, the
// other architecture's expectations).
#[allow(dead_code)]
mod catalog;
mod chardev;
mod cpu_state;
mod deferral;
mod dispatch;
mod faults;
mod glue;
mod interfaces;
mod kconfig;
mod listing;
mod point;
mod sysctl;
mod tests;

use glue::{
    eopnotsupp,
    Show,
    ARCH, //
};

use catalog::{
    lines::{
        Rejected,
        Trigger, //
    },
    At,
    Command,
    Expect,
    ParseError, //
};

module! {
    type: PanicGen,
    name: "panicgen",
    authors: ["panicgen developers"],
    description: "Fires controlled kernel faults on request, for crash-test pipelines",
    license: "GPL",
}

#[pin_data]
struct PanicGen {
    // Dropped in this order: the triggers and files first (no new triggers, writers done),
    // then the deferred-context machinery (pending faults cancelled), the crash-point probe
    // (removed), the slab faults' cache, then the directory.
    #[pin]
    _device: MiscDeviceRegistration<chardev::Trigger>,
    #[pin]
    _trigger: File<()>,
    #[pin]
    _faults: File<()>,
    #[pin]
    _points: File<()>,
    #[pin]
    _contexts: File<()>,
    #[pin]
    _lines: File<()>,
    _deferral: deferral::Deferral,
    _probe: point::Probe,
    _slab: faults::SlabCache,
    _dir: Dir,
}

impl kernel::InPlaceModule for PanicGen {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        let dir = Dir::new(c"panicgen");
        try_pin_init!(Self {
            // SAFETY: The kernel runs a module's init once per load, and the value lives in the
            // module until its exit drops it: no other `Deferral`, `Probe` or `SlabCache` exists
            // meanwhile.
            _deferral: unsafe { deferral::Deferral::new() },
            // SAFETY: As above.
            _probe: unsafe { point::Probe::new() },
            // SAFETY: As above.
            _slab: unsafe { faults::SlabCache::new()? },
            _device <- MiscDeviceRegistration::register(chardev::OPTIONS),
            _trigger <- dir.read_write_callback_file(c"trigger", (), &list_names, &trigger_write),
            _faults <- dir.read_callback_file(c"faults", (), &listing::faults),
            _points <- dir.read_callback_file(c"points", (), &listing::points),
            _contexts <- dir.read_callback_file(c"contexts", (), &listing::contexts),
            _lines <- dir.read_callback_file(c"lines", (), &listing::patterns),
            _dir: dir,
        })
        .pin_chain(|_| {
            interfaces::report();
            Ok(())
        })
    }
}

/// What reading a trigger (`trigger`, `/dev/panicgen`) gives: one fault name per line.
pub(crate) struct Names;

impl core::fmt::Display for Names {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for fault in catalog::FAULTS {
            writeln!(f, "{}", fault.name)?;
        }
        Ok(())
    }
}

/// Reading `trigger`: [`Names`].
fn list_names(_: &(), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{Names}")
}

/// Writing `trigger`: parse the command and fire the fault.
fn trigger_write(_: &(), reader: &mut UserSliceReader) -> Result {
    let len = admit(reader.len())?;
    let mut buf = [0u8; catalog::MAX_COMMAND_LEN];
    reader.read_slice(&mut buf[..len])?;
    accept(&buf[..len])
}

/// What every trigger checks before it reads a command of `len` bytes: the writer may fire
/// faults, and the command fits. Returns `len`.
pub(crate) fn admit(len: usize) -> Result<usize> {
    // SAFETY: `capable` may be called from any process context; it only reads the current
    // task's credentials.
    if !unsafe { bindings::capable(bindings::CAP_SYS_ADMIN as i32) } {
        pr_warn!("{}\n", Show(Rejected("CAP_SYS_ADMIN is required")));
        return Err(EPERM);
    }
    if len > catalog::MAX_COMMAND_LEN {
        pr_warn!("{}\n", Show(Rejected(ParseError::TooLong(len))));
        return Err(EINVAL);
    }
    Ok(len)
}

/// What every trigger does with a command: parse it, refuse it or fire its fault.
pub(crate) fn accept(command: &[u8]) -> Result {
    let cmd = catalog::parse(command).map_err(|e| {
        pr_warn!("{}\n", Show(Rejected(e)));
        EINVAL
    })?;
    if let Expect::Unsupported(why) = cmd.fault.expect(ARCH) {
        pr_warn!(
            "{}\n",
            Show(Rejected(format_args!(
                "{} on {}: {}",
                cmd.fault.name,
                ARCH.name(),
                why
            )))
        );
        return Err(eopnotsupp());
    }
    pr_info!("{}\n", Show(trigger_line(&cmd)));
    dispatch::run(&cmd)
}

/// The trigger line the host runner and crash-dump checks key on.
fn trigger_line<'a>(cmd: &'a Command<'a>) -> Trigger<'a, At<'a>> {
    Trigger {
        fault: cmd.fault.name,
        ctx: Some(cmd.ctx),
        at: cmd.at.map(|at| (at, at.count, at.timeout_ms)),
        cpu: cmd.cpu,
        delay_ms: (cmd.delay_ms > 0).then_some(cmd.delay_ms),
        id: cmd.id,
    }
}
