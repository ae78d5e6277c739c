// SPDX-License-Identifier: GPL-2.0

//! Faults of the `locking` category: lockdep, DEBUG_SPINLOCK and DEBUG_ATOMIC_SLEEP reports.
//!
//! Every `new_spinlock!`/`new_mutex!` call site is one lock class; lockdep reasons about
//! classes, so the locks are made when a fault fires (`GFP_ATOMIC`: some contexts are atomic).

use kernel::{
    bindings,
    new_mutex,
    new_spinlock,
    prelude::*,
    sync::{
        lock::{
            Backend,
            Lock, //
        },
        Mutex,
        SpinLock, //
    },
    types::Opaque, //
};

use crate::{
    catalog::{
        Context,
        FaultId, //
    },
    deferral,
};

fn spinlock(init: impl PinInit<SpinLock<()>>) -> Result<Pin<KBox<SpinLock<()>>>> {
    KBox::pin_init(init, GFP_ATOMIC)
}

fn mutex(init: impl PinInit<Mutex<()>>) -> Result<Pin<KBox<Mutex<()>>>> {
    KBox::pin_init(init, GFP_KERNEL)
}

/// `SPINLOCK_RECURSION` fault: a real second acquire of a held spinlock.
///
/// lockdep reports "possible recursive locking detected" (DEBUG_SPINLOCK alone reports
/// "spinlock recursion"); then this CPU spins on the lock for good.
#[inline(never)]
pub(super) fn spinlock_recursion(_: Context) -> Result {
    let lock = spinlock(new_spinlock!((), "panicgen_recursion"))?;
    let _outer = lock.lock();
    let _inner = lock.lock();
    Ok(())
}

/// One lock class for every lock it makes.
fn same_class() -> impl PinInit<SpinLock<()>> {
    new_spinlock!((), "panicgen_same_class")
}

/// `SPINLOCK_SAME_CLASS` fault: two instances of one class nested, no nesting annotation.
#[inline(never)]
pub(super) fn spinlock_same_class(_: Context) -> Result {
    let first = spinlock(same_class())?;
    let second = spinlock(same_class())?;
    let _a = first.lock();
    let _b = second.lock();
    Ok(())
}

/// `MUTEX_RECURSION` fault: the task then sleeps on the mutex it holds, for good.
#[inline(never)]
pub(super) fn mutex_recursion(_: Context) -> Result {
    let lock = mutex(new_mutex!((), "panicgen_mutex_recursion"))?;
    let _outer = lock.lock();
    let _inner = lock.lock();
    Ok(())
}

/// Takes `a` then `b`, later `b` then `a`: lockdep reports the A-B/B-A cycle on the second
/// ordering. One thread cannot deadlock with itself, so the context carries on.
fn abba<B: Backend>(a: &Lock<(), B>, b: &Lock<(), B>) {
    {
        let _a = a.lock();
        let _b = b.lock();
    }
    let _b = b.lock();
    let _a = a.lock();
}

/// `LOCK_ORDER_ABBA` fault, with spinlocks.
#[inline(never)]
pub(super) fn lock_order_abba(_: Context) -> Result {
    let a = spinlock(new_spinlock!((), "panicgen_order_a"))?;
    let b = spinlock(new_spinlock!((), "panicgen_order_b"))?;
    abba(&a, &b);
    Ok(())
}

/// `MUTEX_ORDER_ABBA` fault.
#[inline(never)]
pub(super) fn mutex_order_abba(_: Context) -> Result {
    let a = mutex(new_mutex!((), "panicgen_mutex_a"))?;
    let b = mutex(new_mutex!((), "panicgen_mutex_b"))?;
    abba(&a, &b);
    Ok(())
}

/// `LOCK_ORDER_CYCLE3` fault: A-B, B-C, then C-A closes the cycle.
#[inline(never)]
pub(super) fn lock_order_cycle3(_: Context) -> Result {
    let a = spinlock(new_spinlock!((), "panicgen_cycle_a"))?;
    let b = spinlock(new_spinlock!((), "panicgen_cycle_b"))?;
    let c = spinlock(new_spinlock!((), "panicgen_cycle_c"))?;
    for (first, second) in [(&a, &b), (&b, &c), (&c, &a)] {
        let _x = first.lock();
        let _y = second.lock();
    }
    Ok(())
}

/// The lock class `IRQ_LOCK_INVERSION` uses in both contexts.
fn inversion_class() -> impl PinInit<SpinLock<()>> {
    new_spinlock!((), "panicgen_irq_inversion")
}

/// `IRQ_LOCK_INVERSION` fault: the class is taken with interrupts on in the writer, then in a
/// hardirq (hrtimer) callback, where lockdep reports the inconsistent lock state.
#[inline(never)]
pub(super) fn irq_lock_inversion(ctx: Context) -> Result {
    let lock = spinlock(inversion_class())?;
    drop(lock.lock());
    if ctx == Context::Process {
        deferral::defer(Context::Hardirq, FaultId::IRQ_LOCK_INVERSION, None, 0)?;
    }
    Ok(())
}

/// `SLEEP_IN_ATOMIC` fault: `might_sleep()` names this file and line.
#[inline(never)]
pub(super) fn sleep_in_atomic(_: Context) -> Result {
    let lock = spinlock(new_spinlock!((), "panicgen_atomic"))?;
    let _guard = lock.lock();
    kernel::task::might_sleep();
    Ok(())
}

/// `UNLOCK_UNHELD` fault: C's `spin_unlock()` on an initialised lock nobody holds. The safe
/// `SpinLock` cannot express this; the invalid unlock happens in C.
#[inline(never)]
pub(super) fn unlock_unheld(_: Context) -> Result {
    let lock = KBox::new(Opaque::<bindings::spinlock_t>::uninit(), GFP_ATOMIC)?;
    let class = kernel::static_lock_class!();
    // SAFETY: `lock` points to writable memory for a `spinlock_t` that outlives its use here;
    // the name is a NUL-terminated static string and the class key is static.
    unsafe {
        bindings::__spin_lock_init(lock.get(), c"panicgen_unheld".as_char_ptr(), class.as_ptr())
    };
    // SAFETY: The lock is initialised. Unlocking it while unheld is the fault: lockdep and
    // DEBUG_SPINLOCK check the release and report it.
    unsafe { bindings::spin_unlock(lock.get()) };
    Ok(())
}
