// SPDX-License-Identifier: GPL-2.0

//! Faults of the `integrity` category: the kernel's data-structure sanity checks.

use kernel::{
    bindings,
    prelude::*,
    sync::Refcount,
    types::Opaque, //
};

use crate::catalog::Context;

/// `REFCOUNT_UNDERFLOW` fault: `refcount_t` saturates and warns instead of wrapping.
#[inline(never)]
pub(super) fn refcount_underflow(_: Context) -> Result {
    let count = Refcount::new(1);
    // The first decrement reaches 0 (true); the second is the underflow.
    let _ = count.dec_and_test();
    let _ = count.dec_and_test();
    Ok(())
}

/// `REFCOUNT_OVERFLOW` fault.
#[inline(never)]
pub(super) fn refcount_overflow(_: Context) -> Result {
    let count = Refcount::new(1);
    count.set(i32::MAX);
    count.inc();
    Ok(())
}

/// `LIST_CORRUPTION` fault: a C `list_head` whose entry's `next` was overwritten, then
/// `list_add_tail()`; DEBUG_LIST validates the neighbours and reports.
#[inline(never)]
pub(super) fn list_corruption(_: Context) -> Result {
    let nodes = KBox::new(
        [const { Opaque::<bindings::list_head>::uninit() }; 4],
        GFP_ATOMIC,
    )?;
    let [head, a, b, stray] = [0, 1, 2, 3].map(|i| nodes[i].get());
    // SAFETY: All four nodes are valid, writable `list_head`s that live until the end of this
    // function. Overwriting `a.next` with another valid node's address corrupts the list's
    // links without touching invalid memory; `list_add_tail` then detects it.
    unsafe {
        bindings::INIT_LIST_HEAD(head);
        bindings::INIT_LIST_HEAD(stray);
        bindings::list_add_tail(a, head);
        (*a).next = stray;
        bindings::list_add_tail(b, head);
    }
    Ok(())
}
