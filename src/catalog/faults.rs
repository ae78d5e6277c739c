// SPDX-License-Identifier: GPL-2.0

//! The catalog's entries: every fault, its contexts, the options it needs and the kernel
//! messages that prove it on each arch.

use super::*;

const NULL_X86: &str = r"BUG: kernel NULL pointer dereference, address: 0000000000000000";
const NULL_ARM64: &str =
    r"Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000";
const CANARY: &str = r"Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ";
const LOCKDEP_RECURSIVE: &str = r"WARNING: possible recursive locking detected";
const LOCKDEP_CIRCULAR: &str = r"WARNING: possible circular locking dependency detected";
pub(super) const WATCHDOG: &str = "watchdog_thresh=1";

/// A fault whose message is the same on both arches.
macro_rules! same {
    ($($line:expr),+ $(,)?) => {
        (Expect::Lines(&[$($line),+]), Expect::Lines(&[$($line),+]))
    };
}

macro_rules! fault {
    ($name:literal, $id:ident, $cat:literal, $kind:expr, $ctx:expr, $needs:expr, $boot:expr,
     $desc:literal, $expect:expr $(, otherwise: $otherwise:expr)? $(,)?) => {
        Fault {
            name: $name,
            id: FaultId::$id,
            category: $cat,
            description: $desc,
            kind: $kind,
            contexts: $ctx,
            needs: $needs,
            boot_args: $boot,
            x86_64: $expect.0,
            arm64: $expect.1,
            otherwise: fault!(@otherwise $($otherwise)?),
        }
    };
    (@otherwise) => { &[] };
    (@otherwise $otherwise:expr) => { $otherwise };
}

/// The soft-lockup and hung-task detectors' reports, and the hung-task timeout that makes it
/// come within seconds (the soft-lockup one is [`WATCHDOG`]).
pub(super) const SOFT_LOCKUP: &str = r"watchdog: BUG: soft lockup - CPU#[0-9]+ stuck for [0-9]+s!";
const HUNG: &str = r"INFO: task [^ ]+:[0-9]+ blocked for more than [0-9]+ seconds\.";
const HUNG_TIMEOUT: &str = "sysctl.kernel.hung_task_timeout_secs=2";

/// Contexts in which a CPU spinning with preemption (not interrupts) off is seen by the
/// soft-lockup detector, whose timer interrupt still runs there.
const SOFT_LOCKUP_CONTEXTS: Contexts = Contexts::of(&[
    Context::Process,
    Context::Softirq,
    Context::Workqueue,
    Context::Kthread,
    Context::PreemptOff,
]);

/// All faults, in listing order.
pub(crate) static FAULTS: &[Fault] = &[
    // bugs
    fault!(
        "BUG",
        Bug,
        "bugs",
        Kind::Oops,
        Contexts::ALL,
        &["CONFIG_BUG", "CONFIG_DEBUG_BUGVERBOSE"],
        "",
        "BUG() whose bug-table entry names a panicgen Rust source line",
        same!(r"kernel BUG at [^ ]*src/faults/bugs\.rs:[0-9]+!")
    ),
    fault!(
        "PANIC",
        Panic,
        "bugs",
        Kind::Panic,
        Contexts::ALL,
        &[],
        "",
        "panic() with a panicgen message",
        same!(r"Kernel panic - not syncing: panicgen: PANIC requested")
    ),
    fault!(
        "WARN",
        Warn,
        "bugs",
        Kind::Warn,
        Contexts::ALL,
        &["CONFIG_BUG"],
        "",
        "warn_on!() from panicgen's Rust code",
        same!(r"WARNING: [^ ]*src/faults/bugs\.rs:[0-9]+ at ")
    ),
    fault!(
        "RUST_PANIC",
        RustPanic,
        "bugs",
        Kind::Oops,
        Contexts::ALL,
        &[],
        "",
        "panic!() in Rust: the kernel crate's panic handler reports it and calls BUG()",
        same!(
            r"rust_kernel: panicked at [^ ]*src/faults/bugs\.rs:[0-9]+:[0-9]+:",
            r"panicgen: RUST_PANIC requested",
            r"kernel BUG at "
        )
    ),
    fault!(
        "RUST_OVERFLOW",
        RustOverflow,
        "bugs",
        Kind::Oops,
        Contexts::ALL,
        &["CONFIG_RUST_OVERFLOW_CHECKS"],
        "",
        "u32 addition overflow caught by Rust's overflow checks",
        same!(
            r"rust_kernel: panicked at [^ ]*src/faults/bugs\.rs:[0-9]+:[0-9]+:",
            r"attempt to add with overflow"
        )
    ),
    fault!(
        "RUST_BOUNDS",
        RustBounds,
        "bugs",
        Kind::Oops,
        Contexts::ALL,
        &[],
        "",
        "slice index out of bounds caught by Rust's bounds checks",
        same!(
            r"rust_kernel: panicked at [^ ]*src/faults/bugs\.rs:[0-9]+:[0-9]+:",
            r"index out of bounds: the len is 4 but the index is [0-9]+"
        )
    ),
    // memory
    fault!(
        "NULL_DEREF",
        NullDeref,
        "memory",
        Kind::Oops,
        Contexts::ALL,
        &[],
        "",
        "store to address 0 (inline asm: no Rust-level undefined behaviour)",
        (
            Expect::Lines(&[NULL_X86, r"#PF: supervisor write access in kernel mode"]),
            Expect::Lines(&[NULL_ARM64, r"EC = 0x25: DABT \(current EL\)", r"WnR = 1"])
        )
    ),
    fault!(
        "NULL_READ",
        NullRead,
        "memory",
        Kind::Oops,
        Contexts::ALL,
        &[],
        "",
        "load from address 0 (inline asm)",
        (
            Expect::Lines(&[NULL_X86, r"#PF: supervisor read access in kernel mode"]),
            Expect::Lines(&[NULL_ARM64, r"EC = 0x25: DABT \(current EL\)", r"WnR = 0"])
        )
    ),
    fault!(
        "NULL_EXEC",
        NullExec,
        "memory",
        Kind::Oops,
        Contexts::ALL,
        &[],
        "",
        "call to address 0 (inline asm)",
        (
            Expect::Lines(&[
                NULL_X86,
                r"#PF: supervisor instruction fetch in kernel mode"
            ]),
            Expect::Lines(&[NULL_ARM64, r"EC = 0x21: IABT \(current EL\)"])
        )
    ),
    fault!(
        "WRITE_RODATA",
        WriteRodata,
        "memory",
        Kind::Oops,
        Contexts::ALL,
        &["CONFIG_STRICT_MODULE_RWX"],
        "",
        "store to panicgen's read-only data (inline asm)",
        (
            Expect::Lines(&[
                r"BUG: unable to handle page fault for address: ",
                r"#PF: supervisor write access in kernel mode",
                r"#PF: error_code\(0x0003\) - permissions violation"
            ]),
            Expect::Lines(&[
                r"Unable to handle kernel write to read-only memory at virtual address "
            ])
        )
    ),
    fault!(
        "EXEC_DATA",
        ExecData,
        "memory",
        Kind::Oops,
        Contexts::ALL,
        &["CONFIG_STRICT_MODULE_RWX"],
        "",
        "call into panicgen's writable data, which is never executable (NX)",
        (
            Expect::Lines(&[
                r"kernel tried to execute NX-protected page - exploit attempt\?",
                r"#PF: supervisor instruction fetch in kernel mode"
            ]),
            Expect::Lines(&[
                r"Unable to handle kernel execute from non-executable memory at virtual address "
            ])
        )
    ),
    fault!(
        "STACK_OVERFLOW",
        StackOverflow,
        "memory",
        Kind::Panic,
        Contexts::SLEEPABLE,
        &["CONFIG_VMAP_STACK"],
        "",
        "unbounded recursion into the stack's guard page",
        (
            Expect::Lines(&[r"BUG: [A-Z]+ stack guard page was hit at "]),
            Expect::Lines(&[
                r"Insufficient stack space to handle exception!",
                r"Kernel panic - not syncing: kernel stack overflow"
            ])
        )
    ),
    fault!(
        "STACK_CANARY",
        StackCanary,
        "memory",
        Kind::Panic,
        Contexts::ALL,
        &["CONFIG_STACKPROTECTOR"],
        "",
        "overrun a live char buffer in C up to and including the stack canary (the saved registers above it stay intact), so the stack protector's check fires",
        same!(
            r"Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: panicgen_stack_canary\+0x[0-9a-f]+/0x[0-9a-f]+ \[panicgen\]"
        )
    ),
    fault!(
        "STACK_CANARY_STRONG",
        StackCanaryStrong,
        "memory",
        Kind::Panic,
        Contexts::ALL,
        &["CONFIG_STACKPROTECTOR_STRONG"],
        "",
        "overrun a long array, which only -fstack-protector-strong guards",
        same!(
            r"Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: panicgen_stack_canary_strong\+0x[0-9a-f]+/0x[0-9a-f]+ \[panicgen\]"
        )
    ),
    fault!(
        "USE_AFTER_FREE",
        UseAfterFree,
        "memory",
        Kind::Warn,
        Contexts::ALL,
        &["CONFIG_SLUB_DEBUG"],
        "",
        "write to a freed object of a poisoned slab cache, then allocate it again",
        same!(
            r"\[Poison overwritten\] ",
            r"BUG panicgen_slab \(.*\): Object corrupt"
        )
    ),
    fault!(
        "DOUBLE_FREE",
        DoubleFree,
        "memory",
        Kind::Warn,
        Contexts::ALL,
        &["CONFIG_SLUB_DEBUG"],
        "",
        "free an object of a debug slab cache twice",
        same!(r"BUG panicgen_slab \(.*\): Object already free")
    ),
    fault!(
        "SLAB_OOB",
        SlabOob,
        "memory",
        Kind::Warn,
        Contexts::ALL,
        &["CONFIG_SLUB_DEBUG"],
        "",
        "write past the end of a slab object into its red zone, then free it",
        same!(
            r"\[Right Redzone overwritten\] ",
            r"BUG panicgen_slab \(.*\): Object corrupt"
        )
    ),
    // locking
    fault!(
        "SPINLOCK_RECURSION",
        SpinlockRecursion,
        "locking",
        Kind::Lockdep,
        Contexts::ALL,
        &["CONFIG_PROVE_LOCKING"],
        "",
        "acquire a held SpinLock again from the same context (the CPU then spins)",
        same!(
            r"WARNING: possible recursive locking detected|BUG: spinlock recursion on CPU#[0-9]+"
        ),
        otherwise: &[Alternative {
            needs: &["CONFIG_SOFTLOCKUP_DETECTOR"],
            contexts: SOFT_LOCKUP_CONTEXTS,
            kind: Kind::Hang("softlockup_panic"),
            boot_args: WATCHDOG,
            description: "a real self-deadlock: the CPU spins on the lock until the soft-lockup \
                          detector reports it",
            x86_64: Expect::Lines(&[SOFT_LOCKUP]),
            arm64: Expect::Lines(&[SOFT_LOCKUP]),
        }],
    ),
    fault!(
        "SPINLOCK_SAME_CLASS",
        SpinlockSameClass,
        "locking",
        Kind::Lockdep,
        Contexts::ALL,
        &["CONFIG_PROVE_LOCKING"],
        "",
        "nest two SpinLocks of one lock class without a nesting annotation (no hang)",
        same!(LOCKDEP_RECURSIVE)
    ),
    fault!(
        "MUTEX_RECURSION",
        MutexRecursion,
        "locking",
        Kind::Lockdep,
        Contexts::SLEEPABLE,
        &["CONFIG_PROVE_LOCKING"],
        "",
        "lock a held Mutex again (the task then blocks for good)",
        same!(LOCKDEP_RECURSIVE),
        otherwise: &[Alternative {
            needs: &["CONFIG_DETECT_HUNG_TASK"],
            contexts: Contexts::SLEEPABLE,
            kind: Kind::Hang("hung_task_panic"),
            boot_args: HUNG_TIMEOUT,
            description: "a real self-deadlock: the task sleeps on the mutex until the hung-task \
                          detector reports it",
            x86_64: Expect::Lines(&[HUNG]),
            arm64: Expect::Lines(&[HUNG]),
        }],
    ),
    fault!(
        "LOCK_ORDER_ABBA",
        LockOrderAbba,
        "locking",
        Kind::Lockdep,
        Contexts::ALL,
        &["CONFIG_PROVE_LOCKING"],
        "",
        "take SpinLock A then B, later B then A, in one thread (no real deadlock)",
        same!(LOCKDEP_CIRCULAR)
    ),
    fault!(
        "MUTEX_ORDER_ABBA",
        MutexOrderAbba,
        "locking",
        Kind::Lockdep,
        Contexts::SLEEPABLE,
        &["CONFIG_PROVE_LOCKING"],
        "",
        "take Mutex A then B, later B then A, in one thread",
        same!(LOCKDEP_CIRCULAR)
    ),
    fault!(
        "LOCK_ORDER_CYCLE3",
        LockOrderCycle3,
        "locking",
        Kind::Lockdep,
        Contexts::ALL,
        &["CONFIG_PROVE_LOCKING"],
        "",
        "take SpinLocks A-B, B-C, then C-A: a three-lock cycle",
        same!(LOCKDEP_CIRCULAR)
    ),
    fault!(
        "IRQ_LOCK_INVERSION",
        IrqLockInversion,
        "locking",
        Kind::Lockdep,
        Contexts::PROCESS,
        &["CONFIG_PROVE_LOCKING"],
        "",
        "take a SpinLock with interrupts on, then in a hardirq (hrtimer) callback",
        same!(
            r"WARNING: inconsistent lock state",
            r"inconsistent \{HARDIRQ-ON-W\} -> \{IN-HARDIRQ-W\} usage\."
        )
    ),
    fault!(
        "SLEEP_IN_ATOMIC",
        SleepInAtomic,
        "locking",
        Kind::Warn,
        Contexts::TASK,
        &["CONFIG_DEBUG_ATOMIC_SLEEP"],
        "",
        "might_sleep() while holding a SpinLock",
        same!(
            r"BUG: sleeping function called from invalid context at [^ ]*src/faults/locking\.rs:[0-9]+"
        )
    ),
    fault!(
        "UNLOCK_UNHELD",
        UnlockUnheld,
        "locking",
        Kind::Lockdep,
        Contexts::ALL,
        &["CONFIG_PROVE_LOCKING"],
        "",
        "release a spinlock that is not held (C spin_unlock through the bindings)",
        same!(r"WARNING: bad unlock balance detected!")
    ),
    // hangs
    fault!(
        "SOFTLOCKUP",
        Softlockup,
        "hangs",
        Kind::Hang("softlockup_panic"),
        Contexts::of(&[
            Context::Process,
            Context::Workqueue,
            Context::Kthread,
            Context::PreemptOff
        ]),
        &["CONFIG_SOFTLOCKUP_DETECTOR"],
        WATCHDOG,
        "spin with preemption disabled for 8 s (watchdog_thresh=1: reported after 2 s)",
        same!(SOFT_LOCKUP)
    ),
    fault!(
        "HARDLOCKUP",
        Hardlockup,
        "hangs",
        Kind::Hang("hardlockup_panic"),
        Contexts::of(&[
            Context::Process,
            Context::Workqueue,
            Context::Kthread,
            Context::IrqOff
        ]),
        // The buddy detector: the perf one needs a PMU, which QEMU's TCG has not (Debian's
        // amd64 kernel has only that one; its arm64 kernel, the buddy).
        &["CONFIG_HARDLOCKUP_DETECTOR_BUDDY"],
        WATCHDOG,
        "spin with interrupts disabled for 8 s (another CPU's buddy detector reports it)",
        same!(r"watchdog: CPU[0-9]+: Watchdog detected hard LOCKUP on cpu [0-9]+")
    ),
    fault!(
        "HUNG_TASK",
        HungTask,
        "hangs",
        Kind::Hang("hung_task_panic"),
        Contexts::SLEEPABLE,
        &["CONFIG_DETECT_HUNG_TASK"],
        HUNG_TIMEOUT,
        "sleep uninterruptibly for 10 s (timeout 2 s)",
        same!(HUNG)
    ),
    fault!(
        "RCU_STALL",
        RcuStall,
        "hangs",
        Kind::Hang("panic_on_rcu_stall"),
        Contexts::of(&[
            Context::Process,
            Context::Workqueue,
            Context::Kthread,
            Context::PreemptOff
        ]),
        &["CONFIG_RCU_STALL_COMMON"],
        "rcupdate.rcu_cpu_stall_timeout=3",
        "spin in an RCU read-side section with preemption disabled for 15 s",
        same!(r"rcu: INFO: rcu_[a-z]+ (self-detected stall on CPU|detected stalls on CPUs/tasks:)")
    ),
    // integrity
    fault!(
        "REFCOUNT_UNDERFLOW",
        RefcountUnderflow,
        "integrity",
        Kind::Warn,
        Contexts::ALL,
        &[],
        "",
        "decrement a Refcount that is already 0",
        same!(r"refcount_t: underflow; use-after-free\.")
    ),
    fault!(
        "REFCOUNT_OVERFLOW",
        RefcountOverflow,
        "integrity",
        Kind::Warn,
        Contexts::ALL,
        &[],
        "",
        "increment a Refcount at i32::MAX",
        same!(r"refcount_t: saturated; leaking memory\.")
    ),
    fault!(
        "LIST_CORRUPTION",
        ListCorruption,
        "integrity",
        Kind::Warn,
        Contexts::ALL,
        &["CONFIG_DEBUG_LIST"],
        "",
        "list_add() next to an entry whose links were overwritten",
        same!(r"list_add corruption\. ")
    ),
    // cpu
    fault!(
        "INVALID_OPCODE",
        InvalidOpcode,
        "cpu",
        Kind::Oops,
        Contexts::ALL,
        &[],
        "",
        "execute an undefined instruction (ud2 / udf #0) with no bug-table entry",
        (
            Expect::Lines(&[r"Oops: invalid opcode: 0000 "]),
            Expect::Lines(&[r"Internal error: Oops - Undefined instruction: "])
        )
    ),
    fault!(
        "DIVIDE_ERROR",
        DivideError,
        "cpu",
        Kind::Oops,
        Contexts::ALL,
        &[],
        "",
        "integer division by zero in inline asm (x86 #DE)",
        (
            Expect::Lines(&[r"Oops: divide error: 0000 "]),
            Expect::Unsupported("arm64 integer division by zero returns 0 and never traps")
        )
    ),
];
