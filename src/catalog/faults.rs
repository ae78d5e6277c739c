// SPDX-License-Identifier: GPL-2.0

//! The catalog's entries: every fault, the module function that implements it, its contexts,
//! the options it needs and the kernel messages that prove it on each arch.
//!
//! Adding a fault is one entry in [`fault_list`] and its function, `fn NAME(Context) -> Result`
//! in the module's `src/faults/CATEGORY.rs`. The catalog expands the list into [`FaultId`]
//! and [`FAULTS`]; the module expands the same list into its dispatch (`src/faults/mod.rs`),
//! so an entry whose category or function does not exist, or has another signature, does
//! not compile.

use super::*;

use super::messages::{
    HUNG,
    HUNG_TIMEOUT,
    KASAN_FATAL,
    LOCKDEP_CIRCULAR,
    LOCKDEP_RECURSIVE,
    NULL_ARM64,
    NULL_X86,
    SOFT_LOCKUP,
    UBSAN_FATAL,
    WATCHDOG, //
};

/// A fault whose message is the same on both arches.
macro_rules! same {
    ($($line:expr),+ $(,)?) => {
        ByArch {
            x86_64: Expect::Lines(&[$($line),+]),
            arm64: Expect::Lines(&[$($line),+]),
        }
    };
}

/// Contexts in which a CPU spinning with preemption (not interrupts) off is seen by the
/// soft-lockup detector, whose timer interrupt still runs there.
const SOFT_LOCKUP_CONTEXTS: Contexts = Contexts::of(&[
    Context::Process,
    Context::Softirq,
    Context::Workqueue,
    Context::Kthread,
    Context::PreemptOff,
]);

/// KASAN's report of a slab fault (generic mode, the one Rust kernels can build on both
/// arches), made at the invalid access itself, before SLUB debug checks the object: `lines`
/// on both arches. Fatal with `kasan.fault=panic` (or `panic_on_warn`).
const fn kasan(description: &'static str, lines: &'static [&'static str]) -> Alternative {
    Alternative {
        needs: &["CONFIG_KASAN_GENERIC"],
        contexts: Contexts::ALL,
        kind: Kind::Sanitizer(&KASAN_FATAL),
        boot_args: "",
        description,
        x86_64: Expect::Lines(lines),
        arm64: Expect::Lines(lines),
    }
}

/// Every fault, in listing order, as entries with named fields, handed to the macro `$then`.
///
/// `NAME { category: FILE, function: FN, ... }`: `NAME` is written to the trigger file;
/// `src/faults/FILE.rs` implements it as `FN`. The other fields, in this order, are
/// [`Fault`]'s: `kind`, `contexts`, `needs`, `boot_args`, `description`, `expect` (a
/// [`ByArch`]: `same!(...)` when both arches print the same lines) and, optionally,
/// `preempted_by` and `otherwise`.
macro_rules! fault_list {
    ($then:ident) => {
        $then! {
            // bugs
            BUG {
                category: bugs,
                function: bug,
                kind: Kind::Oops,
                contexts: Contexts::ALL,
                needs: &["CONFIG_BUG", "CONFIG_DEBUG_BUGVERBOSE"],
                boot_args: "",
                description: "BUG() whose bug-table entry names a panicgen Rust source line",
                expect: same!(r"kernel BUG at [^ ]*src/faults/bugs\.rs:[0-9]+!"),
            },
            PANIC {
                category: bugs,
                function: panic,
                kind: Kind::Panic,
                contexts: Contexts::ALL,
                needs: &[],
                boot_args: "",
                description: "panic() with a panicgen message",
                expect: same!(r"Kernel panic - not syncing: panicgen: PANIC requested"),
            },
            WARN {
                category: bugs,
                function: warn,
                kind: Kind::Warn,
                contexts: Contexts::ALL,
                needs: &["CONFIG_BUG"],
                boot_args: "",
                description: "warn_on!() from panicgen's Rust code",
                expect: same!(r"WARNING: [^ ]*src/faults/bugs\.rs:[0-9]+ at "),
            },
            RUST_PANIC {
                category: bugs,
                function: rust_panic,
                kind: Kind::Oops,
                contexts: Contexts::ALL,
                needs: &[],
                boot_args: "",
                description: "panic!() in Rust: the kernel crate's panic handler reports it and \
                              calls BUG()",
                expect: same!(
                    r"rust_kernel: panicked at [^ ]*src/faults/bugs\.rs:[0-9]+:[0-9]+:",
                    r"panicgen: RUST_PANIC requested",
                    r"kernel BUG at "
                ),
            },
            RUST_OVERFLOW {
                category: bugs,
                function: rust_overflow,
                kind: Kind::Oops,
                contexts: Contexts::ALL,
                needs: &["CONFIG_RUST_OVERFLOW_CHECKS"],
                boot_args: "",
                description: "u32 addition overflow caught by Rust's overflow checks",
                expect: same!(
                    r"rust_kernel: panicked at [^ ]*src/faults/bugs\.rs:[0-9]+:[0-9]+:",
                    r"attempt to add with overflow"
                ),
            },
            RUST_BOUNDS {
                category: bugs,
                function: rust_bounds,
                kind: Kind::Oops,
                contexts: Contexts::ALL,
                needs: &[],
                boot_args: "",
                description: "slice index out of bounds caught by Rust's bounds checks",
                expect: same!(
                    r"rust_kernel: panicked at [^ ]*src/faults/bugs\.rs:[0-9]+:[0-9]+:",
                    r"index out of bounds: the len is 4 but the index is [0-9]+"
                ),
            },
            // memory
            NULL_DEREF {
                category: memory,
                function: null_deref,
                kind: Kind::Oops,
                contexts: Contexts::ALL,
                needs: &[],
                boot_args: "",
                description: "store to address 0 (inline asm: no Rust-level undefined behaviour)",
                expect: ByArch {
                    x86_64: Expect::Lines(&[
                        NULL_X86,
                        r"#PF: supervisor write access in kernel mode"
                    ]),
                    arm64: Expect::Lines(&[
                        NULL_ARM64,
                        r"EC = 0x25: DABT \(current EL\)",
                        r"WnR = 1"
                    ]),
                },
            },
            NULL_READ {
                category: memory,
                function: null_read,
                kind: Kind::Oops,
                contexts: Contexts::ALL,
                needs: &[],
                boot_args: "",
                description: "load from address 0 (inline asm)",
                expect: ByArch {
                    x86_64: Expect::Lines(&[
                        NULL_X86,
                        r"#PF: supervisor read access in kernel mode"
                    ]),
                    arm64: Expect::Lines(&[
                        NULL_ARM64,
                        r"EC = 0x25: DABT \(current EL\)",
                        r"WnR = 0"
                    ]),
                },
            },
            NULL_EXEC {
                category: memory,
                function: null_exec,
                kind: Kind::Oops,
                contexts: Contexts::ALL,
                needs: &[],
                boot_args: "",
                description: "call to address 0 (inline asm)",
                expect: ByArch {
                    x86_64: Expect::Lines(&[
                        NULL_X86,
                        r"#PF: supervisor instruction fetch in kernel mode"
                    ]),
                    arm64: Expect::Lines(&[NULL_ARM64, r"EC = 0x21: IABT \(current EL\)"]),
                },
            },
            WRITE_RODATA {
                category: memory,
                function: write_rodata,
                kind: Kind::Oops,
                contexts: Contexts::ALL,
                needs: &["CONFIG_STRICT_MODULE_RWX"],
                boot_args: "",
                description: "store to panicgen's read-only data (inline asm)",
                expect: ByArch {
                    x86_64: Expect::Lines(&[
                        r"BUG: unable to handle page fault for address: ",
                        r"#PF: supervisor write access in kernel mode",
                        r"#PF: error_code\(0x0003\) - permissions violation"
                    ]),
                    arm64: Expect::Lines(&[
                        r"Unable to handle kernel write to read-only memory at virtual address "
                    ]),
                },
            },
            EXEC_DATA {
                category: memory,
                function: exec_data,
                kind: Kind::Oops,
                contexts: Contexts::ALL,
                needs: &["CONFIG_STRICT_MODULE_RWX"],
                boot_args: "",
                description: "call into panicgen's writable data, which is never executable (NX)",
                expect: ByArch {
                    x86_64: Expect::Lines(&[
                        r"kernel tried to execute NX-protected page - exploit attempt\?",
                        r"#PF: supervisor instruction fetch in kernel mode"
                    ]),
                    arm64: Expect::Lines(&[
                        r"Unable to handle kernel execute from non-executable memory at virtual address "
                    ]),
                },
            },
            STACK_OVERFLOW {
                category: memory,
                function: stack_overflow,
                kind: Kind::Panic,
                contexts: Contexts::SLEEPABLE,
                needs: &["CONFIG_VMAP_STACK"],
                boot_args: "",
                description: "unbounded recursion into the stack's guard page",
                expect: ByArch {
                    x86_64: Expect::Lines(&[r"BUG: [A-Z]+ stack guard page was hit at "]),
                    arm64: Expect::Lines(&[
                        r"Insufficient stack space to handle exception!",
                        r"Kernel panic - not syncing: kernel stack overflow"
                    ]),
                },
            },
            STACK_CANARY {
                category: memory,
                function: stack_canary,
                kind: Kind::Panic,
                contexts: Contexts::ALL,
                needs: &["CONFIG_STACKPROTECTOR"],
                boot_args: "",
                description: "overrun a live char buffer in C up to and including the stack \
                              canary (the saved registers above it stay intact), so the stack \
                              protector's check fires",
                expect: same!(
                    r"Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: panicgen_stack_canary\+0x[0-9a-f]+/0x[0-9a-f]+ \[panicgen\]"
                ),
            },
            STACK_CANARY_STRONG {
                category: memory,
                function: stack_canary_strong,
                kind: Kind::Panic,
                contexts: Contexts::ALL,
                needs: &["CONFIG_STACKPROTECTOR_STRONG"],
                boot_args: "",
                description: "overrun a long array, which only -fstack-protector-strong guards",
                expect: same!(
                    r"Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: panicgen_stack_canary_strong\+0x[0-9a-f]+/0x[0-9a-f]+ \[panicgen\]"
                ),
            },
            USE_AFTER_FREE {
                category: memory,
                function: use_after_free,
                kind: Kind::Warn,
                contexts: Contexts::ALL,
                needs: &["CONFIG_SLUB_DEBUG"],
                boot_args: "",
                description: "write to a freed object of a poisoned slab cache, then allocate it \
                              again",
                expect: same!(
                    r"\[Poison overwritten\] ",
                    r"BUG panicgen_slab \(.*\): Object corrupt"
                ),
                preempted_by: &[kasan(
                    "KASAN reports the write to the freed object as it happens",
                    &[
                        r"BUG: KASAN: slab-use-after-free in panicgen_use_after_free\+0x[0-9a-f]+/0x[0-9a-f]+ \[panicgen\]",
                        r"Write of size 1 at addr [0-9a-f]+ by task ",
                    ]
                )],
            },
            DOUBLE_FREE {
                category: memory,
                function: double_free,
                kind: Kind::Warn,
                contexts: Contexts::ALL,
                needs: &["CONFIG_SLUB_DEBUG"],
                boot_args: "",
                description: "free an object of a debug slab cache twice",
                expect: same!(r"BUG panicgen_slab \(.*\): Object already free"),
                preempted_by: &[kasan(
                    "KASAN reports the second free as it happens",
                    &[
                        r"BUG: KASAN: double-free in panicgen_double_free\+0x[0-9a-f]+/0x[0-9a-f]+ \[panicgen\]",
                        r"Free of addr [0-9a-f]+ by task ",
                    ]
                )],
            },
            SLAB_OOB {
                category: memory,
                function: slab_oob,
                kind: Kind::Warn,
                contexts: Contexts::ALL,
                needs: &["CONFIG_SLUB_DEBUG"],
                boot_args: "",
                description: "write past the end of a slab object into its red zone, then free it",
                expect: same!(
                    r"\[Right Redzone overwritten\] ",
                    r"BUG panicgen_slab \(.*\): Object corrupt"
                ),
                preempted_by: &[kasan(
                    "KASAN reports the write past the object as it happens",
                    &[
                        r"BUG: KASAN: slab-out-of-bounds in panicgen_slab_oob\+0x[0-9a-f]+/0x[0-9a-f]+ \[panicgen\]",
                        r"Write of size 1 at addr [0-9a-f]+ by task ",
                    ]
                )],
            },
            ARRAY_BOUNDS {
                category: memory,
                function: array_bounds,
                kind: Kind::Sanitizer(&UBSAN_FATAL),
                contexts: Contexts::ALL,
                needs: &["CONFIG_UBSAN_BOUNDS"],
                boot_args: "",
                description: "C array indexed one past its end, within panicgen's own structure \
                              (UBSAN's bounds check; Rust's own is RUST_BOUNDS)",
                expect: same!(
                    r"UBSAN: array-index-out-of-bounds in [^ ]*src/bounds\.c:[0-9]+:[0-9]+",
                    r"index 4 is out of range for type 'int ?\[4\]'"
                ),
            },
            // locking
            SPINLOCK_RECURSION {
                category: locking,
                function: spinlock_recursion,
                kind: Kind::Lockdep,
                contexts: Contexts::ALL,
                needs: &["CONFIG_PROVE_LOCKING"],
                boot_args: "",
                description: "acquire a held SpinLock again from the same context (the CPU then \
                              spins)",
                expect: same!(
                    r"WARNING: possible recursive locking detected|BUG: spinlock recursion on CPU#[0-9]+"
                ),
                otherwise: &[Alternative {
                    needs: &["CONFIG_SOFTLOCKUP_DETECTOR"],
                    contexts: SOFT_LOCKUP_CONTEXTS,
                    kind: Kind::Hang("softlockup_panic"),
                    boot_args: WATCHDOG,
                    description: "a real self-deadlock: the CPU spins on the lock until the \
                                  soft-lockup detector reports it",
                    x86_64: Expect::Lines(&[SOFT_LOCKUP]),
                    arm64: Expect::Lines(&[SOFT_LOCKUP]),
                }],
            },
            SPINLOCK_SAME_CLASS {
                category: locking,
                function: spinlock_same_class,
                kind: Kind::Lockdep,
                contexts: Contexts::ALL,
                needs: &["CONFIG_PROVE_LOCKING"],
                boot_args: "",
                description: "nest two SpinLocks of one lock class without a nesting annotation \
                              (no hang)",
                expect: same!(LOCKDEP_RECURSIVE),
            },
            MUTEX_RECURSION {
                category: locking,
                function: mutex_recursion,
                kind: Kind::Lockdep,
                contexts: Contexts::SLEEPABLE,
                needs: &["CONFIG_PROVE_LOCKING"],
                boot_args: "",
                description: "lock a held Mutex again (the task then blocks for good)",
                expect: same!(LOCKDEP_RECURSIVE),
                otherwise: &[Alternative {
                    needs: &["CONFIG_DETECT_HUNG_TASK"],
                    contexts: Contexts::SLEEPABLE,
                    kind: Kind::Hang("hung_task_panic"),
                    boot_args: HUNG_TIMEOUT,
                    description: "a real self-deadlock: the task sleeps on the mutex until the \
                                  hung-task detector reports it",
                    x86_64: Expect::Lines(&[HUNG]),
                    arm64: Expect::Lines(&[HUNG]),
                }],
            },
            LOCK_ORDER_ABBA {
                category: locking,
                function: lock_order_abba,
                kind: Kind::Lockdep,
                contexts: Contexts::ALL,
                needs: &["CONFIG_PROVE_LOCKING"],
                boot_args: "",
                description: "take SpinLock A then B, later B then A, in one thread (no real \
                              deadlock)",
                expect: same!(LOCKDEP_CIRCULAR),
            },
            MUTEX_ORDER_ABBA {
                category: locking,
                function: mutex_order_abba,
                kind: Kind::Lockdep,
                contexts: Contexts::SLEEPABLE,
                needs: &["CONFIG_PROVE_LOCKING"],
                boot_args: "",
                description: "take Mutex A then B, later B then A, in one thread",
                expect: same!(LOCKDEP_CIRCULAR),
            },
            LOCK_ORDER_CYCLE3 {
                category: locking,
                function: lock_order_cycle3,
                kind: Kind::Lockdep,
                contexts: Contexts::ALL,
                needs: &["CONFIG_PROVE_LOCKING"],
                boot_args: "",
                description: "take SpinLocks A-B, B-C, then C-A: a three-lock cycle",
                expect: same!(LOCKDEP_CIRCULAR),
            },
            IRQ_LOCK_INVERSION {
                category: locking,
                function: irq_lock_inversion,
                kind: Kind::Lockdep,
                contexts: Contexts::PROCESS,
                needs: &["CONFIG_PROVE_LOCKING"],
                boot_args: "",
                description: "take a SpinLock with interrupts on, then in a hardirq (hrtimer) \
                              callback",
                expect: same!(
                    r"WARNING: inconsistent lock state",
                    r"inconsistent \{HARDIRQ-ON-W\} -> \{IN-HARDIRQ-W\} usage\."
                ),
            },
            SLEEP_IN_ATOMIC {
                category: locking,
                function: sleep_in_atomic,
                kind: Kind::Warn,
                contexts: Contexts::TASK,
                needs: &["CONFIG_DEBUG_ATOMIC_SLEEP"],
                boot_args: "",
                description: "might_sleep() while holding a SpinLock",
                expect: same!(
                    r"BUG: sleeping function called from invalid context at [^ ]*src/faults/locking\.rs:[0-9]+"
                ),
            },
            UNLOCK_UNHELD {
                category: locking,
                function: unlock_unheld,
                kind: Kind::Lockdep,
                contexts: Contexts::ALL,
                needs: &["CONFIG_PROVE_LOCKING"],
                boot_args: "",
                description: "release a spinlock that is not held (C spin_unlock through the \
                              bindings)",
                expect: same!(r"WARNING: bad unlock balance detected!"),
            },
            // hangs
            SOFTLOCKUP {
                category: hangs,
                function: softlockup,
                kind: Kind::Hang("softlockup_panic"),
                contexts: Contexts::of(&[
                    Context::Process,
                    Context::Workqueue,
                    Context::Kthread,
                    Context::PreemptOff
                ]),
                needs: &["CONFIG_SOFTLOCKUP_DETECTOR"],
                boot_args: WATCHDOG,
                description: "spin with preemption disabled for 8 s (watchdog_thresh=1: reported \
                              after 2 s)",
                expect: same!(SOFT_LOCKUP),
            },
            HARDLOCKUP {
                category: hangs,
                function: hardlockup,
                kind: Kind::Hang("hardlockup_panic"),
                // An interrupt handler stuck with interrupts off is a hard lockup as real as
                // a task's: the buddy detector sees this CPU's hrtimer stop all the same.
                contexts: Contexts::of(&[
                    Context::Process,
                    Context::Hardirq,
                    Context::Workqueue,
                    Context::Kthread,
                    Context::IrqOff
                ]),
                // The buddy detector: the perf one needs a PMU, which QEMU's TCG has not
                // (Debian's amd64 kernel has only that one; its arm64 kernel, the buddy).
                needs: &["CONFIG_HARDLOCKUP_DETECTOR_BUDDY"],
                boot_args: WATCHDOG,
                description: "spin with interrupts disabled for 8 s (another CPU's buddy detector \
                              reports it)",
                expect: same!(r"watchdog: CPU[0-9]+: Watchdog detected hard LOCKUP on cpu [0-9]+"),
            },
            HUNG_TASK {
                category: hangs,
                function: hung_task,
                kind: Kind::Hang("hung_task_panic"),
                contexts: Contexts::SLEEPABLE,
                needs: &["CONFIG_DETECT_HUNG_TASK"],
                boot_args: HUNG_TIMEOUT,
                description: "sleep uninterruptibly for 10 s (timeout 2 s)",
                expect: same!(HUNG),
            },
            RCU_STALL {
                category: hangs,
                function: rcu_stall,
                kind: Kind::Hang("panic_on_rcu_stall"),
                contexts: Contexts::of(&[
                    Context::Process,
                    Context::Workqueue,
                    Context::Kthread,
                    Context::PreemptOff
                ]),
                needs: &["CONFIG_RCU_STALL_COMMON"],
                boot_args: "rcupdate.rcu_cpu_stall_timeout=3",
                description: "spin in an RCU read-side section with preemption disabled for 15 s",
                expect: same!(
                    r"rcu: INFO: rcu_[a-z]+ (self-detected stall on CPU|detected stalls on CPUs/tasks:)"
                ),
            },
            // integrity
            REFCOUNT_UNDERFLOW {
                category: integrity,
                function: refcount_underflow,
                kind: Kind::Warn,
                contexts: Contexts::ALL,
                needs: &[],
                boot_args: "",
                description: "decrement a Refcount that is already 0",
                expect: same!(r"refcount_t: underflow; use-after-free\."),
            },
            REFCOUNT_OVERFLOW {
                category: integrity,
                function: refcount_overflow,
                kind: Kind::Warn,
                contexts: Contexts::ALL,
                needs: &[],
                boot_args: "",
                description: "increment a Refcount at i32::MAX",
                expect: same!(r"refcount_t: saturated; leaking memory\."),
            },
            LIST_CORRUPTION {
                category: integrity,
                function: list_corruption,
                kind: Kind::Warn,
                contexts: Contexts::ALL,
                needs: &["CONFIG_DEBUG_LIST"],
                boot_args: "",
                description: "list_add() next to an entry whose links were overwritten",
                expect: same!(r"list_add corruption\. "),
            },
            // cpu
            INVALID_OPCODE {
                category: cpu,
                function: invalid_opcode,
                kind: Kind::Oops,
                contexts: Contexts::ALL,
                needs: &[],
                boot_args: "",
                description: "execute an undefined instruction (ud2 / udf #0) with no bug-table \
                              entry",
                expect: ByArch {
                    x86_64: Expect::Lines(&[r"Oops: invalid opcode: 0000 "]),
                    arm64: Expect::Lines(&[r"Internal error: Oops - Undefined instruction: "]),
                },
            },
            DIVIDE_ERROR {
                category: cpu,
                function: divide_error,
                kind: Kind::Oops,
                contexts: Contexts::ALL,
                needs: &[],
                boot_args: "",
                description: "integer division by zero in inline asm (x86 #DE)",
                expect: ByArch {
                    x86_64: Expect::Lines(&[r"Oops: divide error: 0000 "]),
                    arm64: Expect::Unsupported(
                        "arm64 integer division by zero returns 0 and never traps"
                    ),
                },
            },
        }
    };
}
pub(crate) use fault_list;

/// Expands [`fault_list`] into [`FaultId`] and [`FAULTS`].
macro_rules! catalog {
    ($($name:ident {
        category: $category:ident,
        function: $function:ident,
        kind: $kind:expr,
        contexts: $contexts:expr,
        needs: $needs:expr,
        boot_args: $boot_args:expr,
        description: $description:expr,
        expect: $expect:expr,
        $(preempted_by: $preempted_by:expr,)?
        $(otherwise: $otherwise:expr,)?
    },)*) => {
        /// Identifies a fault: its implementation in the module, and its index in [`FAULTS`]
        /// (the number the module's C side carries). A variant is the fault's name.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum FaultId {
            $($name,)*
        }

        impl FaultId {
            /// Every fault, in listing order.
            pub(crate) const ALL: &[FaultId] = &[$(FaultId::$name,)*];
        }

        /// All faults, in listing order.
        pub(crate) static FAULTS: &[Fault] = &[$(Fault {
            name: stringify!($name),
            id: FaultId::$name,
            category: stringify!($category),
            function: stringify!($function),
            description: $description,
            kind: $kind,
            contexts: $contexts,
            needs: $needs,
            boot_args: $boot_args,
            x86_64: $expect.x86_64,
            arm64: $expect.arm64,
            preempted_by: catalog!(@alternatives $($preempted_by)?),
            otherwise: catalog!(@alternatives $($otherwise)?),
        },)*];
    };
    (@alternatives) => { &[] };
    (@alternatives $alternatives:expr) => { $alternatives };
}

fault_list!(catalog);
