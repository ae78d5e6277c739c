// SPDX-License-Identifier: GPL-2.0

//! Tool/kernel skew: what the dump tools of a run cannot read of its kernel, told before the
//! crash. [`SKEWS`] is the one catalog of known skews, each with the evidence that proved
//! it; [`DECLARED`] holds the kernels each tool release says it supports. The capture
//! kernel's `+alias` dump levels take their VMCOREINFO aliases from here too.

use crate::model::{
    kconfig::{
        self,
        KernelConfig, //
    },
    protocol::{
        self,
        Event, //
    },
};

/// A release: major, minor, patch.
pub type Version = (u32, u32, u32);

/// A kernel series: major, minor.
pub type Series = (u32, u32);

/// The newest kernel series each tool release declares it supports: makedumpfile's
/// `LATEST_VERSION` (makedumpfile.h at the release commit), drgn's vmtest
/// `SUPPORTED_KERNEL_VERSIONS` (vmtest/config.py at the release tag).
pub const DECLARED: &[(&str, Version, Series)] = &[
    ("makedumpfile", (1, 7, 2), (6, 0)),
    ("makedumpfile", (1, 7, 6), (6, 11)),
    ("makedumpfile", (1, 7, 7), (6, 14)),
    ("makedumpfile", (1, 7, 8), (6, 17)),
    ("makedumpfile", (1, 7, 9), (7, 0)),
    ("drgn", (0, 1, 0), (6, 19)),
    ("drgn", (0, 2, 0), (7, 1)),
];

/// A kernel change a dump tool misreads.
#[derive(Debug)]
pub struct Skew {
    pub tool: &'static str,
    /// What the kernel changed.
    pub change: &'static str,
    /// The first kernel series with the change.
    pub since: Series,
    /// Only kernels built with all of these options have it (empty: every kernel).
    pub options: &'static [&'static str],
    /// The VMCOREINFO entry that shows the change in a dump.
    pub vmcoreinfo: &'static str,
    /// A renamed VMCOREINFO entry, (new, old): the capture's `+alias` levels hand the tool
    /// the kernel's VMCOREINFO with the old name added (makedumpfile `-i`).
    pub alias: Option<(&'static str, &'static str)>,
    /// The first release with the fix (`None`: no release has it yet).
    pub fixed_in: Option<Version>,
    /// The fix, upstream.
    pub fix: &'static str,
    /// The dump-level bits whose filtering goes wrong (all 31: the tool cannot read the
    /// kernel at any level).
    pub level_bits: u32,
    /// What a dump loses.
    pub lost: &'static str,
    /// The vmcore checks that loss can fail (what a dump at a spoiled level is excused).
    pub checks: &'static [&'static str],
    /// The dump-level rows that proved it (Documentation/dump-levels.rst has the tables).
    pub evidence: &'static str,
}

/// The known skews.
pub const SKEWS: &[Skew] = &[
    Skew {
        tool: "makedumpfile",
        change: "struct page's compound_head renamed compound_info, in VMCOREINFO too",
        since: (7, 1),
        options: &[],
        vmcoreinfo: "OFFSET(page.compound_info)",
        alias: Some(("OFFSET(page.compound_info)", "OFFSET(page.compound_head)")),
        fixed_in: None,
        fix: "makedumpfile f50c015 (2026-05-19), in no release up to 1.7.9",
        level_bits: 8,
        checks: &["stack", "context"],
        lost: "the first tail page of compound (slab) allocations goes as user data, and \
               with it task stacks and the task list",
        evidence: "BUG in process and hardirq context on the debug kernels (makedumpfile \
                   1.7.2) and Debian amd64 (1.7.6): -d 31 loses tasks and task_list \
                   (Excluded page), on x86_64 the crashed stack too; -d 31+alias keeps every \
                   check. The same unfiltered dump filtered offline with -i, with and without \
                   the alias: only the alias keeps the pages",
    },
    Skew {
        tool: "makedumpfile",
        change: "arm64 52-bit virtual addresses with 4K pages (5-level page tables)",
        since: (6, 9),
        options: &["CONFIG_ARM64_VA_BITS_52", "CONFIG_ARM64_4K_PAGES"],
        vmcoreinfo: "NUMBER(VA_BITS)",
        alias: None,
        fixed_in: None,
        fix: "makedumpfile b7587f1 (2026-05-19), in no release up to 1.7.9",
        level_bits: 31,
        checks: &[],
        lost: "makedumpfile cannot read the kernel at any level: the capture saves \
               /proc/vmcore unfiltered (ELF) instead",
        evidence: "Debian arm64 7.3.4: every filtered level is `none` (makedumpfile exits \
                   1), the run's own dump is ELF",
    },
];

/// A tool's name and release from its version line: makedumpfile's `makedumpfile: version
/// 1.7.2 (released on ...)`, or `drgn 0.3.0`.
pub fn tool_version(line: &str) -> Option<(&str, Version)> {
    let mut words = line.split_whitespace();
    let name = words.next()?.trim_end_matches(':');
    let number = words.find(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
    Some((name, parse_version(number)?))
}

fn parse_version(v: &str) -> Option<Version> {
    let mut parts = v
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse().ok());
    Some((
        parts.next()??,
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
    ))
}

/// A kernel release's series: `7.3.4+deb13-amd64` is 7.3.
pub fn series(release: &str) -> Option<Series> {
    let (major, minor, _) = parse_version(release)?;
    Some((major, minor))
}

/// The newest series a tool release declares, when the record has that release or a newer
/// one of the same tool (`None`: newer than every release on record).
pub fn declared(tool: &str, version: Version) -> Option<Series> {
    DECLARED
        .iter()
        .filter(|(t, v, _)| *t == tool && *v >= version)
        .map(|(_, _, s)| *s)
        .next()
}

/// The dump-level bits of a level: `elf` (unfiltered) has none; `31+alias` is 31.
pub fn level_bits(level: &str) -> u32 {
    level
        .split('+')
        .next()
        .and_then(|l| l.parse().ok())
        .unwrap_or(0)
}

/// Whether a level hands makedumpfile the VMCOREINFO aliases.
pub fn aliased(level: &str) -> bool {
    level.ends_with("+alias")
}

/// The skews of tool release `version` on a kernel of `series` built with `config` (when
/// known: without it, skews tied to options are left out).
pub fn find(
    tool: &str,
    version: Version,
    series: Series,
    config: Option<&KernelConfig>,
) -> Vec<&'static Skew> {
    SKEWS
        .iter()
        .filter(|s| s.tool == tool && series >= s.since)
        .filter(|s| s.fixed_in.is_none_or(|f| version < f))
        .filter(|s| kconfig::built_with(s.options, config))
        .collect()
}

/// Whether a dump at `level` loses what `skew` says (not where the alias mends it).
pub fn spoils(skew: &Skew, level: &str) -> bool {
    level_bits(level) & skew.level_bits != 0 && !(aliased(level) && skew.alias.is_some())
        || skew.level_bits == 31 && level != "elf"
}

/// The one line for a tool release against the kernel `release` at the run's dump `level`,
/// or `None` when the tool declares this kernel and no skew is known.
pub fn line(
    tool: &str,
    version: Version,
    release: &str,
    level: &str,
    config: Option<&KernelConfig>,
) -> Option<String> {
    let series = series(release)?;
    let skews = find(tool, version, series, config);
    let declared = declared(tool, version);
    let older = declared.is_some_and(|d| d < series);
    if skews.is_empty() && !older {
        return None;
    }
    let (a, b, c) = version;
    let mut out = format!("{tool} {a}.{b}.{c} vs {release}: ");
    out += &match declared {
        Some((x, y)) if older => format!("declares kernels up to {x}.{y}"),
        Some((x, y)) => format!("declares kernels up to {x}.{y}, yet"),
        None => "no declared kernel range on record".to_string(),
    };
    for s in skews {
        let (x, y) = s.since;
        out += &format!(
            "; misreads {} ({x}.{y}, fixed by {}): {}; at level {level}: {}",
            s.change,
            s.fix,
            s.lost,
            if spoils(s, level) && s.level_bits == 31 {
                "unfiltered (ELF) instead"
            } else if spoils(s, level) {
                "lost"
            } else if s.alias.is_some() && aliased(level) {
                "mended by the VMCOREINFO alias"
            } else {
                "not affected"
            }
        );
    }
    Some(out)
}

/// The skew lines of a run, told before its crash: the capture's makedumpfile (the `dump
/// tools` line of a `booted` guest's console) and the host's drgn (`drgn` line), against
/// the guest's release, at the run's dump `level`.
pub fn report(
    boot: &[String],
    drgn: Option<&str>,
    level: &str,
    config: Option<&KernelConfig>,
) -> Vec<String> {
    let Some(release) = protocol::guest_release(boot) else {
        return Vec::new();
    };
    let capture = protocol::find(boot, Event::DumpTools)
        .and_then(|at| protocol::event(&boot[at]))
        .map(|(_, tool)| tool);
    report_for(&release, capture, drgn, level, config)
}

/// The skew lines of the capture tool and drgn (each as `tool_version` reads its version
/// line) against the kernel `release` at dump `level`.
pub fn report_for(
    release: &str,
    capture: Option<&str>,
    drgn: Option<&str>,
    level: &str,
    config: Option<&KernelConfig>,
) -> Vec<String> {
    [capture, drgn]
        .into_iter()
        .flatten()
        .filter_map(tool_version)
        .filter_map(|(tool, version)| line(tool, version, release, level, config))
        .collect()
}

/// The dump level to use instead of `level` with the capture tool of `version_line` on the
/// kernel `release`: `None` when nothing `level` keeps is lost; `Some(Ok(n))`: level `n`,
/// `level` without the bits whose filtering goes wrong; `Some(Err(change))`: no level helps
/// (the tool cannot read the kernel `change`).
pub fn safer_level(
    version_line: &str,
    release: &str,
    level: &str,
    config: Option<&KernelConfig>,
) -> Option<Result<u32, &'static str>> {
    let (tool, version) = tool_version(version_line)?;
    let spoiling: Vec<&Skew> = find(tool, version, series(release)?, config)
        .into_iter()
        .filter(|s| spoils(s, level))
        .collect();
    if spoiling.is_empty() {
        return None;
    }
    if let Some(s) = spoiling.iter().find(|s| s.level_bits == 31) {
        return Some(Err(s.change));
    }
    let bad = spoiling.iter().fold(0, |bits, s| bits | s.level_bits);
    Some(Ok(level_bits(level) & !bad))
}

/// Why the capture tool of `version_line` cannot read the kernel `release` at all, and so
/// neither its `--dump-dmesg`: the change it misreads; `None` when it can.
pub fn unreadable(
    version_line: &str,
    release: &str,
    config: Option<&KernelConfig>,
) -> Option<&'static str> {
    safer_level(version_line, release, "31", config)?.err()
}

/// The `pg_vmcoreinfo_alias` pairs, `NEW:OLD`, of every skew with an alias.
pub fn aliases() -> Vec<String> {
    SKEWS
        .iter()
        .filter_map(|s| s.alias)
        .map(|(new, old)| format!("{new}:{old}"))
        .collect()
}

/// The VMCOREINFO entries the capture reports: every skew's, and the old names of aliases.
pub fn vmcoreinfo_keys() -> Vec<&'static str> {
    let mut keys: Vec<&str> = SKEWS.iter().map(|s| s.vmcoreinfo).collect();
    keys.extend(SKEWS.iter().filter_map(|s| s.alias).map(|(_, old)| old));
    keys.dedup();
    keys
}

/// The vmcore checks the capture tool of `version_line` can fail on `release` at `level`
/// for a known skew (none where the tool cannot filter at all: it then saves everything).
pub fn lost_checks(
    version_line: &str,
    release: &str,
    level: &str,
    config: Option<&KernelConfig>,
) -> Vec<&'static str> {
    let Some((tool, version)) = tool_version(version_line) else {
        return Vec::new();
    };
    let Some(series) = series(release) else {
        return Vec::new();
    };
    let mut checks: Vec<&'static str> = find(tool, version, series, config)
        .into_iter()
        .filter(|s| spoils(s, level) && s.level_bits != 31)
        .flat_map(|s| s.checks.iter().copied())
        .collect();
    checks.dedup();
    checks
}

/// For a system whose kdump-tools runs makedumpfile (`version_line`) with `args`
/// (MAKEDUMP_ARGS) at `level`: the change to make in /etc/default/kdump-tools so that its
/// dumps keep what the readers need on `release`, or why none helps; `None` when nothing is
/// lost.
pub fn makedump_args_advice(
    args: &str,
    level: &str,
    version_line: &str,
    release: &str,
    config: Option<&KernelConfig>,
) -> Option<String> {
    Some(match safer_level(version_line, release, level, config)? {
        Ok(n) => {
            let mut words: Vec<String> = args.split_whitespace().map(str::to_string).collect();
            match words.iter().position(|w| w == "-d") {
                Some(i) if i + 1 < words.len() => words[i + 1] = n.to_string(),
                _ => words.extend(["-d".to_string(), n.to_string()]),
            }
            format!(
                "kdump-tools: MAKEDUMP_ARGS=\"{args}\" loses pages the dump's readers need on \
                 {release}: set MAKEDUMP_ARGS=\"{}\" in /etc/default/kdump-tools (level {n}: \
                 the same filtering without the misread bits)",
                words.join(" ")
            )
        }
        Err(change) => format!(
            "kdump-tools: no makedumpfile level helps on {release}: makedumpfile cannot read \
             it ({change}); kdump-tools then writes an empty dump and reports it saved (its \
             pipe from makedumpfile to its compressor hides the failure). To keep the crash: \
             apt remove makedumpfile (only kdump-tools' Recommends); kdump-tools then copies \
             /proc/vmcore whole, as large as the memory, with no dmesg file \
             (Documentation/kdump-tools.rst)"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_safer_level_drops_only_the_spoiled_bits() {
        let mdf = "makedumpfile: version 1.7.6 (released on 10 Dec 2024)";
        assert_eq!(
            safer_level(mdf, "7.3.4+deb13-amd64", "31", None),
            Some(Ok(23))
        );
        assert_eq!(safer_level(mdf, "7.3.4+deb13-amd64", "23", None), None);
        assert_eq!(safer_level(mdf, "7.0.1", "31", None), None);
        assert_eq!(
            lost_checks(mdf, "7.3.4+deb13-amd64", "31", None),
            ["stack", "context"]
        );
        assert!(lost_checks(mdf, "7.3.4+deb13-amd64", "23", None).is_empty());
        let advice = makedump_args_advice("-c -d 31", "31", mdf, "7.3.4+deb13-amd64", None);
        assert!(advice.unwrap().contains("set MAKEDUMP_ARGS=\"-c -d 23\""));
    }

    #[test]
    fn versions_are_read_off_tool_lines() {
        assert_eq!(
            tool_version("makedumpfile: version 1.7.2 (released on 20 Oct 2022)"),
            Some(("makedumpfile", (1, 7, 2)))
        );
        assert_eq!(tool_version("drgn 0.3.0"), Some(("drgn", (0, 3, 0))));
        assert_eq!(tool_version("makedumpfile: not found"), None);
        assert_eq!(series("7.3.4+deb13-arm64"), Some((7, 3)));
        assert_eq!(series("7.3.0-rc2"), Some((7, 3)));
    }

    #[test]
    fn declared_ranges_come_from_the_record() {
        assert_eq!(declared("makedumpfile", (1, 7, 2)), Some((6, 0)));
        assert_eq!(declared("makedumpfile", (1, 7, 5)), Some((6, 11)));
        assert_eq!(declared("makedumpfile", (1, 8, 0)), None);
        assert_eq!(declared("drgn", (0, 3, 0)), None);
    }

    #[test]
    fn the_compound_info_rename_spoils_levels_with_the_user_data_bit() {
        let found = find("makedumpfile", (1, 7, 2), (7, 3), None);
        assert_eq!(
            found.len(),
            1,
            "options unknown: the 52-bit VA skew is left out"
        );
        let s = found[0];
        assert!(spoils(s, "31") && spoils(s, "8") && spoils(s, "15"));
        assert!(!spoils(s, "23") && !spoils(s, "1") && !spoils(s, "elf"));
        assert!(!spoils(s, "31+alias"));
        assert!(find("makedumpfile", (1, 7, 2), (7, 0), None).is_empty());
        let line = line("makedumpfile", (1, 7, 2), "7.3.4", "31", None).unwrap();
        assert!(line.starts_with("makedumpfile 1.7.2 vs 7.3.4: declares kernels up to 6.0"));
        assert!(line.contains("at level 31: lost"), "{line}");
        let mended = super::line("makedumpfile", (1, 7, 2), "7.3.4", "31+alias", None).unwrap();
        assert!(
            mended.ends_with("mended by the VMCOREINFO alias"),
            "{mended}"
        );
    }

    #[test]
    fn option_bound_skews_need_the_options() {
        let lpa2 =
            KernelConfig::parse("CONFIG_ARM64_VA_BITS_52=y\nCONFIG_ARM64_4K_PAGES=y\nCONFIG_X=y\n");
        let found = find("makedumpfile", (1, 7, 6), (7, 3), Some(&lpa2));
        assert_eq!(found.len(), 2);
        assert!(spoils(found[1], "23") && spoils(found[1], "31+alias"));
        let line = line("makedumpfile", (1, 7, 6), "7.3.4", "31+alias", Some(&lpa2)).unwrap();
        assert!(
            line.ends_with("at level 31+alias: unfiltered (ELF) instead"),
            "{line}"
        );
        assert!(!spoils(found[1], "elf"));
        let plain = KernelConfig::parse("CONFIG_ARM64_VA_BITS_48=y\n");
        assert_eq!(
            find("makedumpfile", (1, 7, 6), (7, 3), Some(&plain)).len(),
            1
        );
    }

    #[test]
    fn a_tool_that_declares_the_kernel_and_has_no_skew_says_nothing() {
        assert_eq!(line("makedumpfile", (1, 7, 9), "7.0.1", "31", None), None);
        assert_eq!(line("drgn", (0, 2, 0), "7.1.3", "31", None), None);
        let drgn = line("drgn", (0, 2, 0), "7.3.4", "31", None).unwrap();
        assert_eq!(drgn, "drgn 0.2.0 vs 7.3.4: declares kernels up to 7.1");
    }

    #[test]
    fn a_run_is_told_its_skews_from_the_booted_guest() {
        let boot: Vec<String> = [
            "[    1.0] panicgen-init: booted 7.3.4 x86_64",
            "[    2.0] panicgen-init: capture kernel loaded",
            "[    2.1] panicgen-init: dump tools: makedumpfile: version 1.7.2 (released on 20 Oct 2022)",
        ]
        .map(String::from)
        .to_vec();
        let lines = report(&boot, Some("drgn 0.2.0"), "23", None);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].starts_with("makedumpfile 1.7.2 vs 7.3.4"));
        assert!(
            lines[0].ends_with("at level 23: not affected"),
            "{}",
            lines[0]
        );
        assert_eq!(lines[1], "drgn 0.2.0 vs 7.3.4: declares kernels up to 7.1");
        assert!(report(&boot[1..], Some("drgn 0.2.0"), "23", None).is_empty());
    }

    #[test]
    fn the_capture_is_told_the_aliases_and_keys() {
        assert_eq!(
            aliases(),
            ["OFFSET(page.compound_info):OFFSET(page.compound_head)"]
        );
        assert_eq!(
            vmcoreinfo_keys(),
            [
                "OFFSET(page.compound_info)",
                "NUMBER(VA_BITS)",
                "OFFSET(page.compound_head)"
            ]
        );
    }
}
