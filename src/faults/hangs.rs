// SPDX-License-Identifier: GPL-2.0

//! Faults of the `hangs` category: each hangs its context long enough for the kernel's
//! detector to report it (the runner shortens the thresholds on the guest command line), then
//! lets go, so that the machine survives unless the detector is set to panic.

use kernel::{
    bindings,
    prelude::*,
    processor::cpu_relax,
    sync::rcu,
    time::{
        Delta,
        Instant,
        Monotonic, //
    },
};

use crate::{
    catalog::Context,
    cpu_state::{
        with_irqs_disabled,
        with_preemption_disabled, //
    },
};

/// Busy-waits for `delta` without sleeping.
fn spin_for(delta: Delta) {
    let start = Instant::<Monotonic>::now();
    while start.elapsed() < delta {
        cpu_relax();
    }
}

/// `SOFTLOCKUP` fault.
#[inline(never)]
pub(super) fn softlockup(_: Context) -> Result {
    with_preemption_disabled(|| spin_for(Delta::from_secs(8)));
    Ok(())
}

/// `HARDLOCKUP` fault: another CPU's buddy detector reports this one.
#[inline(never)]
pub(super) fn hardlockup(_: Context) -> Result {
    with_irqs_disabled(|| spin_for(Delta::from_secs(8)));
    Ok(())
}

/// `HUNG_TASK` fault: an uninterruptible sleep (`D` state).
#[inline(never)]
pub(super) fn hung_task(_: Context) -> Result {
    // SAFETY: Converting milliseconds has no preconditions.
    let timeout = unsafe { bindings::__msecs_to_jiffies(10_000) };
    // SAFETY: Called from a context that may sleep (the catalog allows only those).
    unsafe { bindings::schedule_timeout_uninterruptible(timeout as kernel::ffi::c_long) };
    Ok(())
}

/// `RCU_STALL` fault: an RCU read-side section that never reaches a quiescent state.
#[inline(never)]
pub(super) fn rcu_stall(_: Context) -> Result {
    let _read = rcu::read_lock();
    // A stall is reported against a grace period in progress, and a quiet machine may have
    // none (a guest waiting at its console): ask for one, without waiting for it.
    // SAFETY: `start_poll_synchronize_rcu()` has no preconditions; it takes only raw
    // spinlocks, so it may be called in an RCU read-side section with preemption enabled or
    // disabled.
    let _cookie = unsafe { bindings::start_poll_synchronize_rcu() };
    with_preemption_disabled(|| spin_for(Delta::from_secs(15)));
    Ok(())
}
