// SPDX-License-Identifier: GPL-2.0

//! Fault implementations, one file per catalog category.
//!
//! Each fault is its own `#[inline(never)]` function so that it names itself in the oops
//! backtrace and in a crash dump's stack. Locks are created when a fault fires: lockdep tracks
//! lock classes (one per `new_spinlock!`/`new_mutex!` call site), not lock instances.

use kernel::prelude::*;

use crate::catalog::{
    Context,
    FaultId, //
};

mod bugs;
mod cpu;
mod hangs;
mod integrity;
mod locking;
mod memory;

/// Fires fault `id`, running in `ctx`. Returns only for faults that let their context carry on.
pub(crate) fn fire(id: FaultId, ctx: Context) -> Result {
    match id {
        FaultId::Bug => bugs::bug(),
        FaultId::Panic => bugs::panic(),
        FaultId::Warn => bugs::warn(),
        FaultId::RustPanic => bugs::rust_panic(),
        FaultId::RustOverflow => bugs::rust_overflow(),
        FaultId::RustBounds => bugs::rust_bounds(),
        FaultId::NullDeref => memory::null_deref(),
        FaultId::NullRead => memory::null_read(),
        FaultId::NullExec => memory::null_exec(),
        FaultId::WriteRodata => memory::write_rodata(),
        FaultId::ExecData => memory::exec_data(),
        FaultId::StackOverflow => memory::stack_overflow(),
        FaultId::StackCanary => memory::stack_canary(),
        FaultId::StackCanaryStrong => memory::stack_canary_strong(),
        FaultId::UseAfterFree => return memory::use_after_free(),
        FaultId::DoubleFree => return memory::double_free(),
        FaultId::SlabOob => return memory::slab_oob(),
        FaultId::SpinlockRecursion => return locking::spinlock_recursion(),
        FaultId::SpinlockSameClass => return locking::spinlock_same_class(),
        FaultId::MutexRecursion => return locking::mutex_recursion(),
        FaultId::LockOrderAbba => return locking::lock_order_abba(),
        FaultId::MutexOrderAbba => return locking::mutex_order_abba(),
        FaultId::LockOrderCycle3 => return locking::lock_order_cycle3(),
        FaultId::IrqLockInversion => return locking::irq_lock_inversion(ctx),
        FaultId::SleepInAtomic => return locking::sleep_in_atomic(),
        FaultId::UnlockUnheld => return locking::unlock_unheld(),
        FaultId::Softlockup => hangs::softlockup(),
        FaultId::Hardlockup => hangs::hardlockup(),
        FaultId::HungTask => hangs::hung_task(),
        FaultId::RcuStall => hangs::rcu_stall(),
        FaultId::RefcountUnderflow => integrity::refcount_underflow(),
        FaultId::RefcountOverflow => integrity::refcount_overflow(),
        FaultId::ListCorruption => return integrity::list_corruption(),
        FaultId::InvalidOpcode => cpu::invalid_opcode(),
        FaultId::DivideError => return cpu::divide_error(),
    }
    Ok(())
}
