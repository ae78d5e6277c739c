// SPDX-License-Identifier: GPL-2.0

//! The kernel's messages, in one table: the kinds of report the kernel prints, each with the
//! pattern of its first line and the crash title it makes in syzkaller's naming (the runner's
//! titles), and the exact lines the catalog's faults and the benchmark's LKDTM tests expect
//! where they are the same report. A host test holds every expected first line of both to a
//! kind here, so a fault cannot expect a report the titles do not know.

/// A kind of kernel report.
pub(crate) struct ReportKind {
    /// The pattern of the report's first line (POSIX ERE, as the catalog's expectations).
    pub(crate) header: &'static str,
    /// The pattern of a line among the few after the header whose groups the title also uses,
    /// numbered on from the header's (KASAN's `Write of size 1 at ...`); empty for none.
    pub(crate) detail: &'static str,
    /// Its title: `{}` is the location (the first frame that is not reporting machinery),
    /// `$1`... are the header's groups, then the detail's.
    pub(crate) title: &'static str,
}

/// Every kind of report a crash title is made from, in matching order (the first kind whose
/// header matches a line wins, so a narrower kind comes before a wider one).
pub(crate) static REPORT_KINDS: &[ReportKind] = &[
    ReportKind {
        header: r"kernel BUG at ",
        detail: "",
        title: "kernel BUG in {}",
    },
    ReportKind {
        header: r"BUG: kernel NULL pointer dereference|Unable to handle kernel NULL pointer dereference",
        detail: "",
        title: "BUG: unable to handle kernel NULL pointer dereference in {}",
    },
    ReportKind {
        header: r"BUG: unable to handle page fault|kernel tried to execute NX-protected page|Unable to handle kernel (write to read-only memory|execute from non-executable memory|paging request)",
        detail: "",
        title: "BUG: unable to handle kernel paging request in {}",
    },
    ReportKind {
        header: r"BUG: [A-Z]+ stack guard page was hit",
        detail: "",
        title: "BUG: stack guard page was hit in {}",
    },
    ReportKind {
        header: r"Insufficient stack space to handle exception",
        detail: "",
        title: "kernel stack overflow in {}",
    },
    ReportKind {
        header: r"stack-protector: Kernel stack is corrupted in: ([^+ ]+)",
        detail: "",
        title: "kernel panic: stack is corrupted in $1",
    },
    ReportKind {
        header: r"rust_kernel: panicked at ",
        detail: "",
        title: "Rust panic in {}",
    },
    ReportKind {
        header: r"WARNING: possible (recursive locking|circular locking dependency) detected",
        detail: "",
        title: "possible deadlock in {}",
    },
    ReportKind {
        header: r"BUG: spinlock recursion",
        detail: "",
        title: "possible deadlock in {}",
    },
    ReportKind {
        header: r"WARNING: inconsistent lock state",
        detail: "",
        title: "inconsistent lock state in {}",
    },
    ReportKind {
        header: SLEEPING_IN_ATOMIC,
        detail: "",
        title: "BUG: sleeping function called from invalid context in {}",
    },
    ReportKind {
        header: r"WARNING: bad unlock balance detected",
        detail: "",
        title: "WARNING: bad unlock balance in {}",
    },
    ReportKind {
        header: r"BUG: soft lockup",
        detail: "",
        title: "BUG: soft lockup in {}",
    },
    ReportKind {
        header: r"Watchdog detected hard LOCKUP",
        detail: "",
        title: "BUG: hard lockup in {}",
    },
    ReportKind {
        header: r"INFO: task .* blocked for more than",
        detail: "",
        title: "INFO: task hung in {}",
    },
    ReportKind {
        header: r"rcu: INFO: rcu_[a-z]+ (self-)?detected stall",
        detail: "",
        title: "INFO: rcu detected stall in {}",
    },
    ReportKind {
        header: r"refcount_t: ",
        detail: "",
        title: "WARNING: refcount bug in {}",
    },
    ReportKind {
        header: r"list_(add|del) corruption",
        detail: "",
        title: "BUG: corrupted list in {}",
    },
    ReportKind {
        header: r"BUG: KASAN: (double-free|invalid-free) in ([^+ ]+)",
        detail: "",
        title: "KASAN: $1 in $2",
    },
    ReportKind {
        header: r"BUG: KASAN: ([a-z-]+) in ([^+ ]+)",
        detail: r"^(Read|Write) (of size|at addr) ",
        title: "KASAN: $1 $3 in $2",
    },
    ReportKind {
        header: r"BUG: KFENCE: ([a-z -]+) in ([^+ ]+)",
        detail: "",
        title: "KFENCE: $1 in $2",
    },
    ReportKind {
        header: r"UBSAN: ([a-z /-]+) in ",
        detail: "",
        title: "UBSAN: $1 in {}",
    },
    ReportKind {
        header: r"BUG [^ ]+ \(.*\): Object already free",
        detail: "",
        title: "BUG: double free in {}",
    },
    ReportKind {
        header: r"BUG [^ ]+ \(.*\): ",
        detail: "",
        title: "BUG: corrupted slab object in {}",
    },
    ReportKind {
        header: r"Oops: invalid opcode|Oops - Undefined instruction",
        detail: "",
        title: "invalid opcode in {}",
    },
    ReportKind {
        header: r"Oops: divide error",
        detail: "",
        title: "divide error in {}",
    },
    ReportKind {
        header: r"WARNING: .* at ",
        detail: "",
        title: "WARNING in {}",
    },
    ReportKind {
        header: r"Kernel panic - not syncing: (.*)",
        detail: "",
        title: "kernel panic: $1",
    },
];

/// x86_64's report of an access to address 0.
pub(crate) const NULL_X86: &str =
    r"BUG: kernel NULL pointer dereference, address: 0000000000000000";
/// arm64's report of an access to address 0.
pub(crate) const NULL_ARM64: &str =
    r"Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000";
/// The stack protector's panic (the function named after it).
pub(crate) const CANARY: &str =
    r"Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ";
/// lockdep, a lock taken again by its holder (or a second lock of the same class).
pub(crate) const LOCKDEP_RECURSIVE: &str = r"WARNING: possible recursive locking detected";
/// lockdep, a cycle in the lock order.
pub(crate) const LOCKDEP_CIRCULAR: &str = r"WARNING: possible circular locking dependency detected";
/// The soft-lockup detector's report.
pub(crate) const SOFT_LOCKUP: &str = r"watchdog: BUG: soft lockup - CPU#[0-9]+ stuck for [0-9]+s!";
/// The hung-task detector's report.
pub(crate) const HUNG: &str = r"INFO: task [^ ]+:[0-9]+ blocked for more than [0-9]+ seconds\.";

/// The boot argument that makes the lockup detectors report within seconds.
pub(crate) const WATCHDOG: &str = "watchdog_thresh=1";
/// The boot argument that makes the hung-task detector report within seconds.
pub(crate) const HUNG_TIMEOUT: &str = "sysctl.kernel.hung_task_timeout_secs=2";

/// Sleeping where the context must not: a report of its own (SLEEP_IN_ATOMIC's), and a sign of
/// a context broken when it comes before another fault's report.
pub(crate) const SLEEPING_IN_ATOMIC: &str = r"BUG: sleeping function called from invalid context";

/// The kernel's reports of code breaking its context's rules: sleeping where it must not, a
/// lock of the wrong kind for the context, RCU misused. Printed after a fault was triggered
/// and before its own report, one of these is panicgen's doing, not the fault's.
pub(crate) const CONTEXT_BROKEN: &[&str] = &[
    SLEEPING_IN_ATOMIC,
    r"BUG: scheduling while atomic",
    r"\[ BUG: Invalid wait context \]",
    r"WARNING: suspicious RCU usage",
];

/// How a report that is not fatal by default is made fatal at boot (the runner's
/// `--fatal-reports`): the boot argument, and the kernel's panic line that follows the report.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Fatal {
    pub(crate) boot_args: &'static str,
    pub(crate) panic: &'static str,
}

/// A warning, fatal with `panic_on_warn` (the origin `check_panic_on_warn()` names is `kernel`).
pub(crate) const WARN_FATAL: Fatal = Fatal {
    boot_args: "panic_on_warn=1",
    panic: r"Kernel panic - not syncing: kernel: panic_on_warn set \.\.\.",
};
/// A KASAN report, fatal with KASAN's own `kasan.fault=panic` (KASAN also honours
/// `panic_on_warn`, as its first report's origin `KASAN`).
pub(crate) const KASAN_FATAL: Fatal = Fatal {
    boot_args: "kasan.fault=panic",
    panic: r"Kernel panic - not syncing: kasan\.fault=panic set \.\.\.",
};
/// A UBSAN report, fatal with `panic_on_warn` (UBSAN has no boot argument of its own).
pub(crate) const UBSAN_FATAL: Fatal = Fatal {
    boot_args: "panic_on_warn=1",
    panic: r"Kernel panic - not syncing: UBSAN: panic_on_warn set \.\.\.",
};
