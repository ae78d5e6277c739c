// SPDX-License-Identifier: GPL-2.0

//! The generated pages of `Documentation/`: each is rendered from the catalog and, where it
//! says what was measured, from the results of `make check`'s runs.

pub mod check_times_rst;
pub mod crash_points_rst;
pub mod dump_levels_rst;
pub mod faults_rst;
pub mod kselftest_config;
pub mod measured_page;
mod stale;
pub mod targets_rst;

use std::path::PathBuf;

/// `docs`: prints the fault reference (Documentation/faults.rst), or with `targets` what each
/// fault does on each kernel target (Documentation/targets.rst), or with `kselftest_config`
/// the selftest's kernel options (selftests/panicgen/config).
pub fn print_reference(targets: bool, kselftest_config: bool) -> Result<bool, String> {
    if kselftest_config {
        print!("{}", kselftest_config::kselftest_config());
        return Ok(true);
    }
    if !targets {
        print!("{}", faults_rst::faults_rst());
        return Ok(true);
    }
    let dir = std::env::var_os("PANICGEN_ROOT")
        .map(|r| PathBuf::from(r).join("scripts/kconfig/targets"))
        .ok_or("docs --targets needs PANICGEN_ROOT (scripts/runner.sh sets it)")?;
    print!("{}", targets_rst::targets_rst(&dir)?);
    Ok(true)
}

/// `times-doc`: prints Documentation/check-times.rst, or with `readme` the README's line of
/// times, from the measured time tables in Documentation/measured/.
pub fn print_times(readme: bool) -> Result<bool, String> {
    let dir = std::env::var_os("PANICGEN_ROOT")
        .map(|r| PathBuf::from(r).join("Documentation/measured"))
        .ok_or("times-doc needs PANICGEN_ROOT (scripts/runner.sh sets it)")?;
    let reports = check_times_rst::reports(&dir)?;
    if readme {
        println!("{}", check_times_rst::readme_line(&reports));
    } else {
        print!("{}", check_times_rst::page(&reports));
    }
    Ok(true)
}

/// `text` as an inline literal. reStructuredText ends a literal only after a non-space
/// character, so a space at either end (a message pattern such as "kernel BUG at ") is said
/// in words instead of being lost or breaking the page.
pub fn literal(text: &str) -> String {
    let core = text.trim_matches(' ');
    let before = if text.starts_with(' ') {
        "a space, then "
    } else {
        ""
    };
    let after = if text.ends_with(' ') && !core.is_empty() {
        " and a space"
    } else {
        ""
    };
    format!("{before}``{core}``{after}")
}

#[cfg(test)]
mod tests {
    use super::literal;

    #[test]
    fn a_literal_never_starts_or_ends_with_a_space() {
        assert_eq!(literal("kernel BUG at "), "``kernel BUG at`` and a space");
        assert_eq!(literal(" x"), "a space, then ``x``");
        assert_eq!(literal("a b"), "``a b``");
    }

    #[test]
    fn the_fault_reference_has_no_broken_literal() {
        let page = super::faults_rst::faults_rst();
        // A literal may run over a line break; what it must not do is start or end with space.
        for (i, part) in page.split("``").enumerate() {
            assert!(
                i % 2 == 0 || part.trim() == part,
                "faults.rst: a literal with a space at an end: ``{part}``"
            );
        }
    }
}
