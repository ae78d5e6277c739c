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

    /// `fault` in `ctx` as this kernel shows it: the catalog entry itself, or the entry with
    /// the alternative report this kernel gives instead (made entries live as long as the
    /// runner, one per run at most); or, where it shows nothing, the option it lacks.
    pub fn resolve(
        &self,
        fault: &'static Fault,
        ctx: Context,
    ) -> Result<&'static Fault, &'static str> {
        match fault.report(ctx, |n| self.has(n)) {
            Report::Main => Ok(fault),
            Report::Instead(alt) => Ok(Box::leak(Box::new(fault.instead(alt)))),
            Report::Unobservable(missing) => Err(missing),
        }
    }
}

/// Whether a kernel built with `config` has every one of `options` (none asked: every kernel
/// has them; asked but the configuration unknown: it is not taken to have them).
pub fn built_with(options: &[&str], config: Option<&KernelConfig>) -> bool {
    options.is_empty() || config.is_some_and(|c| options.iter().all(|o| c.has(o)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{
        self,
        Kind, //
    };

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
        let f = config.resolve(spin, Context::Process).unwrap();
        assert_eq!(f.name, "SPINLOCK_RECURSION");
        assert_eq!(f.kind, Kind::Hang("softlockup_panic"));
        let lacks = config.resolve(spin, Context::Hardirq).unwrap_err();
        assert!(lacks.contains("CONFIG_PROVE_LOCKING"), "{lacks}");
        let bug = catalog::find("PANIC").unwrap();
        assert!(std::ptr::eq(
            config.resolve(bug, Context::Process).unwrap(),
            bug
        ));
    }

    #[test]
    fn not_a_config() {
        assert!(KernelConfig::from_text("hello\n", "x")
            .unwrap_err()
            .contains("x is not a kernel configuration"));
        assert!(KernelConfig::from_text("CONFIG_BUG=y\n", "x").is_ok());
    }
}
