// SPDX-License-Identifier: GPL-2.0

//! `selftests/panicgen/config`: the kernel options the selftest's cases need, as kselftest's
//! `config` files list them (`make kselftest-merge` merges them into a kernel's). Generated
//! from the catalog: the module's own, `at=`'s, and every fault's `needs`.

use std::collections::BTreeSet;

use crate::catalog::{
    AT_NEEDS,
    FAULTS, //
};

/// What panicgen itself needs to load, be triggered and be unloaded: a Rust kernel with
/// loadable, unloadable modules and debugfs.
const MODULE_NEEDS: [&str; 4] = [
    "CONFIG_RUST",
    "CONFIG_MODULES",
    "CONFIG_MODULE_UNLOAD",
    "CONFIG_DEBUG_FS",
];

/// The file's text.
pub fn kselftest_config() -> String {
    let options: BTreeSet<&str> = MODULE_NEEDS
        .iter()
        .chain(AT_NEEDS)
        .chain(FAULTS.iter().flat_map(|f| f.needs))
        .copied()
        .collect();
    options.iter().map(|o| format!("{o}=y\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_module_at_and_every_fault_need_are_listed_once() {
        let text = kselftest_config();
        for o in [
            "CONFIG_DEBUG_FS=y",
            "CONFIG_KPROBES=y",
            "CONFIG_PROVE_LOCKING=y",
        ] {
            assert_eq!(text.lines().filter(|l| *l == o).count(), 1, "{o}\n{text}");
        }
        assert!(text
            .lines()
            .all(|l| l.starts_with("CONFIG_") && l.ends_with("=y")));
    }
}
