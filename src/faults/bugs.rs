// SPDX-License-Identifier: GPL-2.0

//! Faults of the `bugs` category: the kernel's and Rust's own assertion machinery.

use core::hint::black_box;

use kernel::{
    bindings,
    prelude::*, //
};

use crate::catalog::Context;

/// Like C's `BUG()`, but the `__bug_table` entry names the Rust caller's file and line.
///
/// `kernel::bindings::BUG()` would report `rust/helpers/bug.c`; this emits the same trapping
/// instruction and bug-table entry as C's `BUG()` (flags 0), using the architecture template
/// the kernel generates for `warn_on!`.
macro_rules! bug {
    () => {{
        const FILE_STR: &str = file!();
        // The bug table points at a NUL-terminated copy of the file name.
        static FILE: [u8; FILE_STR.len() + 1] = {
            let mut bytes = [0; FILE_STR.len() + 1];
            let mut i = 0;
            while i < FILE_STR.len() {
                bytes[i] = FILE_STR.as_bytes()[i];
                i += 1;
            }
            bytes
        };
        // SAFETY: The template traps (`ud2` on x86_64, `brk` on arm64) after recording a
        // `bug_entry` built from compile-time constants. The trap handler finds the entry, sees
        // no `BUGFLAG_WARNING` and kills the task, so execution never continues past the trap.
        unsafe {
            kernel::asm!(
                concat!(
                    "/* {size} */",
                    include!(concat!(
                        env!("OBJTREE"),
                        "/rust/kernel/generated_arch_warn_asm.rs"
                    ))
                );
                file = sym FILE,
                line = const line!(),
                flags = const 0,
                size = const core::mem::size_of::<bindings::bug_entry>(),
                options(noreturn)
            )
        }
    }};
}

/// `BUG` fault.
#[inline(never)]
pub(super) fn bug(_: Context) -> Result {
    bug!()
}

/// `PANIC` fault.
#[inline(never)]
pub(super) fn panic(_: Context) -> Result {
    // SAFETY: `panic` takes a printf format and its arguments: "%s" and a NUL-terminated
    // string. It never returns.
    unsafe {
        bindings::panic(
            c"%s".as_char_ptr(),
            c"panicgen: PANIC requested".as_char_ptr(),
        )
    }
}

/// `WARN` fault.
#[inline(never)]
pub(super) fn warn(_: Context) -> Result {
    kernel::warn_on!(black_box(true));
    Ok(())
}

/// `RUST_PANIC` fault.
#[inline(never)]
pub(super) fn rust_panic(_: Context) -> Result {
    panic!("panicgen: RUST_PANIC requested")
}

/// `RUST_OVERFLOW` fault: needs `CONFIG_RUST_OVERFLOW_CHECKS`, else the sum wraps.
#[inline(never)]
pub(super) fn rust_overflow(_: Context) -> Result {
    let big = black_box(u32::MAX);
    black_box(big + black_box(1));
    Ok(())
}

/// `RUST_BOUNDS` fault.
#[inline(never)]
pub(super) fn rust_bounds(_: Context) -> Result {
    let array = [0u8; 4];
    let slice: &[u8] = black_box(&array);
    black_box(slice[black_box(7)]);
    Ok(())
}
