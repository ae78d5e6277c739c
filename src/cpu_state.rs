// SPDX-License-Identifier: GPL-2.0

//! This CPU's execution state: running code with interrupts or preemption disabled, and
//! putting the state back as it was; which CPUs the writer may be pinned to.
//!
//! The state is saved and restored, never assumed: the faults run in the writer, in deferred
//! contexts (a hardirq among them) and from a probed function, where interrupts may already
//! be off. A helper that turned them on again afterwards would enable interrupts inside an
//! interrupt handler or a kprobe's trap handler.

use kernel::{
    error::to_result,
    ffi::{
        c_int,
        c_ulong, //
    },
    prelude::*, //
};

mod ffi {
    use kernel::ffi::{
        c_int,
        c_ulong, //
    };

    // Implemented in src/cpu_state.c; see src/panicgen.h.
    unsafe extern "C" {
        pub(super) fn panicgen_irq_save() -> c_ulong;
        pub(super) fn panicgen_irq_restore(flags: c_ulong);
        pub(super) fn panicgen_irqs_disabled() -> c_int;
        pub(super) fn panicgen_preempt_disable();
        pub(super) fn panicgen_preempt_enable();
        pub(super) fn panicgen_cpu_valid(cpu: u32) -> c_int;
        pub(super) fn panicgen_pin_current(cpu: u32) -> c_int;
    }
}

/// Whether local interrupts are disabled on this CPU.
pub(crate) fn irqs_disabled() -> bool {
    // SAFETY: Only reads this CPU's interrupt flag.
    unsafe { ffi::panicgen_irqs_disabled() != 0 }
}

/// Runs `f` with local interrupts disabled, then puts them back as they were: still disabled
/// if they were on entry (an interrupt handler, a kprobe's handler, an outer call).
pub(crate) fn with_irqs_disabled<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: Saving the flags and disabling interrupts may be done in any context.
    let flags: c_ulong = unsafe { ffi::panicgen_irq_save() };
    let r = f();
    // SAFETY: `flags` were saved above, on this CPU: with interrupts off the task cannot
    // migrate, unless `f` slept, which only a fault does (and then it is the fault).
    unsafe { ffi::panicgen_irq_restore(flags) };
    r
}

/// Runs `f` with preemption disabled on this CPU; the preemption count is a counter, so the
/// state on return is the state on entry.
pub(crate) fn with_preemption_disabled<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: Balanced by the enable below; `f` does not sleep unless it is the fault.
    unsafe { ffi::panicgen_preempt_disable() };
    let r = f();
    // SAFETY: Balances the disable above.
    unsafe { ffi::panicgen_preempt_enable() };
    r
}

/// Whether `cpu` is an online CPU.
pub(crate) fn online(cpu: u32) -> bool {
    // SAFETY: Only reads the CPU masks.
    unsafe { ffi::panicgen_cpu_valid(cpu) != 0 }
}

/// Pins the current task to `cpu`, an online CPU. May sleep.
pub(crate) fn pin_current(cpu: u32) -> Result {
    let ret: c_int = if online(cpu) {
        // SAFETY: `cpu` is online; this only changes the current task's affinity.
        unsafe { ffi::panicgen_pin_current(cpu) }
    } else {
        EINVAL.to_errno()
    };
    to_result(ret)
}
