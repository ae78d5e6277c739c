// SPDX-License-Identifier: GPL-2.0

//! Crash points (`at=`): a fault fired from a kernel function, through a kprobe that
//! `src/kprobe.c` arms. Here: which function (a named point resolves to the first of its
//! functions this kernel has), every refusal and its reason, and, on the chosen hit, whether the
//! fault may run where the function runs and what the log says of it.

use kernel::{
    error::to_result,
    ffi::c_char,
    prelude::*,
    str::CStrExt, //
};

use crate::{
    catalog::{
        lines::{
            Expired,
            Hit,
            Rejected, //
        },
        At,
        Context,
        FaultId,
        Target,
        FAULTS, //
    },
    faults,
    glue::{
        eopnotsupp,
        Show,
        ARCH, //
    },
};

mod ffi {
    use kernel::ffi::{
        c_char,
        c_int, //
    };

    // Implemented in src/kprobe.c; see src/panicgen.h.
    unsafe extern "C" {
        pub(super) fn panicgen_at_init();
        pub(super) fn panicgen_at_exit();
        pub(super) fn panicgen_at_arm(
            name: *const c_char,
            len: u32,
            offset: u32,
            count: u32,
            timeout_ms: u32,
            cpu: i32,
            fault: u32,
        ) -> c_int;
    }
}

/// The crash-point probe's machinery: its work items are set up while a value of this type
/// exists; dropping it removes the probe, if armed, and waits for its handler and work.
///
/// As for [`crate::deferral::Deferral`], the C side is one set of statics: at most one value
/// may exist at a time, which only the module's init can promise, so the constructor is
/// `unsafe` and init is its one caller.
pub(crate) struct Probe(());

impl Probe {
    /// Sets up the probe's machinery.
    ///
    /// # Safety
    ///
    /// No other [`Probe`] exists, and none is created while this one lives: only the module's
    /// init calls this.
    pub(crate) unsafe fn new() -> Self {
        // SAFETY: The caller guarantees this is the only live `Probe`: no probe is armed and
        // no work item is queued while the C side's statics are set up.
        unsafe { ffi::panicgen_at_init() };
        Probe(())
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        // SAFETY: Called once, at module exit, after the trigger file is gone: removes the
        // probe, if armed, and waits for its handler and work items.
        unsafe { ffi::panicgen_at_exit() };
    }
}

/// Why `at=` cannot be armed on `name`, for the log.
fn refusal(e: Error) -> &'static str {
    match e {
        ENOENT => "no such function in this kernel (inlined, a static inline, or misspelled)",
        EINVAL => "this function cannot be probed (kprobe blacklist, noinstr or notrace code)",
        EILSEQ => "the offset is not on an instruction boundary",
        EPERM => "a function of panicgen's own",
        EBUSY => "an at= probe is already armed",
        _ => "register_kprobe failed",
    }
}

/// Arms one function.
fn arm_symbol(name: &str, at: &At<'_>, cpu: i32, id: FaultId) -> Result {
    let len = u32::try_from(name.len()).map_err(|_| EINVAL)?;
    // SAFETY: `name` is `len` readable bytes; kprobe.c copies them before it returns.
    // `id` is a catalog number and `cpu` an online CPU or -1.
    to_result(unsafe {
        ffi::panicgen_at_arm(
            name.as_ptr().cast(),
            len,
            at.offset,
            at.count,
            at.timeout_ms,
            cpu,
            id.number(),
        )
    })
}

/// Arms `at` to fire fault `id`: a function, or the first function of a named point that this
/// kernel has. Every refusal is logged with its reason.
pub(crate) fn arm(at: &At<'_>, id: FaultId, cpu: Option<u32>) -> Result {
    let cpu = match cpu {
        Some(c) => i32::try_from(c).map_err(|_| EINVAL)?,
        None => -1,
    };
    let reject = |name: &str, e: Error| {
        if e == eopnotsupp() {
            pr_warn!(
                "{}\n",
                Show(Rejected("at= needs CONFIG_KPROBES, not set in this kernel"))
            );
        } else {
            let offset = at.offset;
            let why = refusal(e);
            pr_warn!(
                "{}\n",
                Show(Rejected(format_args!(
                    "at={name}+{offset:#x}: {why} ({e:?})"
                )))
            );
        }
        e
    };
    match at.target {
        Target::Symbol(name) => arm_symbol(name, at, cpu, id).map_err(|e| reject(name, e)),
        Target::Point(point) => {
            let symbols = point.symbols(ARCH);
            for name in symbols {
                match arm_symbol(name, at, cpu, id) {
                    Ok(()) => {
                        pr_info!("at={}: armed on {}\n", point.name, name);
                        return Ok(());
                    }
                    Err(ENOENT) => continue,
                    Err(e) => return Err(reject(name, e)),
                }
            }
            pr_warn!(
                "{}\n",
                Show(Rejected(format_args!(
                    "at={}: none of its functions is in this kernel ({})",
                    point.name,
                    List(symbols)
                )))
            );
            Err(ENOENT)
        }
    }
}

/// Formats as the names joined by `, `.
struct List(&'static [&'static str]);

impl core::fmt::Display for List {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, name) in self.0.iter().enumerate() {
            write!(f, "{}{name}", if i > 0 { ", " } else { "" })?;
        }
        Ok(())
    }
}

/// Reads the probed function's name that kprobe.c passes.
///
/// # Safety
///
/// `symbol` is a NUL-terminated string that stays unchanged while the returned `str` is used.
unsafe fn symbol_name<'a>(symbol: *const c_char) -> &'a str {
    // SAFETY: As the caller promises.
    unsafe { CStr::from_char_ptr(symbol) }
        .to_str()
        .unwrap_or("?")
}

/// Called by `src/kprobe.c` on the chosen hit, in the probed function's context: fires catalog
/// entry `fault` if it may run in `ctx`, else says why not.
#[no_mangle]
pub(crate) extern "C" fn panicgen_fire_at(
    fault: u32,
    ctx: u32,
    symbol: *const c_char,
    offset: u32,
    moved: bool,
    count: u32,
    cpu: u32,
) {
    let (Some(fault), Some(ctx)) = (FAULTS.get(fault as usize), Context::from_number(ctx)) else {
        return;
    };
    // SAFETY: kprobe.c passes its NUL-terminated copy of the name, alive while the probe is.
    let function = unsafe { symbol_name(symbol) };
    let hit = Hit {
        function,
        offset,
        moved,
        count,
        ctx,
        cpu,
        fault: fault.name,
        fired: fault.contexts.contains(ctx),
    };
    if !hit.fired {
        pr_warn!("{}\n", Show(hit));
        return;
    }
    pr_info!("{}\n", Show(hit));
    if let Err(e) = faults::fire(fault, ctx) {
        pr_warn!("{} at {} failed: {:?}\n", fault.name, function, e);
    }
}

/// Called by `src/kprobe.c` when the timeout came before the chosen hit.
#[no_mangle]
pub(crate) extern "C" fn panicgen_at_expired(
    symbol: *const c_char,
    offset: u32,
    timeout_ms: u32,
    hits: u32,
) {
    // SAFETY: kprobe.c passes its NUL-terminated copy of the name, which only the next
    // arming rewrites, and arming first waits for the timeout work that calls this.
    let function = unsafe { symbol_name(symbol) };
    let expired = Expired {
        function,
        offset,
        timeout_ms,
        hits,
    };
    pr_warn!("{}\n", Show(expired));
}
