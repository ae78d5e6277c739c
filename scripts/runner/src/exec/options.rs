// SPDX-License-Identifier: GPL-2.0

//! The validated options of a fault run (`run`'s command line, checked by [`crate::cli`]):
//! what every part of the exec layer reads.

use std::{
    path::PathBuf,
    time::Duration, //
};

use crate::{
    catalog::{
        Arch,
        Context,
        CrashPoint,
        Fault, //
    },
    exec::{
        drgn::Verifier,
        vm::Accel, //
    },
    model::{
        kconfig::KernelConfig,
        plan::{
            Costs,
            DumpMode,
            Shard, //
        },
    },
};

/// Which faults a run fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suite {
    Panicgen,
    /// LKDTM's tests (lkdtm::PEERS).
    Lkdtm,
}

/// The validated options of `run`.
pub struct Options {
    pub arch: Arch,
    pub kernel: PathBuf,
    pub initramfs: PathBuf,
    pub out: PathBuf,
    pub timeout: Duration,
    /// Bytes a guest's console may print in one run (`--console-limit-kib`).
    pub console_limit: usize,
    /// `None`: probe.
    pub accel: Option<Accel>,
    pub selftest: Option<String>,
    /// Run it through the kernel's `run_kselftest.sh`.
    pub kselftest: bool,
    pub suite: Suite,
    pub faults: Vec<&'static Fault>,
    pub contexts: Option<Vec<Context>>,
    /// Warnings and sanitizer reports made fatal at boot (`--fatal-reports`).
    pub fatal_reports: bool,
    /// Words every guest's command line ends with (`--boot-arg`).
    pub boot_args: Vec<String>,
    /// Only these runs (`--runs`, by name: `BUG` in process context, `NULL_DEREF-hardirq`).
    pub runs: Option<Vec<String>>,
    /// Only runs of these kinds (`--kinds`), as the kernel shows them.
    pub kinds: Option<Vec<String>>,
    pub jobs: usize,
    pub dump: DumpMode,
    pub verifier: Option<Verifier>,
    /// The capture's makedumpfile tree: each vmcore's `--dump-dmesg`.
    pub dump_tools: Option<PathBuf>,
    /// crash, the second reader of each vmcore.
    pub crash: Option<crate::exec::crash::Crash>,
    /// Which of the dumps crash reads.
    pub crash_dumps: crate::exec::crash::CrashDumps,
    pub crashkernel: Option<String>,
    /// kdump guests boot with `crash_kexec_post_notifiers` (`--no-post-notifiers`: not).
    pub post_notifiers: bool,
    pub dump_contexts: Option<Vec<Context>>,
    /// The crash points the faults fire at, instead of the contexts (empty: contexts).
    pub points: Vec<&'static CrashPoint>,
    /// The run's dump level (kdump runs).
    pub dump_level: String,
    /// The dump-level table's levels (kdump runs).
    pub dump_levels: Vec<String>,
    pub snapshot: bool,
    pub keep_passed_vmcores: bool,
    pub shard: Option<Shard>,
    pub costs: Costs,
    /// The guest kernel's configuration, when given.
    pub kconfig: Option<KernelConfig>,
    pub target: String,
    /// A distribution system to run in instead of panicgen's own guests (`--system`).
    pub system: Option<SystemImage>,
    /// Where saved systems are kept between runs (`--system-cache`), if anywhere.
    pub system_cache: Option<PathBuf>,
    /// kdump-tools' MAKEDUMP_ARGS set in the system before it is saved (`--makedump-args`).
    pub makedump_args: Option<String>,
    /// A system run's time limits per phase.
    pub system_limits: SystemLimits,
}

/// A system run's time limits per phase (`--capture-timeout`, `--reboot-timeout`): their
/// defaults pass a stock Debian system under TCG, its capture kernel bringing up the
/// network it was configured with.
#[derive(Clone, Copy, Debug)]
pub struct SystemLimits {
    /// The fault → the capture kernel's reboot.
    pub capture: Duration,
    /// That reboot → the system's agent answering.
    pub reboot: Duration,
}

/// A distribution system's disk and kernel command line (its kernel and initramfs are
/// [`Options::kernel`] and [`Options::initramfs`]).
pub struct SystemImage {
    pub disk: PathBuf,
    pub cmdline: String,
}
