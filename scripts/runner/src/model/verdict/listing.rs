// SPDX-License-Identifier: GPL-2.0

//! Whether the module's `faults` file tells the truth about the kernel it runs on: every
//! fault's `kind=`, `report=`, `fatal=` and `expect=` there (the module's own reading of its
//! build configuration and of the running kernel's settings) must be what the catalog says
//! for this kernel's `.config` and the way the runner boots it. The matrix then shows that the
//! kernel does what the catalog says, so a listing that agrees with it is true.

use std::collections::HashMap;

use crate::{
    catalog::{
        listings::FaultListing,
        Arch,
        Context,
        Expect,
        Fault,
        Kind,
        Report, //
        FAULTS,
        NO_REPORT,
    },
    model::{
        kconfig::KernelConfig,
        results::SubTest,
        verdict::Verdict, //
    },
};

/// One line of the `faults` file (`catalog::listings::FAULT_LISTING`) as field → value, for
/// the fields compared; `None` for a line that is not one.
fn fields(line: &str) -> Option<HashMap<&str, &str>> {
    let l = FaultListing::parse(line)?;
    Some(HashMap::from([
        ("name", l.name),
        ("kind", l.kind),
        ("report", l.report),
        ("fatal", l.fatal),
        ("expect", l.expect),
    ]))
}

/// Whether a hang detector panics on a kernel booted without its `*_panic` setting: the
/// default its configuration gives.
fn detector_panics(sysctl: &str, kernel: &KernelConfig) -> bool {
    let option = match sysctl {
        "softlockup_panic" => "CONFIG_BOOTPARAM_SOFTLOCKUP_PANIC",
        "hardlockup_panic" => "CONFIG_BOOTPARAM_HARDLOCKUP_PANIC",
        "hung_task_panic" => "CONFIG_BOOTPARAM_HUNG_TASK_PANIC",
        // panic_on_rcu_stall has no configuration default: 0.
        _ => return false,
    };
    kernel.value(option).is_some_and(|v| v != "0" && v != "n")
}

/// The listing line the module should print for `fault` on this kernel (in process context,
/// as the listing describes it), booted as the runner boots it (`oops=panic`).
fn expected(
    fault: &'static Fault,
    arch: Arch,
    kernel: &KernelConfig,
) -> [(&'static str, String); 4] {
    let report = fault.report(Context::Process, |n| kernel.has(n));
    let shown = match report {
        Report::Instead(alt) => fault.instead(alt),
        Report::Main | Report::Unobservable(_) => *fault,
    };
    let fatal = match (report, shown.kind) {
        (Report::Unobservable(_), _) => false,
        (_, Kind::Oops | Kind::Panic) => true,
        (_, Kind::Warn | Kind::Sanitizer(_) | Kind::Lockdep) => false,
        (_, Kind::Hang(sysctl)) => detector_panics(sysctl, kernel),
    };
    let expect = match (report, shown.expect(arch)) {
        (Report::Unobservable(missing), _) => {
            let (before, after) = NO_REPORT;
            format!("{before}{missing}{after}")
        }
        (_, Expect::Lines(lines)) => lines.join(" && "),
        (_, Expect::Unsupported(why)) => format!("unsupported: {why}"),
    };
    [
        ("kind", shown.kind.name().to_string()),
        ("report", report.name().to_string()),
        ("fatal", if fatal { "yes" } else { "no" }.to_string()),
        ("expect", expect),
    ]
}

/// A case per fault, `faults.<NAME>`: the `faults` file's line (`listing`, the lines the init
/// copied from it) against the catalog for `kernel`.
pub fn compare(listing: &[&str], arch: Arch, kernel: &KernelConfig) -> Vec<SubTest> {
    let lines: HashMap<&str, HashMap<&str, &str>> = listing
        .iter()
        .filter_map(|l| fields(l))
        .filter_map(|f| Some((*f.get("name")?, f)))
        .collect();
    FAULTS
        .iter()
        .map(|fault| {
            let name = format!("faults.{}", fault.name);
            let Some(line) = lines.get(fault.name) else {
                return SubTest {
                    name,
                    verdict: Verdict::Fail,
                    reason: "not in the module's faults file".into(),
                };
            };
            let wrong: Vec<String> = expected(fault, arch, kernel)
                .into_iter()
                // A console line loses its trailing blanks; a pattern may end in one.
                .filter(|(key, want)| {
                    line.get(key).map(|got| got.trim_end()) != Some(want.trim_end())
                })
                .map(|(key, want)| {
                    format!(
                        "{key}={} where this kernel gives {want}",
                        line.get(key).unwrap_or(&"(none)")
                    )
                })
                .collect();
            SubTest {
                name,
                verdict: if wrong.is_empty() {
                    Verdict::Pass
                } else {
                    Verdict::Fail
                },
                reason: wrong.join("; "),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stock() -> KernelConfig {
        KernelConfig::parse(
            "CONFIG_SOFTLOCKUP_DETECTOR=y\nCONFIG_BOOTPARAM_SOFTLOCKUP_PANIC=0\nCONFIG_BUG=y\n\
             CONFIG_DEBUG_BUGVERBOSE=y\n",
        )
    }

    /// What a module on that kernel prints, from the same rules (the module's side is
    /// `describe_faults` in src/panicgen_main.rs).
    fn listing(kernel: &KernelConfig) -> Vec<String> {
        FAULTS
            .iter()
            .map(|f| {
                let e = expected(f, Arch::X86_64, kernel);
                format!(
                    "name={} category={} kind={} contexts=process fatal={} needs=- report={} \
                     arch=x86_64 expect={}",
                    f.name, f.category, e[0].1, e[2].1, e[1].1, e[3].1
                )
            })
            .collect()
    }

    #[test]
    fn a_true_listing_passes_and_a_false_one_fails() {
        let kernel = stock();
        let lines = listing(&kernel);
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let cases = compare(&refs, Arch::X86_64, &kernel);
        assert_eq!(cases.len(), FAULTS.len());
        assert!(
            cases.iter().all(|c| c.verdict == Verdict::Pass),
            "{cases:?}"
        );
        let spin = lines
            .iter()
            .find(|l| l.starts_with("name=SPINLOCK_RECURSION "))
            .unwrap();
        assert!(
            spin.contains("kind=hang") && spin.contains("fatal=no"),
            "{spin}"
        );
        assert!(spin.contains("report=instead"), "{spin}");

        // The case: a listing that calls the stock kernel's SPINLOCK_RECURSION a
        // non-fatal lockdep report, and one fault missing.
        let wrong: Vec<String> = lines
            .iter()
            .filter(|l| !l.starts_with("name=PANIC "))
            .map(|l| {
                l.replace(
                    "name=SPINLOCK_RECURSION category=locking kind=hang",
                    "name=SPINLOCK_RECURSION category=locking kind=lockdep",
                )
            })
            .collect();
        let refs: Vec<&str> = wrong.iter().map(String::as_str).collect();
        let cases = compare(&refs, Arch::X86_64, &kernel);
        let failed: Vec<&str> = cases
            .iter()
            .filter(|c| c.verdict == Verdict::Fail)
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(failed, ["faults.PANIC", "faults.SPINLOCK_RECURSION"]);
        let spin = cases
            .iter()
            .find(|c| c.name == "faults.SPINLOCK_RECURSION")
            .unwrap();
        assert!(
            spin.reason
                .contains("kind=lockdep where this kernel gives hang"),
            "{}",
            spin.reason
        );
    }

    #[test]
    fn a_detector_panics_by_its_configured_default() {
        let k = KernelConfig::parse("CONFIG_BOOTPARAM_SOFTLOCKUP_PANIC=1\n");
        assert!(detector_panics("softlockup_panic", &k));
        assert!(!detector_panics("softlockup_panic", &stock()));
        assert!(!detector_panics("panic_on_rcu_stall", &k));
    }
}
