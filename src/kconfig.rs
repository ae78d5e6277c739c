// SPDX-License-Identifier: GPL-2.0

//! Whether this kernel has the options the catalog's faults need (`needs=` in the listing).

/// Looks `name` up in the kernel configuration this module was built against; `None` for an
/// option the table does not know (every option the catalog names is in it).
pub(crate) fn enabled(name: &str) -> Option<bool> {
    macro_rules! table {
        ($($option:ident,)*) => {
            match name {
                $(stringify!($option) => Some(cfg!($option)),)*
                _ => None,
            }
        };
    }
    table!(
        CONFIG_BUG,
        CONFIG_DEBUG_ATOMIC_SLEEP,
        CONFIG_DEBUG_BUGVERBOSE,
        CONFIG_DEBUG_LIST,
        CONFIG_DETECT_HUNG_TASK,
        CONFIG_HARDLOCKUP_DETECTOR_BUDDY,
        CONFIG_KASAN_GENERIC,
        CONFIG_KPROBES,
        CONFIG_PROVE_LOCKING,
        CONFIG_RCU_STALL_COMMON,
        CONFIG_RUST_OVERFLOW_CHECKS,
        CONFIG_SLUB_DEBUG,
        CONFIG_SOFTLOCKUP_DETECTOR,
        CONFIG_STACKPROTECTOR,
        CONFIG_STACKPROTECTOR_STRONG,
        CONFIG_STRICT_MODULE_RWX,
        CONFIG_UBSAN_BOUNDS,
        CONFIG_VMAP_STACK,
    )
}
