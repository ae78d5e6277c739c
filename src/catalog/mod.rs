// SPDX-License-Identifier: GPL-2.0

//! The panicgen fault catalog and trigger-command parser.
//!
//! This module is the single source of truth for the faults panicgen offers. It is plain
//! `core`-only Rust with no kernel dependencies: the module compiles it in (to list, parse and
//! dispatch faults), and the host-side runner compiles the same files (to know what to fire and
//! which kernel message proves each fault). Adding a fault is one [`Fault`] entry in [`FAULTS`]
//! (`faults.rs`) plus its implementation in the module's `faults` directory. Here: the types;
//! `command.rs`: the trigger's parser; `points.rs`: the named crash points of `at=`;
//! `cases.rs`: the test cases shared with KUnit.
//!
//! Expected messages are regular expressions in the common subset of POSIX ERE (busybox
//! `grep -E` in the guest) and the Rust `regex` crate (the host runner): literal text,
//! `.`, `*`, `+`, `?`, `|`, `(...)`, bracket expressions and backslash-escaped punctuation.

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

/// Where a fault runs. The discriminants are the numbers the module's C side uses
/// (`PANICGEN_CTX_*` in `src/panicgen.h`, held to these by `c_header.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Context {
    /// In the writing process (the default).
    Process = 0,
    /// In softirq context (a timer_list callback, run by the timer softirq).
    Softirq = 1,
    /// In hardirq context (an hrtimer callback, run by the timer interrupt).
    Hardirq = 2,
    /// In a kworker (process context, not the writer).
    Workqueue = 3,
    /// In a kthread of panicgen's own.
    Kthread = 4,
    /// In the writing process with local interrupts disabled.
    IrqOff = 5,
    /// In the writing process with preemption disabled.
    PreemptOff = 6,
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

    /// The context's number on the module's C side.
    pub(crate) const fn number(self) -> u32 {
        self as u32
    }

    /// Looks a context up by its number on the module's C side.
    pub(crate) fn from_number(number: u32) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.number() == number)
    }

    /// Whether the fault runs after the write returned, in a context panicgen arms
    /// (`src/deferral.c`), rather than in the writer.
    pub(crate) const fn deferred(self) -> bool {
        matches!(
            self,
            Context::Softirq | Context::Hardirq | Context::Workqueue | Context::Kthread
        )
    }

    /// Looks a context up by name.
    pub(crate) fn from_name(name: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == name)
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }

    /// The functions that call the fault in this context, innermost first, as a crash dump's
    /// stack shows them: panicgen's deferral (`src/deferral.c`), then the kernel path that runs
    /// it. The dump's `context` check finds them between the fault's frame and the first frame
    /// an interrupt came in on, with no other context's deferral among them.
    pub(crate) const fn callers(self) -> &'static [&'static str] {
        match self {
            Context::Process | Context::IrqOff | Context::PreemptOff => &["ksys_write"],
            Context::Softirq => &["softirq_fn", "call_timer_fn", "handle_softirqs"],
            Context::Hardirq => &["hardirq_fn", "__hrtimer_run_queues"],
            Context::Workqueue => &["work_fn", "worker_thread"],
            Context::Kthread => &["thread_fn", "kthread"],
        }
    }

    /// True where the fault's callers run on an interrupt that came in on other code, so
    /// that a dump's stack goes on past them into the interrupted frame.
    pub(crate) const fn on_interrupt(self) -> bool {
        matches!(self, Context::Hardirq)
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
    pub(crate) fn iter(self) -> impl Iterator<Item = Context> + Clone {
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
    /// A memory-error detector's report (KASAN, UBSAN): fatal with `panic_on_warn`, or with the
    /// detector's own boot argument.
    Sanitizer(&'static messages::Fatal),
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
            Kind::Sanitizer(_) => "sanitizer",
            Kind::Lockdep => "lockdep",
            Kind::Hang(_) => "hang",
        }
    }

    /// The `kernel.*` sysctl that makes this kind fatal, if any.
    pub(crate) const fn panic_sysctl(self) -> Option<&'static str> {
        match self {
            Kind::Oops => Some("panic_on_oops"),
            Kind::Warn | Kind::Sanitizer(_) => Some("panic_on_warn"),
            Kind::Hang(sysctl) => Some(sysctl),
            Kind::Panic | Kind::Lockdep => None,
        }
    }

    /// What makes a report of this kind fatal at boot, for a kind that is neither always
    /// fatal nor a detector's with a sysctl of its own.
    pub(crate) const fn made_fatal_by(self) -> Option<&'static messages::Fatal> {
        match self {
            Kind::Warn => Some(&messages::WARN_FATAL),
            Kind::Sanitizer(fatal) => Some(fatal),
            Kind::Oops | Kind::Panic | Kind::Lockdep | Kind::Hang(_) => None,
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

/// What the kernel prints for a fault on each arch.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ByArch {
    pub(crate) x86_64: Expect,
    pub(crate) arm64: Expect,
}

/// One entry of the catalog.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fault {
    /// The name written to the `trigger` file.
    pub(crate) name: &'static str,
    /// Selects the implementation; the fault's index in [`FAULTS`].
    pub(crate) id: FaultId,
    /// The category: the module source file that implements it, `src/faults/<category>.rs`.
    pub(crate) category: &'static str,
    /// The module function that implements it, in that file.
    pub(crate) function: &'static str,
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
    /// Reports the kernel makes before the fault's own, in the kernel's order: the first whose
    /// options a kernel has is what it shows (KASAN reports a slab fault at the access, before
    /// SLUB debug checks the object).
    pub(crate) preempted_by: &'static [Alternative],
    /// What a kernel without `needs` reports instead, in order of preference.
    pub(crate) otherwise: &'static [Alternative],
}

impl FaultId {
    /// The fault's number on the module's C side: its index in [`FAULTS`].
    pub(crate) const fn number(self) -> u32 {
        self as u32
    }

    /// The fault's catalog entry.
    pub(crate) fn fault(self) -> &'static Fault {
        &FAULTS[self as usize]
    }
}

/// Another report of a fault: one that comes before the fault's own (`preempted_by`), or one
/// for a kernel that lacks its `needs` (`otherwise`). Of each list, the first alternative whose
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
    /// It reports the fault this other way: a report that comes first, or one of a kernel
    /// without the fault's `needs`.
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
        let shows =
            |a: &&'static Alternative| a.contexts.contains(ctx) && a.needs.iter().all(|n| has(n));
        if let Some(first) = self.preempted_by.iter().find(shows) {
            return Report::Instead(first);
        }
        let Some(missing) = self.needs.iter().find(|n| !has(n)) else {
            return Report::Main;
        };
        self.otherwise
            .iter()
            .find(shows)
            .map_or(Report::Unobservable(missing), Report::Instead)
    }

    /// Every other report the catalog knows of this fault: those that come before its own,
    /// then those of kernels without its `needs`.
    pub(crate) fn alternatives(&self) -> impl Iterator<Item = &'static Alternative> + Clone {
        let (first, otherwise) = (self.preempted_by, self.otherwise);
        first.iter().chain(otherwise)
    }

    /// This fault as a kernel that reports it the `alt` way shows it.
    pub(crate) const fn instead(&self, alt: &Alternative) -> Fault {
        Fault {
            kind: alt.kind,
            needs: alt.needs,
            boot_args: alt.boot_args,
            x86_64: alt.x86_64,
            arm64: alt.arm64,
            preempted_by: &[],
            otherwise: &[],
            ..*self
        }
    }
}

mod c_header;
pub(crate) mod cases;
mod command;
mod faults;
pub(crate) mod interfaces;
pub(crate) mod line_cases;
pub(crate) mod lines;
pub(crate) mod listings;
pub(crate) mod messages;
mod points;
pub(crate) mod template;
#[cfg(test)]
mod tests;

pub(crate) use command::*;
pub(crate) use faults::{
    FaultId,
    FAULTS, //
};
// The module's dispatch expands the list; the runner has none.
#[allow(unused_imports)]
pub(crate) use faults::fault_list;
pub(crate) use points::*;
