// SPDX-License-Identifier: GPL-2.0

//! Deferred contexts: a fault armed now to run later in a softirq (a timer_list), a hardirq
//! (an hrtimer), a kworker or a kthread of panicgen's own. `src/deferral.c` arms them; their
//! callbacks come back to `panicgen_fire_deferred` (`src/dispatch.rs`). [`Deferral`] owns
//! that machinery: dropping it cancels whatever is still pending.

use kernel::{
    error::to_result,
    prelude::*, //
};

use crate::catalog::{
    Context,
    FaultId, //
};

mod ffi {
    use kernel::ffi::c_int;

    // Implemented in src/deferral.c; see src/panicgen.h.
    unsafe extern "C" {
        pub(super) fn panicgen_deferral_init();
        pub(super) fn panicgen_deferral_exit();
        pub(super) fn panicgen_defer(ctx: u32, fault: u32, cpu: i32, delay_ms: u32) -> c_int;
    }
}

/// The deferred-execution machinery: its timers, work item and kthread are set up while a
/// value of this type exists, and torn down (pending faults cancelled) when it is dropped.
///
/// The C side is one set of statics, so at most one value may exist at a time, and the
/// statics must not be set up again while a timer is armed. Nothing in the type system can
/// count values across the module, so the constructor is `unsafe`: its one caller, the
/// module's init, states why it holds there (the kernel calls init once per load, and the
/// value is dropped by the module's exit). A safe constructor guarded by an atomic flag would
/// check at run time what init already guarantees, and would let any other code try.
pub(crate) struct Deferral(());

impl Deferral {
    /// Sets up the deferred contexts.
    ///
    /// # Safety
    ///
    /// No other [`Deferral`] exists, and none is created while this one lives: only the module's
    /// init calls this.
    pub(crate) unsafe fn new() -> Self {
        // SAFETY: The caller guarantees this is the only live `Deferral`, so nothing is armed
        // and nothing else sets up the C side's statics.
        unsafe { ffi::panicgen_deferral_init() };
        Deferral(())
    }
}

impl Drop for Deferral {
    fn drop(&mut self) {
        // SAFETY: The only `Deferral` is dropped at module exit, after the trigger file is
        // gone: cancels the pending timer, hrtimer, work item and kthread and waits for running
        // callbacks.
        unsafe { ffi::panicgen_deferral_exit() };
    }
}

/// Arms the deferred context `ctx` to fire fault `id` after `delay_ms`, on `cpu` if given.
/// `EBUSY` while another deferred fault is pending.
pub(crate) fn defer(ctx: Context, id: FaultId, cpu: Option<u32>, delay_ms: u32) -> Result {
    let cpu = match cpu {
        Some(c) if crate::cpu_state::online(c) => i32::try_from(c).map_err(|_| EINVAL)?,
        Some(_) => return Err(EINVAL),
        None => -1,
    };
    // SAFETY: `ctx` is a context number of `src/panicgen.h` (the C side refuses any it does
    // not defer), `id` a catalog index and `cpu` an online CPU or -1.
    to_result(unsafe { ffi::panicgen_defer(ctx.number(), id.number(), cpu, delay_ms) })
}
