// SPDX-License-Identifier: GPL-2.0

//! Why a kernel refused to load panicgen.ko, from its own lines: a kernel that checks module
//! signatures (lockdown, as UEFI Secure Boot turns on in Debian's, Ubuntu's and Fedora's
//! kernels; or `module.sig_enforce=1`) and a module it cannot verify. The fix is the same:
//! sign the module with a key the kernel trusts.

use regex::Regex;

use crate::model::protocol::strip_timestamp;

/// The kernel's lines for a module it will not load unverified (kernel/module/signing.c,
/// security/lockdown/lockdown.c).
const REFUSALS: &[&str] = &[
    r"^Lockdown: [^:]+: unsigned module loading is restricted",
    r"^Loading of (unsigned module|module with unavailable key|module with unsupported crypto) is rejected",
];

/// What to do about it.
const FIX: &str = "sign panicgen.ko with a key this kernel trusts (make sign KEY=...); on a \
                   Secure Boot machine enrol that key first with mokutil --import \
                   (Documentation/signing.rst)";

/// The refusal, and its fix, if the console shows the kernel refusing an unverified module.
pub fn why(lines: &[String]) -> Option<String> {
    let refusal = Regex::new(&REFUSALS.join("|")).expect("refusal patterns compile");
    let line = lines
        .iter()
        .map(|l| strip_timestamp(l))
        .find(|l| refusal.is_match(l))?;
    let what = if line.starts_with("Lockdown:") {
        "the kernel is locked down (lockdown=, or UEFI Secure Boot) and loads signed modules only"
    } else {
        "the kernel enforces module signatures (module.sig_enforce=1 or MODULE_SIG_FORCE)"
    };
    Some(format!("{what} ('{line}'): {FIX}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_unsigned_module_names_lockdown_and_the_fix() {
        let lines = |l: &str| vec!["[ 1.0] panicgen-init: booted".to_string(), l.to_string()];
        let w = why(&lines(
            "[ 2.1] Lockdown: insmod: unsigned module loading is restricted; see man kernel_lockdown.7",
        ))
        .unwrap();
        assert!(
            w.contains("locked down") && w.contains("mokutil --import"),
            "{w}"
        );
        let w = why(&lines("[ 2.1] Loading of unsigned module is rejected")).unwrap();
        assert!(
            w.contains("module.sig_enforce=1") && w.contains("make sign"),
            "{w}"
        );
        assert!(why(&lines("[ 2.1] panicgen: loaded")).is_none());
    }
}
