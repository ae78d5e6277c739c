// SPDX-License-Identifier: GPL-2.0

//! Faults of the `memory` category.
//!
//! Every invalid access happens in inline assembly or in C (`src/canary.c`, `src/slab.c`),
//! never through a Rust reference. Each asm block ends in an undefined instruction, so that an
//! access that does not fault traps with a different message instead of being survived.

use core::{
    cell::UnsafeCell,
    hint::black_box, //
};

use kernel::{
    error::to_result,
    ffi::c_int,
    prelude::*, //
};

use crate::catalog::Context;

/// `NULL_DEREF` fault: a store to virtual address 0.
#[inline(never)]
pub(super) fn null_deref(_: Context) -> Result {
    // SAFETY: The store targets address 0, which is never mapped for the kernel: the page fault
    // kills the context. Nothing Rust can see is touched, and the block never falls through.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        kernel::asm!(
            "movq {val}, ({addr})\n\tud2";
            addr = in(reg) 0usize,
            val = in(reg) 0x5a5a_5a5a_usize,
            options(noreturn, nostack)
        );
        #[cfg(target_arch = "aarch64")]
        kernel::asm!(
            "str {val}, [{addr}]\n\tudf #0";
            addr = in(reg) 0usize,
            val = in(reg) 0x5a5a_5a5a_usize,
            options(noreturn, nostack)
        );
    }
}

/// `NULL_READ` fault: a load from virtual address 0.
#[inline(never)]
pub(super) fn null_read(_: Context) -> Result {
    // SAFETY: As for `null_deref`, with a load.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        kernel::asm!(
            "movq ({addr}), {addr}\n\tud2";
            addr = in(reg) 0usize,
            options(noreturn, nostack)
        );
        #[cfg(target_arch = "aarch64")]
        kernel::asm!(
            "ldr {addr}, [{addr}]\n\tudf #0";
            addr = in(reg) 0usize,
            options(noreturn, nostack)
        );
    }
}

/// The x86_64 instructions of a call through `{addr}` that must fault, then `ud2`. The call
/// carries objtool's `ANNOTATE_RETPOLINE_SAFE` (type 2 in `.discard.annotate_insn`, as
/// `include/linux/annotate.h` writes it): in a retpoline kernel, such as Debian's, objtool
/// otherwise warns about an indirect call. It is meant to fault, not to be speculated through.
#[cfg(target_arch = "x86_64")]
macro_rules! faulting_call {
    () => {
        concat!(
            "911: call *{addr}\n",
            ".pushsection .discard.annotate_insn, \"M\", @progbits, 8\n",
            ".long 911b - ., 2\n",
            ".popsection\n",
            "ud2"
        )
    };
}

/// `NULL_EXEC` fault: a call to virtual address 0.
#[inline(never)]
pub(super) fn null_exec(_: Context) -> Result {
    // SAFETY: The call's target is never mapped: the instruction fetch faults and kills the
    // context before anything runs there.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        kernel::asm!(
            faulting_call!();
            addr = in(reg) 0usize,
            options(noreturn)
        );
        #[cfg(target_arch = "aarch64")]
        kernel::asm!(
            "blr {addr}\n\tudf #0";
            addr = in(reg) 0usize,
            options(noreturn)
        );
    }
}

/// A value in the module's read-only data.
static RODATA: u64 = 0x0123_4567_89ab_cdef;

/// `WRITE_RODATA` fault: a store to [`RODATA`], mapped read-only (`STRICT_MODULE_RWX`).
#[inline(never)]
pub(super) fn write_rodata(_: Context) -> Result {
    let addr = black_box(&raw const RODATA);
    // SAFETY: The store targets a read-only mapping and faults; Rust never observes the value
    // changing because the block does not fall through.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        kernel::asm!(
            "movq {val}, ({addr})\n\tud2";
            addr = in(reg) addr,
            val = in(reg) 0x5a5a_5a5a_usize,
            options(noreturn, nostack)
        );
        #[cfg(target_arch = "aarch64")]
        kernel::asm!(
            "str {val}, [{addr}]\n\tudf #0";
            addr = in(reg) addr,
            val = in(reg) 0x5a5a_5a5a_usize,
            options(noreturn, nostack)
        );
    }
}

/// Machine code for "return", placed in the module's writable (never executable) data.
#[repr(transparent)]
struct Code(UnsafeCell<[u8; 16]>);

// SAFETY: Nothing ever writes the cell; it only needs to live in writable data.
unsafe impl Sync for Code {}

#[cfg(target_arch = "x86_64")]
static DATA_CODE: Code = Code(UnsafeCell::new([0xc3; 16])); // ret
#[cfg(target_arch = "aarch64")]
static DATA_CODE: Code = Code(UnsafeCell::new([
    0xc0, 0x03, 0x5f, 0xd6, 0xc0, 0x03, 0x5f, 0xd6, 0xc0, 0x03, 0x5f, 0xd6, 0xc0, 0x03, 0x5f, 0xd6,
])); // ret

/// `EXEC_DATA` fault: a call into [`DATA_CODE`]; the NX mapping faults on the fetch.
#[inline(never)]
pub(super) fn exec_data(_: Context) -> Result {
    let addr = black_box(DATA_CODE.0.get());
    // SAFETY: The target holds a bare `ret`: should the data be executable, the call returns
    // at once and the undefined instruction traps. Otherwise the fetch faults.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        kernel::asm!(
            faulting_call!();
            addr = in(reg) addr,
            options(noreturn)
        );
        #[cfg(target_arch = "aarch64")]
        kernel::asm!(
            "blr {addr}\n\tudf #0";
            addr = in(reg) addr,
            options(noreturn)
        );
    }
}

/// Recurses with a 512-byte frame until the stack's guard page stops it.
#[inline(never)]
fn recurse(depth: u64) -> u64 {
    let mut frame = [0u8; 512];
    frame[0] = depth as u8;
    black_box(&mut frame);
    if black_box(depth) == u64::MAX {
        return 0;
    }
    recurse(depth + 1) + u64::from(frame[(depth % 512) as usize])
}

/// `STACK_OVERFLOW` fault.
#[inline(never)]
pub(super) fn stack_overflow(_: Context) -> Result {
    black_box(recurse(0));
    Ok(())
}

unsafe extern "C" {
    // Implemented in src/canary.c, src/slab.c and src/bounds.c, in C: the kernel builds Rust
    // without the stack protector, invalid heap accesses never happen in Rust, and UBSAN
    // instruments only C.
    fn panicgen_stack_canary();
    fn panicgen_stack_canary_strong();
    fn panicgen_slab_init() -> c_int;
    fn panicgen_slab_exit();
    fn panicgen_use_after_free() -> c_int;
    fn panicgen_double_free() -> c_int;
    fn panicgen_slab_oob() -> c_int;
    fn panicgen_array_bounds() -> c_int;
}

/// The slab faults' debug cache (`src/slab.c`): made while a value of this type exists, at
/// load, because making it sleeps and the faults run in any context. Dropping it destroys
/// the cache unless a fault has used it.
///
/// As for [`crate::deferral::Deferral`], the C side is one set of statics: at most one value
/// may exist at a time, which only the module's init can promise.
pub(crate) struct SlabCache(());

impl SlabCache {
    /// Makes the cache.
    ///
    /// # Safety
    ///
    /// No other [`SlabCache`] exists, and none is made while this one lives: only the
    /// module's init calls this.
    pub(crate) unsafe fn new() -> Result<Self> {
        // SAFETY: The caller guarantees this is the only live `SlabCache`, so no fault uses
        // the cache while it is made; the call may sleep, and init runs in process context.
        to_result(unsafe { panicgen_slab_init() })?;
        Ok(SlabCache(()))
    }
}

impl Drop for SlabCache {
    fn drop(&mut self) {
        // SAFETY: Called once, at module exit, after the trigger file and the deferred
        // contexts are gone: no fault can use the cache any more.
        unsafe { panicgen_slab_exit() };
    }
}

/// `STACK_CANARY` fault.
pub(super) fn stack_canary(_: Context) -> Result {
    // SAFETY: The C function takes no arguments. It corrupts only its own frame, and the
    // stack protector's check in its epilogue panics before that frame is used to return.
    unsafe { panicgen_stack_canary() };
    Ok(())
}

/// `STACK_CANARY_STRONG` fault.
pub(super) fn stack_canary_strong(_: Context) -> Result {
    // SAFETY: As for `stack_canary`.
    unsafe { panicgen_stack_canary_strong() };
    Ok(())
}

/// `USE_AFTER_FREE` fault.
pub(super) fn use_after_free(_: Context) -> Result {
    // SAFETY: The C function corrupts only a freed object of panicgen's debug cache (made at
    // load, see `SlabCache`), which SLUB then reports; it takes no arguments.
    to_result(unsafe { panicgen_use_after_free() })
}

/// `DOUBLE_FREE` fault.
pub(super) fn double_free(_: Context) -> Result {
    // SAFETY: The second free is of an object of panicgen's debug cache, where SLUB detects
    // it and refuses it.
    to_result(unsafe { panicgen_double_free() })
}

/// `SLAB_OOB` fault.
pub(super) fn slab_oob(_: Context) -> Result {
    // SAFETY: The C function writes only into the red zone of an object of panicgen's debug
    // cache.
    to_result(unsafe { panicgen_slab_oob() })
}

/// `ARRAY_BOUNDS` fault.
pub(super) fn array_bounds(_: Context) -> Result {
    // SAFETY: The C function writes one past the end of an array of its own static structure,
    // into the structure's next member: nothing else is touched.
    to_result(unsafe { panicgen_array_bounds() })
}
