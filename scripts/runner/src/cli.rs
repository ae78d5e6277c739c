// SPDX-License-Identifier: GPL-2.0

//! The command line (clap), checked into the options of `run`
//! ([`crate::exec::options::Options`]).

use std::{collections::HashMap, env, path::PathBuf, thread, time::Duration};

use clap::{
    Args,
    Parser,
    Subcommand,
    ValueEnum, //
};

use crate::{
    catalog::{
        self,
        Arch,
        Context,
        CrashPoint,
        Fault, //
    },
    exec::{
        capture::CRASHKERNEL_SIZE,
        drgn::Verifier,
        options::{
            Options,
            Suite,
            SystemImage,
            SystemLimits, //
        },
        vm::Accel,
        vmcore_disk,
    },
    model::{
        lkdtm,
        plan::{
            self,
            Costs,
            DumpMode,
            Shard, //
        },
        protocol,
    },
    tools,
};

mod validate;

/// The host side of panicgen: boots QEMU guests, fires faults, judges the kernel's messages
/// and the crash dumps, and writes results.json, results.ktap and results.xml.
#[derive(Parser, Debug)]
#[command(name = "panicgen-runner", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the fault matrix (or a slice of it): one guest per fault and context.
    Run(Box<RunArgs>),
    /// Count the verdicts in results files; fails on anything not passed (selftest included).
    Summary {
        /// results.json files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print a results file's runs as tab-separated lines (name, verdict, cause, attempts,
    /// seconds, reason), after `incomplete` and why when the set is not whole.
    Runs {
        /// A results.json.
        file: PathBuf,
    },
    /// Join the results of the shards of one matrix into one set, as one unsharded run.
    Merge {
        /// Where to write results.json, results.ktap, results.xml, results.kcidb.json and
        /// index.html.
        #[arg(long)]
        out: PathBuf,
        /// Every shard's results.json.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// One results page (index.html) for several result sets: a grid per set.
    Page {
        /// Where to write index.html.
        #[arg(long)]
        out: PathBuf,
        /// The sets' results.json, in the page's order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print a LAVA job for panicgen's guest on LAVA's qemu device type: the selftest, and
    /// a boot per fatal fault, judged by LAVA's monitors on the catalog's patterns.
    LavaJob(tools::lava_job::Args),
    /// Turn the benchmark's runs into its table and bench.json.
    Bench {
        /// Where to write bench.json.
        #[arg(long)]
        out: PathBuf,
        /// `<arch>/<variant>=<results.json>` for every run of the benchmark.
        #[arg(required = true)]
        runs: Vec<String>,
    },
    /// Print the fault reference (Documentation/faults.rst), generated from the catalog.
    Docs {
        /// Instead: what each kernel target does with each fault (Documentation/targets.rst),
        /// from the catalog and the option snapshots in scripts/kconfig/targets/.
        #[arg(long)]
        targets: bool,
        /// Instead: the kernel options the selftest needs (selftests/panicgen/config).
        #[arg(long, conflicts_with = "targets")]
        kselftest_config: bool,
    },
    /// Print the dump-level page (Documentation/dump-levels.rst) from the skew catalog and
    /// the results of `make dump-levels`.
    LevelsDoc(tools::docs::measured_page::PageArgs),
    /// Print the crash-point page (Documentation/crash-points.rst) from the catalog and the
    /// results of `--points` runs.
    PointsDoc(tools::docs::measured_page::PageArgs),
    /// Check that every run of a results file has this cause (the negative controls).
    ExpectCause(tools::expect_cause::Args),
    /// Check that two results files hold the same runs, verdicts and causes, in one order.
    SameVerdicts(tools::same_verdicts::Args),
    /// Check that every run's dump at the runner's own level kept every check.
    OwnLevelIntact(tools::own_level_intact::Args),
    /// Print the snapshot of a kernel's options that the catalog names
    /// (scripts/kconfig/targets/<target>-<arch>.options).
    Options {
        /// The kernel's .config.
        #[arg(long)]
        kconfig: PathBuf,
    },
    /// Print Documentation/check-times.rst from the measured time tables in
    /// Documentation/measured/ (or the README's line of times).
    TimesDoc {
        /// Instead: the README's line.
        #[arg(long)]
        readme: bool,
    },
    /// Print where make check's time went and its wall time against the budget; write
    /// check-times.json.
    Times(tools::times::Args),
    /// List the faults and the contexts each allows.
    List {
        /// Instead: the benchmark's LKDTM tests, each with its panicgen equivalent.
        #[arg(long)]
        peers: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AccelArg {
    /// KVM when a trial boot under it works, else TCG.
    Auto,
    Tcg,
    Kvm,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KeepVmcores {
    All,
    /// Only failed runs' dumps (a passing run's dump is deleted once checked).
    Failed,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// x86_64 or arm64.
    #[arg(long, value_parser = plan::arch)]
    pub arch: Arch,
    /// The guest kernel image (bzImage or Image).
    #[arg(long)]
    pub kernel: PathBuf,
    /// The guest initramfs (scripts/mkinitramfs.sh).
    #[arg(long)]
    pub initramfs: PathBuf,
    /// The output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Seconds a guest may take.
    #[arg(long, default_value_t = 90)]
    pub timeout: u64,
    /// KiB a guest's console may print in one run (each line counted with 64 bytes more,
    /// its cost in memory): past it the run is an error, cause console-flood.
    #[arg(long, default_value_t = 16 * 1024, value_parser = clap::value_parser!(u64).range(64..))]
    pub console_limit_kib: u64,
    #[arg(long, value_enum, default_value_t = AccelArg::Auto)]
    pub accel: AccelArg,
    /// Arguments of the in-guest selftest.
    #[arg(
        long,
        default_value = "--inputs --unload LOCK_ORDER_ABBA",
        allow_hyphen_values = true
    )]
    pub selftest: String,
    /// Do not run the in-guest selftest.
    #[arg(long)]
    pub no_selftest: bool,
    /// Run the in-guest selftest through the kernel's kselftest runner
    /// (`run_kselftest.sh -c panicgen` in the guest's installed kselftest tree), as
    /// KernelCI's and LKFT's kselftest jobs run it.
    #[arg(long, conflicts_with = "no_selftest")]
    pub kselftest: bool,
    /// Boot each run whose report is a warning or a sanitizer's with what makes it fatal
    /// (`panic_on_warn=1`; KASAN's `kasan.fault=panic`): it must then panic after its report,
    /// and with --dump its dump is checked like any fatal run's.
    #[arg(long)]
    pub fatal_reports: bool,
    /// A word added to every guest's kernel command line (the runs', after the fault's own
    /// boot arguments, and the selftest's; repeatable; e.g. kfence.sample_interval=1).
    #[arg(long = "boot-arg", value_name = "WORD")]
    pub boot_args: Vec<String>,
    /// Only the runs whose report, as this kernel (--kconfig) shows it, is of these kinds
    /// (oops, panic, warn, sanitizer, lockdep, hang).
    #[arg(long, value_delimiter = ',', requires = "kconfig")]
    pub kinds: Option<Vec<String>>,
    /// Only these runs of the matrix, by name as the results give it (`BUG`: in process
    /// context; `NULL_DEREF-hardirq`).
    #[arg(long, value_delimiter = ',')]
    pub runs: Option<Vec<String>>,
    /// Only these contexts (those each fault allows).
    #[arg(long, value_delimiter = ',', value_parser = parse_context)]
    pub contexts: Option<Vec<Context>>,
    /// Guests at a time (default: the number of CPUs).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
    /// How fatal runs capture a dump.
    #[arg(long, value_enum, default_value_t = DumpMode::None)]
    pub dump: DumpMode,
    /// The kernel's DWARF vmlinux (drgn reads the dumps with it).
    #[arg(long)]
    pub vmlinux: Option<PathBuf>,
    /// panicgen.ko with its debug info (drgn reads the dumps with it).
    #[arg(long)]
    pub module: Option<PathBuf>,
    /// The root tree of the capture's makedumpfile and its libraries (the capture
    /// initramfs's): its `--dump-dmesg` reads each vmcore's kernel log (the `dmesg` check),
    /// as the Fedora/RHEL kdump tests do.
    #[arg(long)]
    pub dump_tools: Option<PathBuf>,
    /// The root tree of a crash to read each vmcore with, in batch mode (`log`, `bt`, `ps`,
    /// `mod`: the `crash_*` checks), e.g. scripts/debian/chroot.sh's `crash` chroot.
    #[arg(long)]
    pub crash_root: Option<PathBuf>,
    /// crash's path in that tree: a host program that reads this arch's dumps.
    #[arg(long, default_value = "usr/bin/crash")]
    pub crash_program: String,
    /// Which dumps crash reads: all, one per fault (its first fatal run's; drgn and
    /// makedumpfile read every dump), or one per category, as `make check` does to pay
    /// crash's start-up once per fault on panicgen's kernels, once per category on others.
    /// (The last one given counts: a script's default, then a step's own.)
    #[arg(
        long,
        value_enum,
        default_value = "all",
        overrides_with = "crash_dumps"
    )]
    pub crash_dumps: crate::exec::crash::CrashDumps,
    /// The guest's crashkernel= reservation for kdump, or none (breaks the capture on
    /// purpose).
    #[arg(long, default_value = CRASHKERNEL_SIZE, value_parser = parse_crashkernel)]
    pub crashkernel: String,
    /// kdump: boot the guests as a stock kdump system boots, without
    /// `crash_kexec_post_notifiers`: an oops then enters the capture kernel from die(),
    /// before panic() can print its line (each run expects what the settings its guest
    /// reported make the kernel print).
    #[arg(long)]
    pub no_post_notifiers: bool,
    /// Only fatal runs in these contexts capture a dump.
    #[arg(long, value_delimiter = ',', value_parser = parse_context)]
    pub dump_contexts: Option<Vec<Context>>,
    /// kdump: the makedumpfile dump level of the run's dump (0 to 31; `+alias`: with the
    /// VMCOREINFO aliases of renamed entries, see Documentation/dump-levels.rst).
    #[arg(long, default_value = protocol::DUMP_LEVEL, value_parser = parse_dump_level)]
    pub dump_level: String,
    /// kdump: the capture also saves a dump at each of these levels (as --dump-level, or
    /// elf: /proc/vmcore unfiltered), and drgn reads each (the dump-level
    /// table).
    #[arg(long, value_delimiter = ',', value_parser = parse_dump_level)]
    pub dump_levels: Vec<String>,
    /// Instead of contexts: fire each fault at these named crash points (`all`: every one),
    /// through `at=`, while the guest runs what reaches the point. Needs --dump kdump: the
    /// workloads read the vmcore disk, and each dump must show the hooked function.
    #[arg(long, value_delimiter = ',', value_parser = parse_point)]
    pub points: Vec<String>,
    /// Boot every run instead of starting it from a saved booted guest.
    #[arg(long)]
    pub no_snapshot: bool,
    #[arg(long, value_enum, default_value_t = KeepVmcores::All)]
    pub keep_vmcores: KeepVmcores,
    /// Run slice K of N of the matrix (balanced by cost; `merge` joins the slices).
    #[arg(long)]
    pub shard: Option<Shard>,
    /// An earlier results.json whose run times balance the shards.
    #[arg(long)]
    pub costs: Option<PathBuf>,
    /// Fire LKDTM's tests (the benchmark's peer column) instead of panicgen's faults.
    #[arg(long)]
    pub lkdtm: bool,
    /// The guest kernel's .config: faults are expected as this kernel reports them, and one
    /// it cannot show is a skip naming the missing option (default: every fault's main
    /// report).
    #[arg(long)]
    pub kconfig: Option<PathBuf>,
    /// The name of the kernel target, recorded in the results (debug, sanitizers, debian, user).
    #[arg(long, default_value = "")]
    pub target: String,
    /// Run in this distribution system's disk (a raw image, e.g. scripts/debian/image.sh's)
    /// instead of panicgen's own guests: --kernel and --initramfs are the system's own, it
    /// boots with --system-cmdline, is driven through its guest agent and captures with its
    /// kdump service (--dump kdump-tools).
    #[arg(long, requires = "system_cmdline")]
    pub system: Option<PathBuf>,
    /// A system run: seconds from the fault to the capture kernel's reboot (the panic, the
    /// capture kernel's boot, its network if it has one, the dump; Debian arm64 copying its
    /// whole memory took 281 s under TCG on a loaded machine).
    #[arg(long, default_value_t = 600)]
    pub capture_timeout: u64,
    /// A system run: seconds from that reboot to the system's agent answering again (254 s
    /// measured on a loaded machine).
    #[arg(long, default_value_t = 600)]
    pub reboot_timeout: u64,
    /// The system's kernel command line, whole (its /etc/kernel/cmdline).
    #[arg(long, requires = "system")]
    pub system_cmdline: Option<String>,
    /// Set kdump-tools' MAKEDUMP_ARGS in the system's /etc/default/kdump-tools before it
    /// is saved (e.g. "-c -d 23"; default: the system's own setting).
    #[arg(long, requires = "system", allow_hyphen_values = true)]
    pub makedump_args: Option<String>,
    /// Keep saved systems in this directory between runs: a later run with the same image,
    /// kernel, command line and settings restores the system instead of booting it.
    #[arg(long, requires = "system")]
    pub system_cache: Option<PathBuf>,
    /// Faults to run (default: all).
    pub faults: Vec<String>,
}

fn parse_context(v: &str) -> Result<Context, String> {
    Context::from_name(v).ok_or_else(|| format!("unknown context '{v}'"))
}

fn parse_dump_level(v: &str) -> Result<String, String> {
    match v.strip_suffix("+alias").unwrap_or(v).parse::<u8>() {
        Ok(n) if n <= 31 => Ok(v.to_string()),
        _ if v == "elf" => Ok(v.to_string()),
        _ => Err(format!("bad dump level '{v}' (0 to 31, N+alias, or elf)")),
    }
}

fn parse_point(v: &str) -> Result<String, String> {
    if v == "all" || catalog::find_point(v).is_some() {
        Ok(v.to_string())
    } else {
        let names: Vec<&str> = catalog::POINTS.iter().map(|p| p.name).collect();
        Err(format!(
            "unknown crash point '{v}' (all, or one of {})",
            names.join(", ")
        ))
    }
}

fn parse_crashkernel(v: &str) -> Result<String, String> {
    match v {
        "none" => Ok(v.to_string()),
        v if v.len() > 1 && v.trim_end_matches(['K', 'M', 'G']).parse::<u32>().is_ok() => {
            Ok(v.to_string())
        }
        v => Err(format!("bad crashkernel '{v}' (a size like 160M, or none)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Parses `run --arch ARCH --kernel k --initramfs i --out o` followed by `rest`.
    fn parse(arch: &str, rest: &str) -> Result<Options, String> {
        let line =
            format!("panicgen-runner run --arch {arch} --kernel k --initramfs i --out o {rest}");
        let cli = Cli::try_parse_from(line.split_whitespace()).map_err(|e| e.to_string())?;
        match cli.command {
            Command::Run(args) => (*args).validate(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn run_args() {
        let o = parse("arm64", "BUG").unwrap();
        assert_eq!(o.arch, Arch::Arm64);
        assert_eq!(o.faults.len(), 1);
        assert_eq!(
            o.selftest.as_deref(),
            Some("--inputs --unload LOCK_ORDER_ABBA")
        );
        assert!(o.snapshot);
        let o = parse("x86_64", "--no-selftest --jobs 3").unwrap();
        assert_eq!(o.faults.len(), catalog::FAULTS.len());
        assert!(o.selftest.is_none());
        assert_eq!(o.jobs, 3);
        assert!(parse("mips", "").is_err());
        assert!(parse("x86_64", "NOPE").is_err());
        assert!(parse("x86_64", "--timeout soon").is_err());
        assert!(parse("x86_64", "--jobs 0").is_err());
        assert!(parse("x86_64", "--contexts process,nowhere").is_err());
        let o = parse("x86_64", "PANIC BUG PANIC").unwrap();
        let names: Vec<&str> = o.faults.iter().map(|f| f.name).collect();
        assert_eq!(names, ["BUG", "PANIC"], "catalog order, once each");
        let o = parse("x86_64", "--contexts process,hardirq").unwrap();
        assert_eq!(o.contexts, Some(vec![Context::Process, Context::Hardirq]));
    }

    #[test]
    fn dump_args() {
        assert_eq!(
            parse("x86_64", "").unwrap().crashkernel.as_deref(),
            Some(CRASHKERNEL_SIZE)
        );
        assert!(parse("x86_64", "--crashkernel none")
            .unwrap()
            .crashkernel
            .is_none());
        assert!(parse("x86_64", "--crashkernel lots").is_err());
        assert!(
            parse("x86_64", "--dump kdump").is_err(),
            "kdump needs --vmlinux/--module"
        );
        assert!(parse("x86_64", "--dump tape").is_err());
        assert!(parse("x86_64", "--keep-vmcores failed").is_ok());
    }

    #[test]
    fn boot_args_kinds_and_fatal_reports() {
        let o = parse("x86_64", "--boot-arg a=1 --boot-arg b --fatal-reports").unwrap();
        assert_eq!(o.boot_args, ["a=1", "b"]);
        assert!(o.fatal_reports);
        // A kind no report has, refused before the configuration is read; --kinds needs one.
        let e = parse("x86_64", "--kinds nope --kconfig /nonexistent")
            .err()
            .unwrap();
        assert!(e.contains("kind 'nope'"), "{e}");
        let e = parse("x86_64", "--kinds sanitizer --kconfig /nonexistent")
            .err()
            .unwrap();
        assert!(!e.contains("kind"), "{e}");
        assert!(parse("x86_64", "--kinds warn").is_err());
    }

    #[test]
    fn shards_and_peers() {
        let o = parse("x86_64", "--shard 2/3").unwrap();
        assert_eq!(o.shard, Some(Shard { index: 2, count: 3 }));
        assert!(o.selftest.is_none(), "the selftest runs in shard 1 only");
        assert!(parse("x86_64", "--shard 1/3").unwrap().selftest.is_some());
        assert!(parse("x86_64", "--shard 4/3").is_err());
        let o = parse("x86_64", "--lkdtm").unwrap();
        assert_eq!(o.suite, Suite::Lkdtm);
        assert_eq!(o.faults.len(), lkdtm::PEERS.len());
        assert!(o.selftest.is_none());
        assert!(parse("x86_64", "--lkdtm NULL_DEREF").is_err());
    }
}
