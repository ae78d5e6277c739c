// SPDX-License-Identifier: GPL-2.0

//! Faults of the `hangs` category: each hangs its context long enough for the kernel's
//! detector to report it (the runner shortens the thresholds on the guest command line), then
//! lets go, so that the machine survives unless the detector is set to panic.

use kernel::{bindings, prelude::*, processor::cpu_relax, sync::rcu, time::Delta};

use crate::{
    catalog::Context,
    cpu_state::{
        with_irqs_disabled,
        with_preemption_disabled, //
    },
};

/// Busy-waits for `delta` without sleeping.
///
/// The clock is the NMI-safe one, not `Instant::now()` (`ktime_get()`): a fault fired by
/// `at=` runs in the kprobe's trap handler, which x86 (int3) and arm64 (brk) enter as an NMI,
/// and there `ktime_get()` may spin for good on a timekeeping update the trap interrupted
/// (lockdep reports its seqcount used in NMI).
fn spin_for(delta: Delta) {
    let now = || {
        // SAFETY: `ktime_get_mono_fast_ns()` may be called in any context, NMI included.
        unsafe { bindings::ktime_get_mono_fast_ns() }
    };
    let start = now();
    let ns = u64::try_from(delta.as_nanos()).unwrap_or(u64::MAX);
    while now().wrapping_sub(start) < ns {
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
