// SPDX-License-Identifier: GPL-2.0

//! Fault implementations, one file per catalog category, and the dispatch to them.
//!
//! Each fault is its own `#[inline(never)]` function, `fn(Context) -> Result`, so that it
//! names itself in the oops backtrace and in a crash dump's stack. Locks are created when a
//! fault fires: lockdep tracks lock classes (one per `new_spinlock!`/`new_mutex!` call site),
//! not lock instances.

use kernel::prelude::*;

use crate::{
    catalog::{
        fault_list,
        lines::Returned,
        Context,
        Fault,
        FaultId, //
    },
    cpu_state,
    glue::Show, //
};

mod bugs;
mod cpu;
mod hangs;
mod integrity;
mod locking;
mod memory;

pub(crate) use memory::SlabCache;

/// Expands the catalog's [`fault_list`] into [`implementation`]: each entry's name selects
/// `CATEGORY::FUNCTION`, which must exist with the faults' signature.
macro_rules! dispatch {
    ($($name:ident {
        category: $category:ident,
        function: $function:ident,
        $($entry:tt)*
    },)*) => {
        /// Runs fault `id`'s function in `ctx`.
        fn implementation(id: FaultId, ctx: Context) -> Result {
            match id {
                $(FaultId::$name => $category::$function(ctx),)*
            }
        }
    };
}

fault_list!(dispatch);

/// Fires `fault` in `ctx`, the context this code runs in. Returns only for faults that let
/// their context carry on, and then says so, with the interrupt state before and after.
pub(crate) fn fire(fault: &'static Fault, ctx: Context) -> Result {
    let before = cpu_state::irqs_disabled();
    let result = implementation(fault.id, ctx);
    let after = cpu_state::irqs_disabled();
    let line = Returned {
        fault: fault.name,
        ctx,
        irqs_off: (before, after),
    };
    if before == after {
        pr_info!("{}\n", Show(line));
    } else {
        pr_warn!("{}\n", Show(line));
    }
    result
}
