// SPDX-License-Identifier: GPL-2.0

//! Faults of the `cpu` category: exceptions raised by the processor itself.

use kernel::prelude::*;

use crate::catalog::Context;

/// `INVALID_OPCODE` fault: an undefined instruction with no bug-table entry.
#[inline(never)]
pub(super) fn invalid_opcode(_: Context) -> Result {
    // SAFETY: The undefined instruction traps; the trap handler kills the context, so the
    // block never falls through.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        kernel::asm!("ud2"; options(noreturn, nostack));
        #[cfg(target_arch = "aarch64")]
        kernel::asm!("udf #0"; options(noreturn, nostack));
    }
}

/// `DIVIDE_ERROR` fault: x86's `div` by zero raises #DE. arm64 division by zero yields 0, so
/// the catalog marks the fault unsupported there and the trigger refuses it.
#[inline(never)]
pub(super) fn divide_error(_: Context) -> Result {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `div` by a zero register raises #DE, which kills the context: the block never
    // falls through.
    unsafe {
        kernel::asm!(
            "xorl %edx, %edx\n\tdivl {zero:e}\n\tud2";
            zero = in(reg) 0u32,
            in("eax") 1u32,
            options(noreturn, nostack)
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    Err(crate::glue::eopnotsupp())
}
