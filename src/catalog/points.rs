// SPDX-License-Identifier: GPL-2.0

//! Crash points: kernel functions a fault fires from (`at=`), through a kprobe on the
//! function. A named point stands for the functions that implement it on current kernels, per
//! arch (the first one the running kernel has wins), with where it runs and what makes a guest
//! reach it: LKDTM's fixed list, brought up to date.

use super::{
    Arch,
    Context, //
};

/// Where a crash point's function runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reach {
    /// In a hardware interrupt handler.
    Hardirq,
    /// In a softirq.
    Softirq,
    /// In a task (a process or a kernel thread).
    Task,
    /// Anywhere: the function runs in tasks and in interrupts alike (the first hit wins).
    Any,
}

impl Reach {
    /// Where a function ran, as the module's hit line and the listings say it: a task with
    /// interrupts or preemption off is a task.
    pub(crate) const fn of(ctx: Context) -> Reach {
        match ctx {
            Context::Hardirq => Reach::Hardirq,
            Context::Softirq => Reach::Softirq,
            _ => Reach::Task,
        }
    }

    /// The name in listings.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Reach::Hardirq => "hardirq",
            Reach::Softirq => "softirq",
            Reach::Task => "task",
            Reach::Any => "any",
        }
    }
}

/// What a guest does to reach a crash point (the runner's workload).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Workload {
    /// Nothing: an idle guest gets there on its own (timers, the scheduler).
    Idle,
    /// A read from the virtio disk that bypasses the page cache.
    DiskRead,
    /// Buffered reads of the whole virtio disk: the page cache outgrows free memory, and the
    /// kernel reclaims it.
    CacheFill,
}

impl Workload {
    /// The name in listings and in the guest's `pg_workload=`.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Workload::Idle => "idle",
            Workload::DiskRead => "disk-read",
            Workload::CacheFill => "cache-fill",
        }
    }
}

/// A named crash point.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct CrashPoint {
    /// The name `at=` takes.
    pub(crate) name: &'static str,
    /// One line for people.
    pub(crate) description: &'static str,
    /// The functions that implement it on x86_64, in order of preference.
    pub(crate) x86_64: &'static [&'static str],
    /// The same on arm64.
    pub(crate) arm64: &'static [&'static str],
    /// Where the function runs.
    pub(crate) reach: Reach,
    /// What a guest does to get there.
    pub(crate) workload: Workload,
    /// The LKDTM crash point this one brings up to date, and what became of LKDTM's hook.
    pub(crate) lkdtm: &'static str,
}

impl CrashPoint {
    /// The functions that implement the point on `arch`, in order of preference.
    pub(crate) const fn symbols(&self, arch: Arch) -> &'static [&'static str] {
        match arch {
            Arch::X86_64 => self.x86_64,
            Arch::Arm64 => self.arm64,
        }
    }
}

/// The kernel options `at=` needs.
pub(crate) const AT_NEEDS: &[&str] = &["CONFIG_KPROBES"];

/// The named crash points.
pub(crate) const POINTS: &[CrashPoint] = &[
    CrashPoint {
        name: "IRQ_HANDLER",
        description: "a device's hardware interrupt, in the generic handler that runs its actions",
        x86_64: &["handle_irq_event"],
        arm64: &["handle_irq_event"],
        reach: Reach::Hardirq,
        workload: Workload::DiskRead,
        lkdtm: "INT_HARDWARE_ENTRY: hooks do_IRQ, gone on x86 since 5.8 and never on arm64 \
                (its INT_HW_IRQ_EN hooks handle_irq_event, as this one does)",
    },
    CrashPoint {
        name: "TIMER_SOFTIRQ",
        description: "the timer softirq, running an expired timer_list callback",
        x86_64: &["call_timer_fn", "run_timer_softirq"],
        arm64: &["call_timer_fn", "run_timer_softirq"],
        reach: Reach::Softirq,
        workload: Workload::Idle,
        lkdtm: "INT_TASKLET_ENTRY: hooks tasklet_action, which only tasklets reach, and tasklets \
                are on their way out",
    },
    CrashPoint {
        name: "TIMER_ARM",
        description: "arming a high-resolution timer, from a task or an interrupt",
        x86_64: &["hrtimer_start_range_ns"],
        arm64: &["hrtimer_start_range_ns"],
        reach: Reach::Any,
        workload: Workload::Idle,
        lkdtm: "TIMERADD: hooks hrtimer_start, a static inline with no symbol",
    },
    CrashPoint {
        name: "BLOCK_SUBMIT",
        description: "submitting block I/O",
        x86_64: &["submit_bio"],
        arm64: &["submit_bio"],
        reach: Reach::Task,
        workload: Workload::DiskRead,
        lkdtm: "FS_SUBMIT_BH: hooks submit_bh, which only buffer-head I/O reaches (no symbol on \
                panicgen's debug kernels)",
    },
    CrashPoint {
        name: "BLOCK_QUEUE_RQ",
        description: "the virtio block driver queueing a request to the device",
        x86_64: &["virtio_queue_rq"],
        arm64: &["virtio_queue_rq"],
        reach: Reach::Task,
        workload: Workload::DiskRead,
        lkdtm: "SCSI_QUEUE_RQ: hooks scsi_queue_rq, which a virtio-blk guest never reaches",
    },
    CrashPoint {
        name: "RECLAIM",
        description:
            "reclaiming memory: a list of folios shrunk, by kswapd or a task short of memory",
        x86_64: &["shrink_folio_list"],
        arm64: &["shrink_folio_list"],
        reach: Reach::Task,
        workload: Workload::CacheFill,
        lkdtm: "MEM_SWAPOUT: hooks shrink_inactive_list, inlined into its caller on panicgen's \
                debug kernels (no symbol to probe)",
    },
    CrashPoint {
        name: "SCHEDULE",
        description: "a task giving up its CPU",
        x86_64: &["schedule"],
        arm64: &["schedule"],
        reach: Reach::Task,
        workload: Workload::Idle,
        lkdtm: "none",
    },
];

/// Looks a crash point up by its exact name.
pub(crate) fn find_point(name: &str) -> Option<&'static CrashPoint> {
    POINTS.iter().find(|p| p.name == name)
}
