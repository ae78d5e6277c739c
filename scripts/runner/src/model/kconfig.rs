// SPDX-License-Identifier: GPL-2.0

//! The guest kernel's configuration (its `.config`), and so what that kernel does with each
//! fault: the catalog's main report, an alternative one, or none (the run is then a `skip`
//! naming the missing option, and the fault is not fired).

use std::collections::{
    HashMap,
    HashSet, //
};

use crate::catalog::{
    Context,
    Expect,
    Fault,
    Report, //
};

/// The options a kernel was built with (`=y` or `=m`).
#[derive(Clone, Debug, Default)]
pub struct KernelConfig {
    enabled: HashSet<String>,
    values: HashMap<String, String>,
}

impl KernelConfig {
    /// Reads the text of a kernel `.config` (a build tree's, or installed headers'), named
    /// `what` in the error when it holds no option.
    pub fn from_text(text: &str, what: &str) -> Result<Self, String> {
        let config = Self::parse(text);
        if config.enabled.is_empty() {
            return Err(format!("{what} is not a kernel configuration"));
        }
        Ok(config)
    }

    pub fn parse(text: &str) -> Self {
        let options = || {
            text.lines()
                .filter_map(|l| l.split_once('='))
                .filter(|(k, _)| k.starts_with("CONFIG_"))
        };
        let enabled = options()
            .filter(|(_, v)| matches!(*v, "y" | "m"))
            .map(|(k, _)| k.to_string())
            .collect();
        let values = options()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        KernelConfig { enabled, values }
    }

    /// An option's value as written (`y`, `0`, `"text"`).
    pub fn value(&self, option: &str) -> Option<&str> {
        self.values.get(option).map(String::as_str)
    }

    /// A string option's value (`CONFIG_CC_VERSION_TEXT`...), unquoted (the kernel's
    /// version texts hold no quotes or backslashes).
    pub fn text(&self, option: &str) -> Option<&str> {
        self.value(option)?.strip_prefix('"')?.strip_suffix('"')
    }

    pub fn has(&self, option: &str) -> bool {
        self.enabled.contains(option)
    }

    /// `fault` in `ctx` as this kernel shows it: the catalog entry itself, the entry with the
    /// alternative report this kernel gives instead, or (no report) the entry made
    /// unsupported with the missing option as the reason. The made entries live as long as
    /// the runner (one per run at most).
    pub fn resolve(&self, fault: &'static Fault, ctx: Context) -> &'static Fault {
        match fault.report(ctx, |n| self.has(n)) {
            Report::Main => fault,
            Report::Instead(alt) => Box::leak(Box::new(fault.instead(alt))),
            Report::Unobservable(missing) => {
                let why: &'static str =
                    format!("needs {missing}, which this kernel does not have").leak();
                Box::leak(Box::new(Fault {
                    x86_64: Expect::Unsupported(why),
                    arm64: Expect::Unsupported(why),
                    otherwise: &[],
                    ..*fault
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{self, Arch, Kind};

    #[test]
    fn a_stock_kernel_without_lockdep() {
        let config = KernelConfig::parse(
            "# CONFIG_PROVE_LOCKING is not set\nCONFIG_SOFTLOCKUP_DETECTOR=y\nCONFIG_LKDTM=m\n\
             CONFIG_RUSTC_VERSION_TEXT=\"rustc 1.85.1\"\n",
        );
        assert!(config.has("CONFIG_LKDTM") && !config.has("CONFIG_PROVE_LOCKING"));
        assert_eq!(
            config.text("CONFIG_RUSTC_VERSION_TEXT"),
            Some("rustc 1.85.1")
        );
        let spin = catalog::find("SPINLOCK_RECURSION").unwrap();
        let f = config.resolve(spin, Context::Process);
        assert_eq!(f.name, "SPINLOCK_RECURSION");
        assert_eq!(f.kind, Kind::Hang("softlockup_panic"));
        let f = config.resolve(spin, Context::Hardirq);
        assert!(matches!(
            f.expect(Arch::Arm64),
            Expect::Unsupported(why) if why.contains("CONFIG_PROVE_LOCKING")
        ));
        let bug = catalog::find("PANIC").unwrap();
        assert!(std::ptr::eq(config.resolve(bug, Context::Process), bug));
    }

    #[test]
    fn not_a_config() {
        assert!(KernelConfig::from_text("hello\n", "x")
            .unwrap_err()
            .contains("x is not a kernel configuration"));
        assert!(KernelConfig::from_text("CONFIG_BUG=y\n", "x").is_ok());
    }
}
