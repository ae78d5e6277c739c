// SPDX-License-Identifier: GPL-2.0

//! Running a fault in the requested execution context.
//!
//! Process-based contexts (`process`, `irqoff`, `preemptoff`) run in the writer. The deferred
//! ones (`softirq`, `hardirq`, `workqueue`, `kthread`) are armed through `src/context.c`, whose
//! callbacks come back to [`panicgen_fire_deferred`]. [`Contexts`] owns that machinery: dropping
//! it cancels whatever is still pending.

use kernel::{
    error::to_result,
    ffi::c_int,
    prelude::*, //
};

use crate::{
    catalog::{
        Command,
        Context,
        FAULTS, //
    },
    faults,
};

mod ffi {
    use kernel::ffi::c_int;

    // Implemented in src/context.c; see src/panicgen.h.
    unsafe extern "C" {
        pub(super) fn panicgen_context_init();
        pub(super) fn panicgen_context_exit();
        pub(super) fn panicgen_cpu_valid(cpu: u32) -> c_int;
        pub(super) fn panicgen_defer(ctx: u32, fault: u32, cpu: i32, delay_ms: u32) -> c_int;
        pub(super) fn panicgen_pin_current(cpu: u32) -> c_int;
        pub(super) fn panicgen_preempt_disable();
        pub(super) fn panicgen_preempt_enable();
        pub(super) fn panicgen_irq_disable();
        pub(super) fn panicgen_irq_enable();
    }
}

/// The deferred-execution machinery; exists while the module is loaded.
pub(crate) struct Contexts(());

impl Contexts {
    pub(crate) fn new() -> Self {
        // SAFETY: Called once, at module init, before any trigger can arrive.
        unsafe { ffi::panicgen_context_init() };
        Contexts(())
    }
}

impl Drop for Contexts {
    fn drop(&mut self) {
        // SAFETY: Called once, at module exit, after the trigger file is gone: cancels the
        // pending timer, hrtimer, work item and kthread and waits for running callbacks.
        unsafe { ffi::panicgen_context_exit() };
    }
}

/// Runs `f` with preemption disabled on this CPU.
pub(crate) fn with_preemption_disabled<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: Balanced by the enable below; `f` does not sleep unless it is the fault.
    unsafe { ffi::panicgen_preempt_disable() };
    let r = f();
    // SAFETY: Balances the disable above.
    unsafe { ffi::panicgen_preempt_enable() };
    r
}

/// Runs `f` with local interrupts disabled.
pub(crate) fn with_irqs_disabled<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: Balanced by the enable below; the writer's context had interrupts on.
    unsafe { ffi::panicgen_irq_disable() };
    let r = f();
    // SAFETY: Balances the disable above.
    unsafe { ffi::panicgen_irq_enable() };
    r
}

/// Arms the deferred context `ctx` to fire catalog entry `index`.
pub(crate) fn defer(ctx: Context, index: usize, cpu: Option<u32>, delay_ms: u32) -> Result {
    let cpu = match cpu {
        Some(c) => i32::try_from(c).map_err(|_| EINVAL)?,
        None => -1,
    };
    let index = u32::try_from(index).map_err(|_| EINVAL)?;
    // SAFETY: `ctx` is a deferred context number of `src/panicgen.h`, `index` a catalog index
    // and `cpu` an online CPU or -1 (checked by `run`).
    to_result(unsafe { ffi::panicgen_defer(ctx as u32, index, cpu, delay_ms) })
}

/// Fires `cmd` in its context: at once for the writer's contexts, later for deferred ones and
/// from the probed function for `at=`.
pub(crate) fn run(cmd: &Command<'_>) -> Result {
    if let Some(cpu) = cmd.cpu {
        // SAFETY: Only reads the CPU masks.
        if unsafe { ffi::panicgen_cpu_valid(cpu) } == 0 {
            pr_warn!("trigger rejected: cpu={} is not an online CPU\n", cpu);
            return Err(EINVAL);
        }
    }
    let index = FAULTS
        .iter()
        .position(|f| core::ptr::eq(f, cmd.fault))
        .ok_or(EINVAL)?;
    if let Some(at) = &cmd.at {
        return crate::point::arm(at, index, cmd.cpu);
    }
    match cmd.ctx {
        Context::Process | Context::IrqOff | Context::PreemptOff => {
            if let Some(cpu) = cmd.cpu {
                // SAFETY: `cpu` is online; this only changes the writer's affinity.
                to_result(unsafe { ffi::panicgen_pin_current(cpu) })?;
            }
            if cmd.delay_ms > 0 {
                kernel::time::delay::fsleep(kernel::time::Delta::from_millis(cmd.delay_ms.into()));
            }
            match cmd.ctx {
                Context::IrqOff => with_irqs_disabled(|| faults::fire(cmd.fault.id, cmd.ctx)),
                Context::PreemptOff => {
                    with_preemption_disabled(|| faults::fire(cmd.fault.id, cmd.ctx))
                }
                _ => faults::fire(cmd.fault.id, cmd.ctx),
            }
        }
        ctx => defer(ctx, index, cmd.cpu, cmd.delay_ms).inspect_err(|e| {
            if *e == EBUSY {
                pr_warn!("trigger rejected: a deferred fault is still pending\n");
            }
        }),
    }
}

/// Called by `src/context.c` in the deferred context: fires catalog entry `fault`.
#[no_mangle]
pub(crate) extern "C" fn panicgen_fire_deferred(fault: u32, ctx: u32) {
    let fault = FAULTS.get(fault as usize);
    let ctx = Context::ALL.get(ctx as usize).copied();
    if let (Some(fault), Some(ctx)) = (fault, ctx) {
        if let Err(e) = faults::fire(fault.id, ctx) {
            pr_warn!("{} in ctx={} failed: {:?}\n", fault.name, ctx.name(), e);
        }
    }
}

// The C side numbers contexts as the catalog orders them.
const _: () = {
    assert!(Context::Softirq as c_int == 1);
    assert!(Context::Hardirq as c_int == 2);
    assert!(Context::Workqueue as c_int == 3);
    assert!(Context::Kthread as c_int == 4);
};
