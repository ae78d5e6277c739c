// SPDX-License-Identifier: GPL-2.0

//! The plan: which runs make up the matrix, in which order, and which of them a shard takes.

use std::{
    collections::{
        HashMap,
        HashSet, //
    },
    fmt,
    str::FromStr, //
};

use crate::{
    catalog::{
        self,
        Context,
        CrashPoint,
        Expect,
        Fault,
        Kind,
        Reach, //
    },
    model::kconfig::KernelConfig,
};

/// One VM run of the matrix: a fault in a context, or fired at a crash point (whose function
/// runs in `ctx`).
#[derive(Clone, Copy, Debug)]
pub struct Run {
    /// The fault as the kernel shows it.
    pub fault: &'static Fault,
    pub ctx: Context,
    pub point: Option<&'static CrashPoint>,
    /// The kernel option without which this kernel shows nothing of the fault here: the run
    /// is a skip that names it, and the fault is not fired.
    pub lacks: Option<&'static str>,
}

/// How long a crash point's probe waits for its function (`timeout_ms=`).
pub const POINT_TIMEOUT_MS: u32 = 20_000;

/// A run's name: `NAME` in process context, `NAME-ctx` elsewhere, `NAME@POINT` at a crash
/// point (its results' context is `@POINT`).
pub fn run_name(fault: &str, ctx: &str) -> String {
    if ctx == Context::Process.name() {
        fault.to_string()
    } else if ctx.starts_with('@') {
        format!("{fault}{ctx}")
    } else {
        format!("{fault}-{ctx}")
    }
}

/// The context a crash point's function runs the fault in, as far as the expected messages
/// go: a task's probe handler runs with preemption off.
pub fn point_context(point: &CrashPoint) -> Context {
    match point.reach {
        Reach::Hardirq => Context::Hardirq,
        Reach::Softirq => Context::Softirq,
        Reach::Task => Context::PreemptOff,
        // The strictest of them: a fault for anywhere must run in an interrupt too.
        Reach::Any => Context::Hardirq,
    }
}

/// Whether `fault` can run wherever `point`'s function runs.
fn runs_at(fault: &Fault, point: &CrashPoint) -> bool {
    match point.reach {
        Reach::Any => catalog::ATOMIC.iter().all(|c| fault.contexts.contains(*c)),
        _ => fault.contexts.contains(point_context(point)),
    }
}

impl Run {
    /// `fault` in `ctx` (at `point`) as `kernel` shows it (without a configuration: the
    /// catalog's main report).
    pub fn new(
        fault: &'static Fault,
        ctx: Context,
        point: Option<&'static CrashPoint>,
        kernel: Option<&KernelConfig>,
    ) -> Self {
        let (fault, lacks) = match kernel.map(|k| k.resolve(fault, ctx)) {
            None => (fault, None),
            Some(Ok(shown)) => (shown, None),
            Some(Err(option)) => (fault, Some(option)),
        };
        Run {
            fault,
            ctx,
            point,
            lacks,
        }
    }

    /// This run on a guest booted to make its report fatal (`--fatal-reports`): a warning or
    /// a sanitizer's report, then the kernel's panic for it, and a dump to check. Other runs,
    /// and skips, are as they were.
    pub fn made_fatal(self) -> Run {
        let Some(fatal) = self.fault.kind.made_fatal_by() else {
            return self;
        };
        if self.lacks.is_some() {
            return self;
        }
        let then_panic = |expect: Expect| match expect {
            Expect::Lines(lines) => Expect::Lines(Vec::leak([lines, &[fatal.panic]].concat())),
            unsupported => unsupported,
        };
        let boot_args = [self.fault.boot_args, fatal.boot_args]
            .iter()
            .filter(|a| !a.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let fault = Box::leak(Box::new(Fault {
            kind: Kind::Panic,
            boot_args: String::leak(boot_args),
            x86_64: then_panic(self.fault.x86_64),
            arm64: then_panic(self.fault.arm64),
            ..*self.fault
        }));
        Run { fault, ..self }
    }

    pub fn name(&self) -> String {
        run_name(self.fault.name, &self.context_name())
    }

    /// The context as results name it: the context, or `@POINT`.
    pub fn context_name(&self) -> String {
        match self.point {
            Some(p) => format!("@{}", p.name),
            None => self.ctx.name().to_string(),
        }
    }

    /// What the guest writes to the trigger (the runner adds `id=`); for a crash point, with
    /// the `workload=` the guest's init runs (and strips) after writing it.
    pub fn command(&self) -> String {
        match self.point {
            Some(p) => format!(
                "{} at={} timeout_ms={POINT_TIMEOUT_MS} workload={}",
                self.fault.name,
                p.name,
                p.workload.name()
            ),
            None => format!("{} ctx={}", self.fault.name, self.ctx.name()),
        }
    }
}

/// The crash-point runs: every selected fault at every selected point, each as `kernel`
/// shows it in the point's context. A fault that cannot run from a probed function is left
/// out (the trigger refuses it).
pub fn point_runs(
    faults: &[&'static Fault],
    points: &[&'static CrashPoint],
    kernel: Option<&KernelConfig>,
) -> Vec<Run> {
    let mut runs = Vec::new();
    for &fault in faults {
        for &point in points {
            let ctx = point_context(point);
            if runs_at(fault, point) {
                runs.push(Run::new(fault, ctx, Some(point), kernel));
            }
        }
    }
    runs
}

/// The runs of the matrix: every selected fault in every selected context it allows, in
/// catalog order, each as `kernel` shows it (without a configuration: the catalog's main
/// report).
pub fn matrix(
    faults: &[&'static Fault],
    contexts: Option<&[Context]>,
    kernel: Option<&KernelConfig>,
) -> Vec<Run> {
    let mut runs = Vec::new();
    for &fault in faults {
        for ctx in fault.contexts.iter() {
            if contexts.is_none_or(|list| list.contains(&ctx)) {
                runs.push(Run::new(fault, ctx, None, kernel));
            }
        }
    }
    runs
}

/// What crash's sample holds one dump of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrashSample {
    /// Each fault: on panicgen's debug kernels, where every fault's checks are proven.
    Fault,
    /// Each category of fault (the module file that implements it): on the other kernels,
    /// whose vmcores crash must open, each reached by every way into the capture.
    Category,
}

/// The runs whose dump crash reads when it samples (`--crash-dumps one-per-fault` or
/// `one-per-category`): the first run in matrix order of each fault (or category) that
/// panics its guest and is fired. drgn and the capture's makedumpfile read every dump;
/// crash's start-up (seconds of gdb per dump) is paid once per fault (or category) and
/// kernel. Taken from the whole matrix, so shards agree.
pub fn crash_sample(matrix: &[Run], by: CrashSample) -> HashSet<String> {
    let mut seen = HashSet::new();
    matrix
        .iter()
        .filter(|r| r.lacks.is_none() && r.fault.kind.panics_test_guest())
        .filter(|r| {
            seen.insert(match by {
                CrashSample::Fault => r.fault.name,
                CrashSample::Category => r.fault.category,
            })
        })
        .map(Run::name)
        .collect()
}

/// The matrix's order of a result, by names: catalog order of the fault, then of the
/// context. A merge puts the slices' results back in this order.
pub fn order_key(fault: &str, ctx: &str) -> (usize, usize) {
    let f = catalog::FAULTS
        .iter()
        .position(|f| f.name == fault)
        .unwrap_or(usize::MAX);
    let c = Context::ALL
        .iter()
        .position(|c| c.name() == ctx)
        .unwrap_or(usize::MAX);
    (f, c)
}

/// An arch named on a command line.
pub fn arch(v: &str) -> Result<catalog::Arch, String> {
    catalog::Arch::from_name(v).ok_or_else(|| format!("unknown arch '{v}' (x86_64 or arm64)"))
}

/// `--shard K/N`: slice K (1-based) of N.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("bad shard '{s}' (K/N with 1 <= K <= N, e.g. 2/4)");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What a run costs, in seconds, when nothing better is known: medians measured under TCG
/// on the project's 2-core machine kind with `make bench` (a fatal run that writes and
/// checks a dump, a hang fault waiting for its detector, anything else).
pub fn default_cost(run: &Run, dumps: bool) -> f64 {
    match run.fault.kind {
        kind if kind.panics_test_guest() && dumps => 4.0,
        Kind::Hang(_) => 3.0,
        _ => 1.0,
    }
}

/// Measured costs by run name (`duration_s` of an earlier results.json), falling back to
/// [`default_cost`].
pub struct Costs {
    pub measured: HashMap<String, f64>,
    pub dumps: bool,
}

impl Costs {
    pub fn of(&self, run: &Run) -> f64 {
        self.measured
            .get(&run.name())
            .copied()
            .filter(|c| *c > 0.0)
            .unwrap_or_else(|| default_cost(run, self.dumps))
    }
}

/// The runs of `shard`: a deterministic, balanced slice of `runs`. Runs go, dearest first
/// (matrix order among equals), to the least-loaded slice (the lowest among equals), so every
/// shard computes the same split from the same matrix; each slice keeps matrix order.
pub fn shard(runs: &[Run], shard: Shard, cost: impl Fn(&Run) -> f64) -> Vec<Run> {
    let costs: Vec<f64> = runs.iter().map(&cost).collect();
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by(|&a, &b| costs[b].total_cmp(&costs[a]).then(a.cmp(&b)));
    let mut load = vec![0.0f64; shard.count];
    let mut owner = vec![0usize; runs.len()];
    for i in order {
        let (lightest, _) = load
            .iter()
            .enumerate()
            .min_by(|(a, x), (b, y)| x.total_cmp(y).then(a.cmp(b)))
            .expect("at least one shard");
        load[lightest] += costs[i];
        owner[i] = lightest;
    }
    runs.iter()
        .zip(owner)
        .filter(|(_, o)| *o == shard.index - 1)
        .map(|(r, _)| *r)
        .collect()
}

/// How a fatal run's memory is captured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DumpMode {
    /// No dump: the console alone decides.
    None,
    /// In the guest: a crashkernel= reservation, a capture kernel loaded with
    /// kexec_file_load, makedumpfile to a virtio disk.
    Kdump,
    /// On the host, for kernels without kdump: pvpanic stops the guest (`GUEST_PANICKED`)
    /// and QEMU writes its memory (`dump-guest-memory`, with `-device vmcoreinfo`).
    Qmp,
    /// In a distribution system (`--system`): its own kdump service, kdump-tools, writes
    /// the dump to its /var/crash; the runner collects it after the system's reboot.
    KdumpTools,
    /// No dump, for machines without kdump: the panic's log kept in a ramoops region across
    /// the reset, printed by the next boot from /sys/fs/pstore ([`crate::model::pstore`]).
    Pstore,
}

impl DumpMode {
    pub fn name(self) -> &'static str {
        match self {
            DumpMode::None => "none",
            DumpMode::Kdump => "kdump",
            DumpMode::Qmp => "qmp",
            DumpMode::KdumpTools => "kdump-tools",
            DumpMode::Pstore => "pstore",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Run> {
        let faults: Vec<&Fault> = catalog::FAULTS.iter().collect();
        matrix(&faults, None, None)
    }

    #[test]
    fn names_and_commands() {
        let bug = catalog::find("BUG").unwrap();
        let r = Run::new(bug, Context::Hardirq, None, None);
        assert_eq!(r.name(), "BUG-hardirq");
        assert_eq!(r.command(), "BUG ctx=hardirq");
        assert_eq!(run_name("BUG", "process"), "BUG");
        let irq = catalog::find_point("IRQ_HANDLER").unwrap();
        let runs = point_runs(&[bug], &[irq], None);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].name(), "BUG@IRQ_HANDLER");
        assert_eq!(runs[0].ctx, Context::Hardirq);
        assert_eq!(
            runs[0].command(),
            "BUG at=IRQ_HANDLER timeout_ms=20000 workload=disk-read"
        );
        assert_eq!(run_name("BUG", "@IRQ_HANDLER"), "BUG@IRQ_HANDLER");
        let hung = catalog::find("HUNG_TASK").unwrap();
        assert!(point_runs(&[hung], &[irq], None).is_empty());
    }

    /// The lines a run expects on x86_64.
    fn lines(run: &Run) -> &'static [&'static str] {
        match run.fault.x86_64 {
            Expect::Lines(lines) => lines,
            Expect::Unsupported(why) => panic!("{why}"),
        }
    }

    #[test]
    fn fatal_reports_boot_with_what_makes_them_panic_and_expect_its_line() {
        let run =
            |name, kernel| Run::new(catalog::find(name).unwrap(), Context::Hardirq, None, kernel);
        let kasan = KernelConfig::parse("CONFIG_KASAN_GENERIC=y\nCONFIG_SLUB_DEBUG=y\n");
        // KASAN's report, then KASAN's own panic.
        let uaf = run("USE_AFTER_FREE", Some(&kasan));
        let fatal = uaf.made_fatal();
        assert_eq!(fatal.fault.kind, Kind::Panic);
        assert_eq!(fatal.fault.boot_args, "kasan.fault=panic");
        assert_eq!(lines(&fatal)[..lines(&uaf).len()], *lines(&uaf));
        assert!(lines(&fatal).last().unwrap().contains("kasan"));
        // A warning: panic_on_warn, after the fault's own boot arguments.
        let warn = run("WARN", None).made_fatal();
        assert_eq!(warn.fault.boot_args, "panic_on_warn=1");
        assert!(lines(&warn).last().unwrap().contains("panic_on_warn"));
        // Fatal already, or never made fatal at boot: unchanged.
        for name in ["BUG", "LOCK_ORDER_ABBA", "SOFTLOCKUP"] {
            let r = run(name, None);
            assert!(std::ptr::eq(r.made_fatal().fault, r.fault), "{name}");
        }
    }

    #[test]
    fn crash_samples_one_fatal_run_per_fault_from_the_whole_matrix() {
        let runs = all();
        let sample = crash_sample(&runs, CrashSample::Fault);
        // Process context is first where a fault allows it.
        assert!(sample.contains("BUG") && !sample.contains("BUG-hardirq"));
        // Non-fatal faults have no dump to read.
        assert!(!sample.iter().any(|n| n.starts_with("WARN")));
        let fatal: HashSet<&str> = runs
            .iter()
            .filter(|r| r.fault.kind.panics_test_guest())
            .map(|r| r.fault.name)
            .collect();
        assert_eq!(sample.len(), fatal.len());
        // By category: one dump of each category that has a fatal fault, the first fault's.
        let by_category = crash_sample(&runs, CrashSample::Category);
        let categories: HashSet<&str> = runs
            .iter()
            .filter(|r| r.fault.kind.panics_test_guest())
            .map(|r| r.fault.category)
            .collect();
        assert_eq!(by_category.len(), categories.len());
        assert!(by_category.contains("BUG") && by_category.is_subset(&sample));
    }

    #[test]
    fn contexts_filter_the_matrix() {
        let full = all();
        let faults = catalog::FAULTS.iter().collect::<Vec<_>>();
        let process = matrix(&faults, Some(&[Context::Process]), None);
        assert!(process.len() < full.len());
        assert!(process.iter().all(|r| r.ctx == Context::Process));
        // On a kernel without lockdep, the same runs, as that kernel shows them.
        let stock = KernelConfig::parse("CONFIG_SOFTLOCKUP_DETECTOR=y\n");
        let on_stock = matrix(&faults, Some(&[Context::Process]), Some(&stock));
        assert_eq!(on_stock.len(), process.len());
        let spin = on_stock
            .iter()
            .find(|r| r.fault.name == "SPINLOCK_RECURSION")
            .unwrap();
        assert_eq!(spin.fault.kind, Kind::Hang("softlockup_panic"));
        // Matrix order is the merge order.
        let keys: Vec<_> = full
            .iter()
            .map(|r| order_key(r.fault.name, r.ctx.name()))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn shard_syntax() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/2", "3/2", "1", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert_eq!(Shard { index: 1, count: 3 }.to_string(), "1/3");
    }

    #[test]
    fn shards_cover_the_matrix_once_and_balance() {
        let runs = all();
        let cost = |r: &Run| default_cost(r, true);
        for n in 1..=5 {
            let slices: Vec<Vec<Run>> = (1..=n)
                .map(|k| shard(&runs, Shard { index: k, count: n }, cost))
                .collect();
            let mut names: Vec<String> = slices.iter().flatten().map(Run::name).collect();
            assert_eq!(names.len(), runs.len(), "{n} shards");
            names.sort();
            names.dedup();
            assert_eq!(names.len(), runs.len(), "a run in two shards");
            let loads: Vec<f64> = slices.iter().map(|s| s.iter().map(cost).sum()).collect();
            let (min, max) = loads
                .iter()
                .fold((f64::MAX, 0.0f64), |(a, b), &l| (a.min(l), b.max(l)));
            assert!(max - min <= 4.0, "{n} shards unbalanced: {loads:?}");
            // Same inputs, same split; each slice in matrix order.
            for (k, s) in slices.iter().enumerate() {
                let again = shard(
                    &runs,
                    Shard {
                        index: k + 1,
                        count: n,
                    },
                    cost,
                );
                assert_eq!(
                    again.iter().map(Run::name).collect::<Vec<_>>(),
                    s.iter().map(Run::name).collect::<Vec<_>>()
                );
                let keys: Vec<_> = s
                    .iter()
                    .map(|r| order_key(r.fault.name, r.ctx.name()))
                    .collect();
                assert!(keys.windows(2).all(|w| w[0] < w[1]));
            }
        }
    }

    #[test]
    fn measured_costs_win() {
        let runs = all();
        let mut costs = Costs {
            measured: HashMap::new(),
            dumps: false,
        };
        assert_eq!(costs.of(&runs[0]), default_cost(&runs[0], false));
        costs.measured.insert(runs[0].name(), 42.0);
        assert_eq!(costs.of(&runs[0]), 42.0);
    }
}
