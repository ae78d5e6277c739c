// SPDX-License-Identifier: GPL-2.0

//! crash, the vmcore analyser the distributions document, as a second reader of each dump:
//! the commands it runs in batch mode (as Red Hat's kdump tests do), its output cut into
//! their sections, and what each release is known to misread of a kernel ([`SKEWS`], with
//! the evidence).

use std::collections::BTreeMap;

use crate::{
    catalog::Arch,
    model::{
        kconfig::{
            self,
            KernelConfig, //
        },
        skew::{
            Series,
            Version, //
        },
    },
};

/// The commands, in order: the kernel log, the crashed task's backtrace, the tasks, the
/// modules.
pub const COMMANDS: [&str; 4] = ["log", "bt", "ps", "mod"];

/// The line the runner has crash print before each command's output.
const MARK: &str = "=== panicgen crash: ";

/// crash's options: `-s` (no banner), and `--no_modules`, without which crash up to 9.0.2
/// stops at start-up on 7.x ([`SKEWS`]); what it costs is in the skew.
pub const OPTIONS: [&str; 2] = ["-s", "--no_modules"];

/// The command file (`crash -i FILE`): each command after its marker, then `exit` (without
/// it, crash waits on its input).
pub fn command_file() -> String {
    let mut f = String::new();
    for c in COMMANDS {
        f += &format!("!echo \"{MARK}{c}\"\n{c}\n");
    }
    f + "exit\n"
}

/// What one crash session printed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CrashFacts {
    /// Each command's output lines, by command; empty when crash never ran the commands.
    pub sections: BTreeMap<&'static str, Vec<String>>,
    /// Why crash did not get to the commands (its own error line).
    pub error: String,
}

/// Cuts crash's standard output into the commands' sections; `stderr` says why when there
/// are none.
pub fn parse(stdout: &str, stderr: &str) -> CrashFacts {
    let mut facts = CrashFacts::default();
    let mut current: Option<&'static str> = None;
    for line in stdout.lines() {
        if let Some(c) = line.strip_prefix(MARK) {
            current = COMMANDS.iter().copied().find(|k| *k == c.trim());
            if let Some(k) = current {
                facts.sections.entry(k).or_default();
            }
        } else if let Some(k) = current {
            facts.sections.entry(k).or_default().push(line.to_string());
        }
    }
    if facts.sections.is_empty() {
        facts.error = stderr
            .lines()
            .chain(stdout.lines())
            .map(str::trim)
            .find(|l| l.starts_with("crash") && l.contains(": "))
            .unwrap_or("crash printed nothing of its commands")
            .to_string();
    }
    facts
}

/// The release of a `crash --version` line (`crash 9.0.2` → 9.0.2; crash names itself
/// after its program: `crash-arm64 9.0.2`).
pub fn version(line: &str) -> Option<Version> {
    let (program, v) = line.trim().split_once(' ')?;
    if !program.starts_with("crash") {
        return None;
    }
    let mut n = v
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>().ok());
    Some((n.next()??, n.next()??, n.next().flatten().unwrap_or(0)))
}

/// What a crash release misreads of a kernel, and which commands' checks that loses.
#[derive(Debug)]
pub struct CrashSkew {
    /// What the kernel changed.
    pub change: &'static str,
    /// The first kernel series known to have it.
    pub since: Series,
    /// Only on this arch (`None`: every arch).
    pub arch: Option<Arch>,
    /// Only kernels built with all of these options have it (empty: every kernel).
    pub options: &'static [&'static str],
    /// The first crash release with the fix (`None`: none yet).
    pub fixed_in: Option<Version>,
    pub fix: &'static str,
    /// The commands whose checks it loses.
    pub loses: &'static [&'static str],
    /// How it shows, and where it was measured.
    pub evidence: &'static str,
}

/// The known skews of crash.
pub const SKEWS: &[CrashSkew] = &[
    CrashSkew {
        change: "struct module lost gpl_syms/num_gpl_syms (kernel 55fcb92, kflagstab)",
        since: (7, 3),
        arch: None,
        options: &[],
        fixed_in: None,
        fix: "crash 3a415c0 (2026-04-28), after 9.0.2",
        loses: &["mod", "bt"],
        evidence: "crash 9.0.2 stops at start-up (invalid structure member offset: \
                   module_num_gpl_syms); with --no_modules it starts, and mod cannot access \
                   vmalloc'd module memory and bt has no symbol for module frames (BUG on \
                   7.3.4, x86_64 and arm64, 2026-12-04)",
    },
    CrashSkew {
        change: "arm64 exception frames (pt_regs) as 7.x lays them out",
        since: (7, 3),
        arch: Some(Arch::Arm64),
        options: &[],
        fixed_in: None,
        fix: "crash fa4ba91, after 9.0.2",
        loses: &["bt"],
        evidence: "bt stops at el1h_64_sync with PC/LR/SP misread (BUG-hardirq on 7.3.4 \
                   arm64, 2026-12-04)",
    },
    CrashSkew {
        change: "arm64 52-bit virtual addresses with 4K pages (5-level page tables)",
        since: (6, 9),
        arch: Some(Arch::Arm64),
        options: &["CONFIG_ARM64_VA_BITS_52", "CONFIG_ARM64_4K_PAGES"],
        fixed_in: None,
        fix: "no release up to 9.0.2",
        loses: &["log", "bt", "ps", "mod"],
        evidence: "crash 9.0.2 built for ARM64 stops at start-up on Debian's 7.3.4+deb13-arm64 \
                   dump (invalid kernel virtual address: ffff800080470000 type: \"64-bit \
                   KVADDR\"; 2026-12-04)",
    },
];

/// The skews of crash `version` on a kernel of `series` for `arch`, built with `config`
/// (when known: without it, skews tied to options are left out).
pub fn skews(
    version: Version,
    series: Series,
    arch: Arch,
    config: Option<&KernelConfig>,
) -> Vec<&'static CrashSkew> {
    SKEWS
        .iter()
        .filter(|s| series >= s.since && s.arch.is_none_or(|a| a == arch))
        .filter(|s| s.fixed_in.is_none_or(|f| version < f))
        .filter(|s| kconfig::built_with(s.options, config))
        .collect()
}

/// The checks those skews lose (`crash_<command>`).
pub fn lost_checks(skews: &[&CrashSkew]) -> Vec<&'static str> {
    let mut lost: Vec<&'static str> = skews
        .iter()
        .flat_map(|s| s.loses.iter())
        .filter_map(|c| check_name(c))
        .collect();
    lost.sort_unstable();
    lost.dedup();
    lost
}

/// The check of command `c`.
pub fn check_name(c: &str) -> Option<&'static str> {
    match c {
        "log" => Some("crash_log"),
        "bt" => Some("crash_bt"),
        "ps" => Some("crash_ps"),
        "mod" => Some("crash_mod"),
        _ => None,
    }
}

/// The skew line told before the crash, or `None` when no skew is known.
pub fn line(version_line: &str, release: &str, skews: &[&CrashSkew]) -> Option<String> {
    if skews.is_empty() {
        return None;
    }
    let parts: Vec<String> = skews
        .iter()
        .map(|s| {
            format!(
                "misreads {} ({}.{}, fixed by {}): loses {} (seen: {})",
                s.change,
                s.since.0,
                s.since.1,
                s.fix,
                s.loses.join(", "),
                s.evidence
            )
        })
        .collect();
    Some(format!(
        "{} vs {release}: run with --no_modules; {}",
        version_line.trim(),
        parts.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// crash 9.0.2 on a 7.3.4 x86_64 dump of BUG (shortened from a run).
    const OUT: &str = "\
=== panicgen crash: log
[    3.823394] panicgen: trigger BUG ctx=process id=x86_64.BUG.1.90da67f
[    3.824411] kernel BUG at src/faults/bugs.rs:57!
=== panicgen crash: bt
PID: 89       TASK: ffff98ee00b7ab80  CPU: 0    COMMAND: \"init\"
    [exception RIP: no symbolic reference]
=== panicgen crash: ps
      PID    PPID  CPU       TASK        ST  %MEM      VSZ      RSS  COMM
>     89      1   0  ffff98ee00b7ab80  RU   0.1     1234      567  init
=== panicgen crash: mod
mod: cannot access vmalloc'd module memory
";

    #[test]
    fn sections_by_command() {
        let f = parse(OUT, "");
        assert_eq!(f.sections.len(), 4);
        assert_eq!(f.sections["log"].len(), 2);
        assert!(f.sections["mod"][0].starts_with("mod: cannot access"));
        assert!(f.error.is_empty());
        let failed = parse(
            "",
            "crash: invalid structure member offset: module_num_gpl_syms\n",
        );
        assert!(failed.sections.is_empty());
        assert!(failed.error.contains("module_num_gpl_syms"));
        let lva = parse(
            "WARNING: no kernel module access\n\ncrash-arm64: invalid kernel virtual address: \
             ffff800080470000  type: \"64-bit KVADDR\"\n",
            "",
        );
        assert!(
            lva.error.starts_with("crash-arm64: invalid kernel virtual"),
            "{lva:?}"
        );
        let file = command_file();
        assert!(file.starts_with("!echo \"=== panicgen crash: log\"\nlog\n"));
        assert!(file.ends_with("mod\nexit\n"));
    }

    #[test]
    fn versions_and_skews() {
        assert_eq!(version("crash 9.0.2"), Some((9, 0, 2)));
        assert_eq!(version("crash 9.0.2+~16.3"), Some((9, 0, 2)));
        assert_eq!(version("gdb"), None);
        assert_eq!(version("crash-arm64 9.0.2"), Some((9, 0, 2)));
        assert_eq!(version("GNU gdb (GDB) 16.3"), None);
        let x86 = skews((9, 0, 2), (7, 3), Arch::X86_64, None);
        assert_eq!(lost_checks(&x86), ["crash_bt", "crash_mod"]);
        assert_eq!(skews((9, 0, 2), (7, 3), Arch::Arm64, None).len(), 2);
        let lva = KernelConfig::parse("CONFIG_ARM64_VA_BITS_52=y\nCONFIG_ARM64_4K_PAGES=y\n");
        let debian = skews((9, 0, 2), (7, 3), Arch::Arm64, Some(&lva));
        assert_eq!(lost_checks(&debian).len(), 4);
        assert!(skews((9, 0, 2), (6, 12), Arch::X86_64, None).is_empty());
        let l = line("crash 9.0.2", "7.3.4", &x86).unwrap();
        assert!(
            l.starts_with("crash 9.0.2 vs 7.3.4: run with --no_modules; misreads struct module")
        );
    }
}
