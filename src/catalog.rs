// SPDX-License-Identifier: GPL-2.0

//! The panicgen fault catalog and trigger-command parser.
//!
//! This file is the single source of truth for the faults panicgen offers. It is plain
//! `core`-only Rust with no kernel dependencies: the module compiles it in (to list, parse and
//! dispatch faults), and the host-side runner compiles the same file (to know what to fire and
//! which kernel message proves each fault). Adding a fault is one [`Fault`] entry in [`FAULTS`]
//! plus its implementation in the module's `faults` directory.
//!
//! Expected messages are regular expressions in the common subset of POSIX ERE (busybox
//! `grep -E` in the guest) and the Rust `regex` crate (the host runner): literal text,
//! `.`, `*`, `+`, `?`, `|`, `(...)`, bracket expressions and backslash-escaped punctuation.

use core::fmt;

/// The architectures panicgen supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arch {
    /// x86_64 (QEMU `-M pc`).
    X86_64,
    /// arm64 (QEMU `-M virt -cpu max,pauth-impdef=on`).
    Arm64,
}

impl Arch {
    /// Every supported architecture.
    pub(crate) const ALL: [Arch; 2] = [Arch::X86_64, Arch::Arm64];

    /// The architecture's name as used by the tooling (`x86_64`, `arm64`).
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        }
    }

    /// Looks an architecture up by name; `aarch64` is accepted for arm64.
    pub(crate) fn from_name(name: &str) -> Option<Arch> {
        match name {
            "x86_64" => Some(Arch::X86_64),
            "arm64" | "aarch64" => Some(Arch::Arm64),
            _ => None,
        }
    }
}

/// Where a fault runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Context {
    /// In the writing process (the default).
    Process,
    /// In softirq context (a bottom-half workqueue item).
    Softirq,
    /// In hardirq context (an hrtimer callback in hard mode).
    Hardirq,
    /// In a kworker (process context, not the writer).
    Workqueue,
    /// In a kthread of panicgen's own.
    Kthread,
    /// In the writing process with local interrupts disabled.
    IrqOff,
    /// In the writing process with preemption disabled.
    PreemptOff,
}

impl Context {
    /// Every context, in listing order.
    pub(crate) const ALL: [Context; 7] = [
        Context::Process,
        Context::Softirq,
        Context::Hardirq,
        Context::Workqueue,
        Context::Kthread,
        Context::IrqOff,
        Context::PreemptOff,
    ];

    /// The context's name in commands and listings.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Context::Process => "process",
            Context::Softirq => "softirq",
            Context::Hardirq => "hardirq",
            Context::Workqueue => "workqueue",
            Context::Kthread => "kthread",
            Context::IrqOff => "irqoff",
            Context::PreemptOff => "preemptoff",
        }
    }

    /// Looks a context up by name.
    pub(crate) fn from_name(name: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == name)
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }

    /// True for interrupt contexts, where an oops always panics ("Fatal exception in
    /// interrupt").
    pub(crate) const fn in_interrupt(self) -> bool {
        matches!(self, Context::Softirq | Context::Hardirq)
    }
}

/// A set of contexts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Contexts(u8);

impl Contexts {
    /// Every context.
    pub(crate) const ALL: Contexts = Contexts::of(&Context::ALL);
    /// Contexts that may sleep.
    pub(crate) const SLEEPABLE: Contexts =
        Contexts::of(&[Context::Process, Context::Workqueue, Context::Kthread]);
    /// Task contexts (may be made atomic, never interrupt context).
    pub(crate) const TASK: Contexts = Contexts::of(&[
        Context::Process,
        Context::Workqueue,
        Context::Kthread,
        Context::IrqOff,
        Context::PreemptOff,
    ]);
    /// Only in the writing process.
    pub(crate) const PROCESS: Contexts = Contexts::of(&[Context::Process]);

    /// The set of the given contexts.
    pub(crate) const fn of(list: &[Context]) -> Contexts {
        let mut bits = 0;
        let mut i = 0;
        while i < list.len() {
            bits |= list[i].bit();
            i += 1;
        }
        Contexts(bits)
    }

    /// Whether `ctx` is in the set.
    pub(crate) const fn contains(self, ctx: Context) -> bool {
        self.0 & ctx.bit() != 0
    }

    /// The contexts of the set, in listing order.
    pub(crate) fn iter(self) -> impl Iterator<Item = Context> {
        Context::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

/// How the kernel reacts to a fault; decides whether it is fatal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An oops (`die()`): fatal in interrupt context or with `panic_on_oops`.
    Oops,
    /// A direct `panic()`: always fatal.
    Panic,
    /// A `WARN`: fatal with `panic_on_warn`.
    Warn,
    /// A lockdep report: never fatal; lockdep reports once per boot.
    Lockdep,
    /// A detector report (lockup, hung task, RCU stall): fatal when its sysctl is set.
    Hang(&'static str),
}

impl Kind {
    /// The kind's name in the `faults` listing.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Kind::Oops => "oops",
            Kind::Panic => "panic",
            Kind::Warn => "warn",
            Kind::Lockdep => "lockdep",
            Kind::Hang(_) => "hang",
        }
    }

    /// The `kernel.*` sysctl that makes this kind fatal, if any.
    pub(crate) const fn panic_sysctl(self) -> Option<&'static str> {
        match self {
            Kind::Oops => Some("panic_on_oops"),
            Kind::Warn => Some("panic_on_warn"),
            Kind::Hang(sysctl) => Some(sysctl),
            Kind::Panic | Kind::Lockdep => None,
        }
    }

    /// Whether the fault panics a guest booted the way panicgen's runner boots it
    /// (`oops=panic`, no other panic_on_* setting).
    pub(crate) const fn panics_test_guest(self) -> bool {
        matches!(self, Kind::Oops | Kind::Panic)
    }
}

/// What the kernel prints for a fault on one arch.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Expect {
    /// Console lines that must appear in this order after the trigger line, as patterns.
    Lines(&'static [&'static str]),
    /// The fault cannot work on this arch, and why.
    Unsupported(&'static str),
}

/// Identifies a fault's implementation in the module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FaultId {
    Bug,
    Panic,
    Warn,
    RustPanic,
    RustOverflow,
    RustBounds,
    NullDeref,
    NullRead,
    NullExec,
    WriteRodata,
    ExecData,
    StackOverflow,
    StackCanary,
    StackCanaryStrong,
    UseAfterFree,
    DoubleFree,
    SlabOob,
    SpinlockRecursion,
    SpinlockSameClass,
    MutexRecursion,
    LockOrderAbba,
    MutexOrderAbba,
    LockOrderCycle3,
    IrqLockInversion,
    SleepInAtomic,
    UnlockUnheld,
    Softlockup,
    Hardlockup,
    HungTask,
    RcuStall,
    RefcountUnderflow,
    RefcountOverflow,
    ListCorruption,
    InvalidOpcode,
    DivideError,
}

/// One entry of the catalog.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fault {
    /// The name written to the `trigger` file.
    pub(crate) name: &'static str,
    /// Selects the implementation.
    pub(crate) id: FaultId,
    /// The category (and the module source file that implements it).
    pub(crate) category: &'static str,
    /// One line for people.
    pub(crate) description: &'static str,
    /// How the kernel reacts.
    pub(crate) kind: Kind,
    /// The contexts the fault makes sense in.
    pub(crate) contexts: Contexts,
    /// Kernel options the expected message needs.
    pub(crate) needs: &'static [&'static str],
    /// Extra kernel command-line words the runner boots the guest with for this fault.
    pub(crate) boot_args: &'static str,
    /// The kernel's message on x86_64.
    pub(crate) x86_64: Expect,
    /// The kernel's message on arm64.
    pub(crate) arm64: Expect,
    /// What a kernel without `needs` reports instead, in order of preference.
    pub(crate) otherwise: &'static [Alternative],
}

/// How a kernel that lacks a fault's `needs` reports it instead: the first alternative whose
/// own options the kernel has, in a context it names, is what that kernel does.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Alternative {
    /// Kernel options this report needs.
    pub(crate) needs: &'static [&'static str],
    /// The contexts in which the kernel reports the fault this way.
    pub(crate) contexts: Contexts,
    /// How the kernel reacts this way.
    pub(crate) kind: Kind,
    /// Boot arguments this report needs (a detector's threshold).
    pub(crate) boot_args: &'static str,
    /// One line for people: what happens instead.
    pub(crate) description: &'static str,
    pub(crate) x86_64: Expect,
    pub(crate) arm64: Expect,
}

/// What a kernel does with a fault in one context.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Report {
    /// It has the fault's `needs`: the fault's own expectation.
    Main,
    /// It lacks them and reports the fault this other way.
    Instead(&'static Alternative),
    /// It lacks them and the catalog knows no other report: the first option it lacks.
    Unobservable(&'static str),
}

impl Report {
    /// The report's name in the `faults` listing (`report=`).
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Report::Main => "main",
            Report::Instead(_) => "instead",
            Report::Unobservable(_) => "none",
        }
    }
}

/// The listing's `expect=` for a fault a kernel cannot show: these around the option it lacks.
pub(crate) const NO_REPORT: (&str, &str) = ("none: needs ", ", not set in this kernel");

impl Fault {
    /// The expectation on `arch`.
    pub(crate) const fn expect(&self, arch: Arch) -> Expect {
        match arch {
            Arch::X86_64 => self.x86_64,
            Arch::Arm64 => self.arm64,
        }
    }

    /// What a kernel with the options `has` says yes to does with this fault in `ctx`.
    pub(crate) fn report(&self, ctx: Context, has: impl Fn(&str) -> bool) -> Report {
        let Some(missing) = self.needs.iter().find(|n| !has(n)) else {
            return Report::Main;
        };
        self.otherwise
            .iter()
            .find(|a| a.contexts.contains(ctx) && a.needs.iter().all(|n| has(n)))
            .map_or(Report::Unobservable(missing), Report::Instead)
    }

    /// This fault as a kernel that reports it the `alt` way shows it.
    pub(crate) const fn instead(&self, alt: &Alternative) -> Fault {
        Fault {
            kind: alt.kind,
            needs: alt.needs,
            boot_args: alt.boot_args,
            x86_64: alt.x86_64,
            arm64: alt.arm64,
            otherwise: &[],
            ..*self
        }
    }
}

const NULL_X86: &str = r"BUG: kernel NULL pointer dereference, address: 0000000000000000";
const NULL_ARM64: &str =
    r"Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000";
const CANARY: &str = r"Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ";
const LOCKDEP_RECURSIVE: &str = r"WARNING: possible recursive locking detected";
const LOCKDEP_CIRCULAR: &str = r"WARNING: possible circular locking dependency detected";
const WATCHDOG: &str = "watchdog_thresh=1";

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
const SOFT_LOCKUP: &str = r"watchdog: BUG: soft lockup - CPU#[0-9]+ stuck for [0-9]+s!";
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
        "overrun a live char buffer in C so the stack protector's canary check fires",
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

/// The longest command the trigger accepts, in bytes.
pub(crate) const MAX_COMMAND_LEN: usize = 128;
/// The longest `delay_ms=`.
pub(crate) const MAX_DELAY_MS: u32 = 60_000;
/// The longest `id=`.
pub(crate) const MAX_ID_LEN: usize = 64;

/// A parsed trigger command: `NAME [ctx=CTX] [cpu=N] [delay_ms=N] [id=TOKEN]`.
#[derive(Debug)]
pub(crate) struct Command<'a> {
    /// The fault to fire.
    pub(crate) fault: &'static Fault,
    /// Where to fire it (default: the writing process).
    pub(crate) ctx: Context,
    /// The CPU to fire it on, if pinned.
    pub(crate) cpu: Option<u32>,
    /// How long to wait before firing.
    pub(crate) delay_ms: u32,
    /// A token echoed in the trigger line, to tie logs and dumps to the request.
    pub(crate) id: Option<&'a str>,
}

/// Why a trigger command was rejected.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// Nothing but white space was written.
    Empty,
    /// More than [`MAX_COMMAND_LEN`] bytes were written.
    TooLong(usize),
    /// The command is not valid UTF-8 or holds control characters.
    NotText,
    /// No fault has this name.
    UnknownFault,
    /// A word after the name is not one of the options.
    UnknownOption,
    /// An option's value is not valid; names the option.
    BadValue(&'static str),
    /// An option was given twice; names the option.
    Repeated(&'static str),
    /// The fault makes no sense in the requested context.
    ContextNotAllowed(&'static str, &'static str),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Empty => f.write_str("empty command; write a fault name"),
            ParseError::TooLong(n) => {
                write!(f, "command of {n} bytes is longer than {MAX_COMMAND_LEN}")
            }
            ParseError::NotText => f.write_str("command is not printable text"),
            ParseError::UnknownFault => {
                f.write_str("unknown fault name; read the trigger file for the list")
            }
            ParseError::UnknownOption => {
                f.write_str("unknown option; the options are ctx=, cpu=, delay_ms= and id=")
            }
            ParseError::BadValue("ctx") => f.write_str(
                "bad ctx=; use process, softirq, hardirq, workqueue, kthread, irqoff or preemptoff",
            ),
            ParseError::BadValue("cpu") => f.write_str("bad cpu=; give a CPU number"),
            ParseError::BadValue("delay_ms") => {
                write!(f, "bad delay_ms=; give 0 to {MAX_DELAY_MS}")
            }
            ParseError::BadValue("id") => {
                write!(f, "bad id=; use 1 to {MAX_ID_LEN} of A-Z a-z 0-9 . _ : -")
            }
            ParseError::BadValue(key) => write!(f, "bad value for {key}="),
            ParseError::Repeated(key) => write!(f, "{key}= given twice"),
            ParseError::ContextNotAllowed(fault, ctx) => write!(
                f,
                "{fault} cannot run in ctx={ctx}; the faults file lists its contexts"
            ),
        }
    }
}

/// Looks a fault up by its exact name.
pub(crate) fn find(name: &str) -> Option<&'static Fault> {
    FAULTS.iter().find(|f| f.name == name)
}

fn valid_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// Parses what was written to the trigger file: a fault name and options, separated by white
/// space (a trailing newline from `echo` is the usual case).
pub(crate) fn parse(input: &[u8]) -> Result<Command<'_>, ParseError> {
    if input.len() > MAX_COMMAND_LEN {
        return Err(ParseError::TooLong(input.len()));
    }
    let text = core::str::from_utf8(input).map_err(|_| ParseError::NotText)?;
    if text
        .chars()
        .any(|c| c.is_control() && !c.is_ascii_whitespace())
    {
        return Err(ParseError::NotText);
    }
    let mut words = text.split_ascii_whitespace();
    let name = words.next().ok_or(ParseError::Empty)?;
    let fault = find(name).ok_or(ParseError::UnknownFault)?;
    let mut cmd = Command {
        fault,
        ctx: Context::Process,
        cpu: None,
        delay_ms: 0,
        id: None,
    };
    let mut seen = [false; 4];
    for word in words {
        let (key, value) = word.split_once('=').ok_or(ParseError::UnknownOption)?;
        let (slot, key) = match key {
            "ctx" => (0, "ctx"),
            "cpu" => (1, "cpu"),
            "delay_ms" => (2, "delay_ms"),
            "id" => (3, "id"),
            _ => return Err(ParseError::UnknownOption),
        };
        if core::mem::replace(&mut seen[slot], true) {
            return Err(ParseError::Repeated(key));
        }
        let bad = ParseError::BadValue(key);
        match slot {
            0 => cmd.ctx = Context::from_name(value).ok_or(bad)?,
            1 => cmd.cpu = Some(value.parse().map_err(|_| bad)?),
            2 => {
                cmd.delay_ms = value.parse().map_err(|_| ParseError::BadValue(key))?;
                if cmd.delay_ms > MAX_DELAY_MS {
                    return Err(bad);
                }
            }
            _ => {
                if !valid_id(value) {
                    return Err(bad);
                }
                cmd.id = Some(value);
            }
        }
    }
    if !fault.contexts.contains(cmd.ctx) {
        return Err(ParseError::ContextNotAllowed(fault.name, cmd.ctx.name()));
    }
    Ok(cmd)
}

/// Test cases shared by the host's `cargo test` and the module's KUnit suite (which runs them
/// in the guest on `insmod`): `core`-only, returning the first failed check instead of
/// panicking, since a panic in the kernel is a `BUG()`.
pub(crate) mod cases {
    use super::*;

    /// Fails the case with `$why` unless `$cond` holds.
    macro_rules! check {
        ($cond:expr, $why:literal) => {
            if !$cond {
                return Err($why);
            }
        };
    }

    /// The outcome of one case.
    pub(crate) type Outcome = Result<(), &'static str>;

    /// A named case.
    pub(crate) type Case = (&'static str, fn() -> Outcome);

    fn name_of(input: &[u8]) -> Option<&'static str> {
        parse(input).ok().map(|c| c.fault.name)
    }

    /// Names parse with surrounding white space; defaults are process context, no options.
    pub(crate) fn parses_names() -> Outcome {
        check!(name_of(b"BUG") == Some("BUG"), "BUG");
        check!(name_of(b"BUG\n") == Some("BUG"), "BUG with newline");
        check!(
            name_of(b"  NULL_DEREF \t\n") == Some("NULL_DEREF"),
            "white space"
        );
        let Ok(c) = parse(b"BUG\n") else {
            return Err("BUG did not parse");
        };
        check!(c.ctx == Context::Process, "default context");
        check!(
            c.cpu.is_none() && c.delay_ms == 0 && c.id.is_none(),
            "default options"
        );
        Ok(())
    }

    /// All four options, in any order.
    pub(crate) fn parses_options() -> Outcome {
        let Ok(c) = parse(b"NULL_DEREF ctx=hardirq cpu=1 delay_ms=50 id=run-7.a:b_c\n") else {
            return Err("full command did not parse");
        };
        check!(c.fault.name == "NULL_DEREF", "name");
        check!(c.ctx == Context::Hardirq, "ctx");
        check!(c.cpu == Some(1), "cpu");
        check!(c.delay_ms == 50, "delay_ms");
        check!(c.id == Some("run-7.a:b_c"), "id");
        let Ok(c) = parse(b"BUG id=x ctx=workqueue") else {
            return Err("reordered options did not parse");
        };
        check!(
            c.ctx == Context::Workqueue && c.id == Some("x"),
            "reordered"
        );
        Ok(())
    }

    /// Malformed commands are refused with the right reason.
    pub(crate) fn rejects_bad_commands() -> Outcome {
        let err = |input: &[u8]| parse(input).err();
        check!(err(b"") == Some(ParseError::Empty), "empty");
        check!(err(b" \t \n") == Some(ParseError::Empty), "blank");
        check!(err(b"bug") == Some(ParseError::UnknownFault), "lower case");
        check!(
            err(b"BUG now") == Some(ParseError::UnknownOption),
            "junk word"
        );
        check!(
            err(b"BUG when=now") == Some(ParseError::UnknownOption),
            "unknown option"
        );
        check!(err(b"BUG\0") == Some(ParseError::NotText), "NUL");
        check!(err(b"\xff\xfe") == Some(ParseError::NotText), "not UTF-8");
        check!(
            err(&[b'A'; 4096]) == Some(ParseError::TooLong(4096)),
            "4 KiB"
        );
        check!(
            err(b"BUG ctx=nmi") == Some(ParseError::BadValue("ctx")),
            "ctx"
        );
        check!(
            err(b"BUG cpu=-1") == Some(ParseError::BadValue("cpu")),
            "cpu"
        );
        check!(
            err(b"BUG delay_ms=60001") == Some(ParseError::BadValue("delay_ms")),
            "delay"
        );
        check!(err(b"BUG id=a/b") == Some(ParseError::BadValue("id")), "id");
        check!(
            err(b"BUG cpu=0 cpu=1") == Some(ParseError::Repeated("cpu")),
            "repeated"
        );
        check!(
            err(b"HUNG_TASK ctx=hardirq")
                == Some(ParseError::ContextNotAllowed("HUNG_TASK", "hardirq")),
            "context not allowed"
        );
        Ok(())
    }

    /// Every catalog entry is well formed, parses by name and allows process context.
    pub(crate) fn catalog_is_consistent() -> Outcome {
        check!(FAULTS.len() >= 30, "at least 30 faults");
        for (i, f) in FAULTS.iter().enumerate() {
            check!(
                f.name
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
                "names are A-Z, 0-9 and _"
            );
            check!(
                FAULTS[i + 1..]
                    .iter()
                    .all(|g| g.name != f.name && g.id != f.id),
                "names and ids are unique"
            );
            check!(
                name_of(f.name.as_bytes()) == Some(f.name),
                "every name parses"
            );
            check!(
                f.contexts.contains(Context::Process),
                "process context is allowed"
            );
            check!(
                f.needs.iter().all(|n| n.starts_with("CONFIG_")),
                "needs are CONFIG_ options"
            );
            check!(
                f.otherwise.is_empty() || !f.needs.is_empty(),
                "only a fault with needs has alternatives"
            );
            for alt in f.otherwise {
                check!(
                    alt.needs.iter().all(|n| n.starts_with("CONFIG_")),
                    "an alternative's needs are CONFIG_ options"
                );
                check!(
                    alt.contexts.iter().all(|c| f.contexts.contains(c)),
                    "an alternative's contexts are the fault's"
                );
                check!(
                    alt.contexts.iter().next().is_some(),
                    "an alternative has contexts"
                );
            }
            let alternatives = f.otherwise.iter().map(|a| f.instead(a));
            for (g, arch) in core::iter::once(*f)
                .chain(alternatives)
                .flat_map(|g| Arch::ALL.map(|arch| (g, arch)))
            {
                if let Expect::Lines(lines) = g.expect(arch) {
                    check!(
                        !lines.is_empty() && lines.iter().all(|l| !l.is_empty()),
                        "expectations are not empty"
                    );
                }
            }
        }
        Ok(())
    }

    /// A context parses exactly when the fault allows it.
    pub(crate) fn contexts_follow_the_catalog() -> Outcome {
        let mut buf = [0u8; MAX_COMMAND_LEN];
        for f in FAULTS {
            for ctx in Context::ALL {
                let parts = [f.name.as_bytes(), b" ctx=", ctx.name().as_bytes()];
                let mut len = 0;
                for part in parts {
                    buf[len..len + part.len()].copy_from_slice(part);
                    len += part.len();
                }
                check!(
                    parse(&buf[..len]).is_ok() == f.contexts.contains(ctx),
                    "ctx= parses exactly for the fault's contexts"
                );
            }
        }
        Ok(())
    }

    /// Every case, by name, for runners that iterate.
    pub(crate) const ALL: &[Case] = &[
        ("parses_names", parses_names),
        ("parses_options", parses_options),
        ("rejects_bad_commands", rejects_bad_commands),
        ("catalog_is_consistent", catalog_is_consistent),
        ("contexts_follow_the_catalog", contexts_follow_the_catalog),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xorshift64*: a deterministic generator, so that a failure reproduces.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn canonical(c: &Command<'_>) -> String {
        let mut s = format!("{} ctx={}", c.fault.name, c.ctx.name());
        if let Some(cpu) = c.cpu {
            s += &format!(" cpu={cpu}");
        }
        s += &format!(" delay_ms={}", c.delay_ms);
        if let Some(id) = c.id {
            s += &format!(" id={id}");
        }
        s
    }

    /// A kernel without lockdep: a recursive spinlock is a real deadlock the soft-lockup
    /// detector reports, except where interrupts are off (no report: unobservable), and an
    /// ABBA order with no real deadlock shows nothing.
    #[test]
    fn reports_follow_the_kernel() {
        let stock = |n: &str| n != "CONFIG_PROVE_LOCKING";
        let spin = find("SPINLOCK_RECURSION").unwrap();
        assert!(matches!(
            spin.report(Context::Process, |_| true),
            Report::Main
        ));
        let Report::Instead(alt) = spin.report(Context::Process, stock) else {
            panic!("no alternative for SPINLOCK_RECURSION without lockdep");
        };
        let g = spin.instead(alt);
        assert_eq!(g.kind, Kind::Hang("softlockup_panic"));
        assert_eq!(g.boot_args, WATCHDOG);
        assert!(matches!(g.expect(Arch::X86_64), Expect::Lines(l) if l == [SOFT_LOCKUP]));
        assert!(matches!(
            spin.report(Context::Hardirq, stock),
            Report::Unobservable("CONFIG_PROVE_LOCKING")
        ));
        let no_watchdog = |n: &str| stock(n) && n != "CONFIG_SOFTLOCKUP_DETECTOR";
        assert!(matches!(
            spin.report(Context::Process, no_watchdog),
            Report::Unobservable("CONFIG_PROVE_LOCKING")
        ));
        assert!(matches!(
            find("LOCK_ORDER_ABBA")
                .unwrap()
                .report(Context::Process, stock),
            Report::Unobservable("CONFIG_PROVE_LOCKING")
        ));
        assert!(matches!(
            find("MUTEX_RECURSION").unwrap().report(Context::Kthread, stock),
            Report::Instead(a) if a.kind == Kind::Hang("hung_task_panic")
        ));
    }

    /// Fuzzes the parser with random bytes and with mutations of valid commands: it never
    /// panics, everything it accepts obeys the limits, and an accepted command written back
    /// in canonical form parses to the same command.
    #[test]
    fn fuzz_parser() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ_=0123456789 \t\nctxpudelaymsi-.:/\0\xff";
        let (mut accepted, mut rejected) = (0, 0);
        for round in 0..200_000 {
            let mut input: Vec<u8> = if round % 2 == 0 {
                (0..rng.below(MAX_COMMAND_LEN + 16))
                    .map(|_| alphabet[rng.below(alphabet.len())])
                    .collect()
            } else {
                let f = &FAULTS[rng.below(FAULTS.len())];
                let ctxs: Vec<Context> = f.contexts.iter().collect();
                let ctx = ctxs[rng.below(ctxs.len())];
                format!(
                    "{} ctx={} cpu={} delay_ms={} id=r{}",
                    f.name,
                    ctx.name(),
                    rng.below(4),
                    rng.below(70_000),
                    rng.next() % 1000
                )
                .into_bytes()
            };
            for _ in 0..rng.below(4) {
                let at = rng.below(input.len() + 1);
                match rng.below(3) {
                    0 if at < input.len() => {
                        input.remove(at);
                    }
                    1 => input.insert(at, alphabet[rng.below(alphabet.len())]),
                    _ if at < input.len() => input[at] = rng.next() as u8,
                    _ => {}
                }
            }
            match parse(&input) {
                Ok(c) => {
                    accepted += 1;
                    assert!(input.len() <= MAX_COMMAND_LEN);
                    assert!(c.fault.contexts.contains(c.ctx));
                    assert!(c.delay_ms <= MAX_DELAY_MS);
                    assert!(c.id.is_none_or(valid_id));
                    let again = canonical(&c);
                    let d = parse(again.as_bytes()).expect("canonical form parses");
                    assert_eq!(canonical(&d), again);
                }
                Err(e) => {
                    rejected += 1;
                    assert!(!format!("{e}").is_empty());
                }
            }
        }
        // Both paths were exercised.
        assert!(
            accepted > 10_000 && rejected > 10_000,
            "{accepted} {rejected}"
        );
    }

    #[test]
    fn shared_cases() {
        for (name, case) in cases::ALL {
            assert_eq!(case(), Ok(()), "{name}");
        }
    }

    fn name(input: &[u8]) -> &'static str {
        parse(input).unwrap().fault.name
    }

    #[test]
    fn parses_names_with_white_space() {
        assert_eq!(name(b"BUG"), "BUG");
        assert_eq!(name(b"BUG\n"), "BUG");
        assert_eq!(name(b"  NULL_DEREF \t\n"), "NULL_DEREF");
        let c = parse(b"BUG\n").unwrap();
        assert_eq!(
            (c.ctx, c.cpu, c.delay_ms, c.id),
            (Context::Process, None, 0, None)
        );
    }

    #[test]
    fn parses_options() {
        let c = parse(b"NULL_DEREF ctx=hardirq cpu=1 delay_ms=50 id=run-7.a:b_c\n").unwrap();
        assert_eq!(c.fault.name, "NULL_DEREF");
        assert_eq!(c.ctx, Context::Hardirq);
        assert_eq!(c.cpu, Some(1));
        assert_eq!(c.delay_ms, 50);
        assert_eq!(c.id, Some("run-7.a:b_c"));
        let c = parse(b"BUG id=x ctx=workqueue").unwrap();
        assert_eq!((c.ctx, c.id), (Context::Workqueue, Some("x")));
    }

    #[test]
    fn rejects_bad_commands() {
        assert_eq!(parse(b"").unwrap_err(), ParseError::Empty);
        assert_eq!(parse(b"\n").unwrap_err(), ParseError::Empty);
        assert_eq!(parse(b" \t \n").unwrap_err(), ParseError::Empty);
        assert_eq!(parse(b"bug").unwrap_err(), ParseError::UnknownFault);
        assert_eq!(parse(b"BUGX").unwrap_err(), ParseError::UnknownFault);
        assert_eq!(parse(b"BUG now").unwrap_err(), ParseError::UnknownOption);
        assert_eq!(
            parse(b"BUG when=now").unwrap_err(),
            ParseError::UnknownOption
        );
        assert_eq!(parse(b"BUG\0").unwrap_err(), ParseError::NotText);
        assert_eq!(parse(b"\xff\xfe").unwrap_err(), ParseError::NotText);
        assert_eq!(parse(&[b'A'; 4096]).unwrap_err(), ParseError::TooLong(4096));
        assert_eq!(
            parse(&[b' '; MAX_COMMAND_LEN + 1]).unwrap_err(),
            ParseError::TooLong(MAX_COMMAND_LEN + 1)
        );
    }

    #[test]
    fn rejects_bad_options() {
        let bad = |input: &[u8]| parse(input).unwrap_err();
        assert_eq!(bad(b"BUG ctx=nmi"), ParseError::BadValue("ctx"));
        assert_eq!(bad(b"BUG ctx="), ParseError::BadValue("ctx"));
        assert_eq!(bad(b"BUG cpu=-1"), ParseError::BadValue("cpu"));
        assert_eq!(bad(b"BUG cpu=one"), ParseError::BadValue("cpu"));
        assert_eq!(bad(b"BUG delay_ms=60001"), ParseError::BadValue("delay_ms"));
        assert_eq!(bad(b"BUG id="), ParseError::BadValue("id"));
        assert_eq!(bad(b"BUG id=a/b"), ParseError::BadValue("id"));
        assert_eq!(bad(b"BUG cpu=0 cpu=1"), ParseError::Repeated("cpu"));
        assert_eq!(
            bad(b"HUNG_TASK ctx=hardirq"),
            ParseError::ContextNotAllowed("HUNG_TASK", "hardirq")
        );
        assert_eq!(
            bad(b"MUTEX_RECURSION ctx=irqoff"),
            ParseError::ContextNotAllowed("MUTEX_RECURSION", "irqoff")
        );
        // Every error explains itself in one line.
        for e in [
            ParseError::Empty,
            ParseError::BadValue("ctx"),
            ParseError::BadValue("id"),
            ParseError::ContextNotAllowed("A", "b"),
        ] {
            let text = format!("{e}");
            assert!(!text.is_empty() && !text.contains('\n'), "{text}");
        }
    }

    #[test]
    fn every_allowed_context_parses() {
        for f in FAULTS {
            for ctx in Context::ALL {
                let cmd = format!("{} ctx={}", f.name, ctx.name());
                assert_eq!(
                    parse(cmd.as_bytes()).is_ok(),
                    f.contexts.contains(ctx),
                    "{cmd}"
                );
            }
            assert!(f.contexts.contains(Context::Process), "{}", f.name);
        }
    }

    #[test]
    fn names_are_unique_and_plain() {
        assert!(FAULTS.len() >= 30);
        for (i, f) in FAULTS.iter().enumerate() {
            assert!(
                f.name
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
                "{}",
                f.name
            );
            assert!(
                FAULTS[i + 1..].iter().all(|g| g.name != f.name),
                "{}",
                f.name
            );
            assert!(FAULTS[i + 1..].iter().all(|g| g.id != f.id), "{}", f.name);
            assert_eq!(name(f.name.as_bytes()), f.name);
            for need in f.needs {
                assert!(need.starts_with("CONFIG_"), "{}: {need}", f.name);
            }
        }
    }

    #[test]
    fn patterns_use_the_portable_subset() {
        // \d, \s, \w, \b, (?...) and counted repetition differ between Rust's regex and busybox
        // grep -E, or are missing in one of them.
        for f in FAULTS {
            for arch in Arch::ALL {
                match f.expect(arch) {
                    Expect::Lines(lines) => {
                        assert!(!lines.is_empty(), "{}", f.name);
                        for p in lines {
                            for bad in [r"\d", r"\s", r"\w", r"\b", "(?", "{", "}"] {
                                let allowed = bad.len() == 1 && p.contains(&format!("\\{bad}"));
                                assert!(
                                    allowed || !p.contains(bad),
                                    "{} {}: '{bad}' in {p}",
                                    f.name,
                                    arch.name()
                                );
                            }
                        }
                    }
                    Expect::Unsupported(why) => assert!(!why.is_empty()),
                }
            }
        }
    }
}
