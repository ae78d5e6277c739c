// SPDX-License-Identifier: GPL-2.0

//! Firing a parsed command: in the writer (`process`, `irqoff`, `preemptoff`), armed for a
//! deferred context (`src/deferral.rs`, which calls back [`panicgen_fire_deferred`]) or armed
//! on a kernel function (`at=`, `src/point.rs`). Every path ends in [`faults::fire`].

use kernel::prelude::*;

use crate::{
    catalog::{
        lines::Rejected,
        Command,
        Context,
        FAULTS, //
    },
    cpu_state,
    deferral,
    faults,
    glue::Show,
    point, //
};

/// Fires `cmd` in its context: at once for the writer's contexts, later for deferred ones and
/// from the probed function for `at=`.
pub(crate) fn run(cmd: &Command<'_>) -> Result {
    if let Some(c) = cmd.cpu {
        if !cpu_state::online(c) {
            pr_warn!(
                "{}\n",
                Show(Rejected(format_args!("cpu={c} is not an online CPU")))
            );
            return Err(EINVAL);
        }
    }
    if let Some(at) = &cmd.at {
        return point::arm(at, cmd.fault.id, cmd.cpu);
    }
    if cmd.ctx.deferred() {
        return deferral::defer(cmd.ctx, cmd.fault.id, cmd.cpu, cmd.delay_ms).inspect_err(|e| {
            if *e == EBUSY {
                pr_warn!("{}\n", Show(Rejected("a deferred fault is still pending")));
            }
        });
    }
    if let Some(c) = cmd.cpu {
        cpu_state::pin_current(c)?;
    }
    if cmd.delay_ms > 0 {
        kernel::time::delay::fsleep(kernel::time::Delta::from_millis(cmd.delay_ms.into()));
    }
    match cmd.ctx {
        Context::IrqOff => cpu_state::with_irqs_disabled(|| faults::fire(cmd.fault, cmd.ctx)),
        Context::PreemptOff => {
            cpu_state::with_preemption_disabled(|| faults::fire(cmd.fault, cmd.ctx))
        }
        _ => faults::fire(cmd.fault, cmd.ctx),
    }
}

/// Called by `src/deferral.c` in the deferred context `ctx`: fires catalog entry `fault`.
#[no_mangle]
pub(crate) extern "C" fn panicgen_fire_deferred(fault: u32, ctx: u32) {
    let fault = FAULTS.get(fault as usize);
    if let (Some(fault), Some(ctx)) = (fault, Context::from_number(ctx)) {
        if let Err(e) = faults::fire(fault, ctx) {
            pr_warn!("{} in ctx={} failed: {:?}\n", fault.name, ctx.name(), e);
        }
    }
}
