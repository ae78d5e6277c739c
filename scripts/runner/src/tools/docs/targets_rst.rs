// SPDX-License-Identifier: GPL-2.0

//! What each fault does on each kernel target (Documentation/targets.rst), generated from the
//! catalog and, per target and arch, a snapshot of the kernel options the catalog names
//! (`scripts/kconfig/targets/<target>-<arch>.options`, written by `options` from the real
//! `.config`; `make check` holds each snapshot to the kernel it builds or fetches).

use std::{fs, path::Path};

use crate::{
    catalog::{
        Arch,
        Context,
        Expect,
        Report, //
        FAULTS,
    },
    model::kconfig::KernelConfig,
};

/// The targets of the table, with a few words on each.
pub const TARGETS: [(&str, &str); 3] = [
    ("debug", "panicgen's own kernel"),
    ("sanitizers", "the debug kernel with KASAN and UBSAN"),
    ("debian", "Debian's stock kernel"),
];

/// Every option the catalog names (its faults' needs and their alternatives'), sorted.
pub fn catalog_options() -> Vec<&'static str> {
    let mut all: Vec<&str> = FAULTS
        .iter()
        .flat_map(|f| f.needs.iter().chain(f.alternatives().flat_map(|a| a.needs)))
        .chain(crate::catalog::AT_NEEDS)
        .copied()
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// The snapshot of `kernel`'s catalog options, in .config syntax.
pub fn snapshot(kernel: &KernelConfig) -> String {
    catalog_options()
        .into_iter()
        .map(|o| match kernel.value(o) {
            Some(v) if kernel.has(o) => format!("{o}={v}\n"),
            _ => format!("# {o} is not set\n"),
        })
        .collect()
}

/// What a kernel with `kernel`'s options does with a fault in process context, in a word or
/// two: the kind of report, the other report it gives instead, or the option it lacks.
fn cell(fault: &'static crate::catalog::Fault, arch: Arch, kernel: &KernelConfig) -> String {
    if let Expect::Unsupported(_) = fault.expect(arch) {
        return "unsupported".into();
    }
    match fault.report(Context::Process, |n| kernel.has(n)) {
        Report::Main => fault.kind.name().to_string(),
        Report::Instead(alt) => format!("{} instead", alt.kind.name()),
        Report::Unobservable(missing) => format!("skip: {missing}"),
    }
}

/// The generated reStructuredText, from the snapshots in `dir`.
pub fn targets_rst(dir: &Path) -> Result<String, String> {
    let mut columns = Vec::new();
    for (target, _) in TARGETS {
        for arch in Arch::ALL {
            let path = dir.join(format!("{target}-{}.options", arch.name()));
            let text = fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            columns.push((
                format!("{target} {}", arch.name()),
                arch,
                KernelConfig::parse(&text),
            ));
        }
    }
    let mut out = String::from(
        ".. SPDX-License-Identifier: GPL-2.0\n\
         .. Generated from src/catalog/faults.rs and scripts/kconfig/targets/ by `make docs`; do not edit.\n\n\
         ===========================\n\
         panicgen faults per target\n\
         ===========================\n\n\
         What each kernel target does with each fault, in process context, booted as the runner\n\
         boots it (``make run TARGET=...``): the kind of the kernel's report (as in faults.rst),\n\
         ``<kind> instead`` where the kernel lacks the options of the fault's message and\n\
         reports it another way (faults.rst, *Without the needs*), ``skip: <option>`` where it\n\
         shows nothing (the runner does not fire it and names the option), ``unsupported``\n\
         where the architecture cannot do it.\n\n",
    );
    for (target, what) in TARGETS {
        out += &format!("- ``{target}``: {what}.\n");
    }
    out += "\n.. list-table::\n   :header-rows: 1\n\n   * - fault\n";
    for (name, _, _) in &columns {
        out += &format!("     - {name}\n");
    }
    for fault in FAULTS {
        out += &format!("   * - ``{}``\n", fault.name);
        for (_, arch, kernel) in &columns {
            out += &format!("     - {}\n", cell(fault, *arch, kernel));
        }
    }
    Ok(out)
}

/// `options`: prints the snapshot of the catalog's options in the `.config` `kconfig`.
pub fn print_snapshot(kconfig: &Path) -> Result<bool, String> {
    print!("{}", snapshot(&crate::exec::read_kernel_config(kconfig)?));
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../kconfig/targets")
    }

    #[test]
    fn committed_table_matches_the_catalog_and_the_snapshots() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Documentation/targets.rst");
        let committed = fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == targets_rst(&dir()).unwrap(),
            "Documentation/targets.rst is out of date: run 'make docs'"
        );
    }

    #[test]
    fn snapshots_name_every_catalog_option() {
        for (target, _) in TARGETS {
            for arch in Arch::ALL {
                let path = dir().join(format!("{target}-{}.options", arch.name()));
                let text = fs::read_to_string(&path).unwrap();
                let again = snapshot(&KernelConfig::parse(&text));
                assert_eq!(
                    text,
                    again,
                    "{}: run 'make docs' after 'options'",
                    path.display()
                );
            }
        }
    }

    #[test]
    fn a_stock_kernel_in_the_table() {
        let stock = KernelConfig::parse("CONFIG_SOFTLOCKUP_DETECTOR=y\n");
        let spin = crate::catalog::find("SPINLOCK_RECURSION").unwrap();
        assert_eq!(cell(spin, Arch::X86_64, &stock), "hang instead");
        let abba = crate::catalog::find("LOCK_ORDER_ABBA").unwrap();
        assert_eq!(
            cell(abba, Arch::X86_64, &stock),
            "skip: CONFIG_PROVE_LOCKING"
        );
        let div = crate::catalog::find("DIVIDE_ERROR").unwrap();
        assert_eq!(cell(div, Arch::Arm64, &stock), "unsupported");
        assert!(snapshot(&stock).contains("# CONFIG_PROVE_LOCKING is not set\n"));
        assert!(snapshot(&stock).contains("CONFIG_SOFTLOCKUP_DETECTOR=y\n"));
    }
}
