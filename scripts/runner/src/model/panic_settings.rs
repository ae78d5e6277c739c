// SPDX-License-Identifier: GPL-2.0

//! The settings of the crashing system that decide how a fatal oops ends, read from the
//! system itself just before the fault fires (never assumed from panicgen's own boot
//! options), and the one rule they feed.
//!
//! An oops ends in `die()` (arm64) or `oops_end()` (x86): when `kexec_should_crash()` says
//! so, the kernel enters the capture kernel right there, *before* `panic()` prints its
//! `Kernel panic - not syncing` line. It says so when a capture kernel is loaded, the
//! command line has no `crash_kexec_post_notifiers` (which moves the capture into
//! `panic()`, after its line and the notifiers), and the oops is in interrupt context or
//! `panic_on_oops` is set. That is every stock kdump system: kdump-tools' `kdump-config`
//! sets `kernel.panic_on_oops=1`, and no distribution's default command line has the
//! option. There the oops on the console, the dump's log and the capture itself are the
//! proof; a panic line never comes.

use serde::Serialize;

use crate::model::protocol::{
    self,
    Event, //
};

/// What the system said of each setting, by the file that shows it (`None`: unreadable).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PanicSettings {
    /// `kernel.panic_on_oops`.
    pub panic_on_oops: Option<bool>,
    /// Whether a capture kernel is loaded (`kexec -p`, `kexec_file_load`).
    pub kexec_crash_loaded: Option<bool>,
    /// The `crash_kexec_post_notifiers` boot option.
    pub crash_kexec_post_notifiers: Option<bool>,
    /// Whether a pstore backend (ramoops, efi-pstore, ...) is registered: pstore's `backend`
    /// parameter names it once one is, `(null)` before; no file, no pstore.
    pub pstore_backend: Option<bool>,
}

/// The files, in the order the settings line gives them. Whether a capture kernel is
/// loaded has two: 7.3's `/sys/kernel/kexec/` and its older name, a link the kernel keeps
/// until 2028 (Documentation/ABI/obsolete/sysfs-kernel-kexec-kdump).
pub const FILES: [&str; 5] = [
    "/proc/sys/kernel/panic_on_oops",
    "/sys/kernel/kexec/crash_loaded",
    "/sys/kernel/kexec_crash_loaded",
    "/sys/module/kernel/parameters/crash_kexec_post_notifiers",
    "/sys/module/pstore/parameters/backend",
];

/// A shell command that prints the settings line's details: ` FILE=VALUE` per file (an
/// empty value for a file the system lacks). The guest init says the same before it fires.
pub fn shell() -> String {
    format!(
        "for f in {}; do printf ' %s=%s' \"$f\" \"$(cat \"$f\" 2>/dev/null)\"; done",
        FILES.join(" ")
    )
}

impl PanicSettings {
    /// The settings a panicgen guest's init said before it fired (its last `panic settings`
    /// line before the module's trigger line), if it said them.
    pub fn from_console(lines: &[String]) -> Option<Self> {
        let end = protocol::trigger_line(lines).unwrap_or(lines.len());
        lines[..end]
            .iter()
            .rev()
            .find_map(|l| match protocol::event(l) {
                Some((Event::PanicSettings, details)) => Self::parse(details),
                _ => None,
            })
    }

    /// The settings in `details` (` FILE=VALUE` words, as [`shell`] prints them); `None`
    /// when they name none of [`FILES`].
    pub fn parse(details: &str) -> Option<Self> {
        let mut s = PanicSettings::default();
        let mut any = false;
        for word in details.split_whitespace() {
            let Some((file, value)) = word.split_once('=') else {
                continue;
            };
            let slot = match file {
                f if f == FILES[0] => &mut s.panic_on_oops,
                f if f == FILES[1] || f == FILES[2] => &mut s.kexec_crash_loaded,
                f if f == FILES[3] => &mut s.crash_kexec_post_notifiers,
                f if f == FILES[4] => {
                    s.pstore_backend = Some(!matches!(value, "" | "(null)"));
                    any = true;
                    continue;
                }
                _ => continue,
            };
            any = true;
            // sysctls and sysfs print numbers, a bool parameter `Y` or `N`; a file the
            // kernel lacks, nothing (the other name of the same setting may say).
            let read = match value {
                "Y" | "y" => Some(true),
                "N" | "n" => Some(false),
                v => v.parse::<i64>().ok().map(|n| n != 0),
            };
            *slot = read.or(*slot);
        }
        any.then_some(s)
    }

    /// Whether an oops (in interrupt context when `in_interrupt`) enters the capture kernel
    /// from `die()`/`oops_end()`, before `panic()` prints its line (`kexec_should_crash()`).
    /// `false` unless every setting it needs was read.
    pub fn oops_kexecs_first(&self, in_interrupt: bool) -> bool {
        self.kexec_crash_loaded == Some(true)
            && self.crash_kexec_post_notifiers == Some(false)
            && (in_interrupt || self.panic_on_oops == Some(true))
    }

    /// Why the panic's log cannot reach pstore on this system, if it cannot: no backend is
    /// registered, or the capture kernel is entered before `panic()` dumps the log to it
    /// (`kmsg_dump()` comes after `__crash_kexec()` unless `crash_kexec_post_notifiers`). `None`
    /// also when a setting it needs was not read: nothing is assumed.
    pub fn pstore_unkept(&self) -> Option<&'static str> {
        if self.pstore_backend == Some(false) {
            return Some(
                "no pstore backend is registered (/sys/module/pstore/parameters/backend): to \
                 keep the panic's log across the reboot, give ramoops a region on the kernel \
                 command line (Documentation/admin-guide/ramoops.rst) and enable \
                 systemd-pstore",
            );
        }
        (self.kexec_crash_loaded == Some(true) && self.crash_kexec_post_notifiers == Some(false))
            .then_some(
                "the capture kernel starts before panic() hands its log to pstore: add \
                 crash_kexec_post_notifiers to the kernel command line for both",
            )
    }

    /// The settings as the results give them: `panic_on_oops=1 kexec_crash_loaded=1
    /// crash_kexec_post_notifiers=N pstore_backend=Y` (`?` for one not read).
    pub fn describe(&self) -> String {
        let num = |v: Option<bool>| v.map_or("?", |b| if b { "1" } else { "0" });
        let yn = |v: Option<bool>| v.map_or("?", |b| if b { "Y" } else { "N" });
        format!(
            "panic_on_oops={} kexec_crash_loaded={} crash_kexec_post_notifiers={} \
             pstore_backend={}",
            num(self.panic_on_oops),
            num(self.kexec_crash_loaded),
            yn(self.crash_kexec_post_notifiers),
            yn(self.pstore_backend)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details(oops: &str, loaded: &str, post: &str) -> String {
        format!(
            " {}={oops} {}={loaded} {}={loaded} {}={post} {}=ramoops",
            FILES[0], FILES[1], FILES[2], FILES[3], FILES[4]
        )
    }

    #[test]
    fn a_stock_kdump_system_kexecs_before_the_panic_line() {
        // kdump-tools' panic_on_oops=1, a capture kernel loaded, no post-notifiers.
        let stock = PanicSettings::parse(&details("1", "1", "N")).unwrap();
        assert!(stock.oops_kexecs_first(false));
        assert!(stock.oops_kexecs_first(true));
        assert_eq!(
            stock.describe(),
            "panic_on_oops=1 kexec_crash_loaded=1 crash_kexec_post_notifiers=N pstore_backend=Y"
        );
    }

    #[test]
    fn pstore_keeps_the_panic_only_with_a_backend_and_the_notifiers_first() {
        let kept = PanicSettings::parse(&details("1", "1", "Y")).unwrap();
        assert_eq!(kept.pstore_unkept(), None);
        let stock = PanicSettings::parse(&details("1", "1", "N")).unwrap();
        assert!(stock
            .pstore_unkept()
            .unwrap()
            .contains("crash_kexec_post_notifiers"));
        let no_kdump = PanicSettings::parse(&details("1", "0", "N")).unwrap();
        assert_eq!(no_kdump.pstore_unkept(), None);
        for none in ["(null)", ""] {
            let text = details("1", "1", "Y").replace("=ramoops", &format!("={none}"));
            let s = PanicSettings::parse(&text).unwrap();
            assert!(s.pstore_unkept().unwrap().contains("ramoops"), "{text}");
        }
        // Not read at all: nothing is assumed.
        let unread = PanicSettings::parse(&format!(" {}=1", FILES[0])).unwrap();
        assert_eq!(unread.pstore_unkept(), None);
    }

    #[test]
    fn post_notifiers_or_no_capture_kernel_keep_the_panic_line() {
        for (oops, loaded, post) in [("1", "1", "Y"), ("1", "0", "N"), ("0", "0", "N")] {
            let s = PanicSettings::parse(&details(oops, loaded, post)).unwrap();
            assert!(!s.oops_kexecs_first(false), "{}", s.describe());
            assert!(!s.oops_kexecs_first(true), "{}", s.describe());
        }
    }

    #[test]
    fn without_panic_on_oops_only_an_interrupts_oops_kexecs() {
        let s = PanicSettings::parse(&details("0", "1", "N")).unwrap();
        assert!(!s.oops_kexecs_first(false));
        assert!(s.oops_kexecs_first(true));
    }

    #[test]
    fn an_unread_setting_is_never_assumed() {
        // A kernel without CONFIG_CRASH_DUMP has no kexec_crash_loaded file.
        let s = PanicSettings::parse(&details("1", "", "N")).unwrap();
        assert_eq!(s.kexec_crash_loaded, None);
        assert!(!s.oops_kexecs_first(true));
        assert!(s.describe().contains("kexec_crash_loaded=?"));
        assert_eq!(PanicSettings::parse(" /proc/other=1"), None);
    }

    #[test]
    fn either_name_of_the_capture_kernel_s_file_says() {
        for (new, old) in [("1", ""), ("", "1")] {
            let text = format!(
                " {}=1 {}={new} {}={old} {}=N",
                FILES[0], FILES[1], FILES[2], FILES[3]
            );
            let s = PanicSettings::parse(&text).unwrap();
            assert_eq!(s.kexec_crash_loaded, Some(true), "{text}");
        }
    }

    #[test]
    fn the_init_says_them_before_the_trigger_line() {
        let lines: Vec<String> = [
            format!(
                "[ 1.0] panicgen-init: panic settings:{}",
                details("1", "0", "Y")
            ),
            format!(
                "[ 2.0] panicgen-init: panic settings:{}",
                details("1", "1", "N")
            ),
            "[ 2.1] panicgen-init: firing BUG id=x".to_string(),
            "[ 2.2] panicgen: trigger BUG ctx=process cpu=0 id=x".to_string(),
            format!(
                "[ 9.0] panicgen-init: panic settings:{}",
                details("0", "0", "Y")
            ),
        ]
        .into();
        let s = PanicSettings::from_console(&lines).unwrap();
        assert!(s.oops_kexecs_first(false), "{}", s.describe());
        assert_eq!(PanicSettings::from_console(&lines[2..4]), None);
    }

    #[test]
    fn the_shell_command_and_the_init_read_every_file() {
        const INIT: &str = include_str!("../../../guest/init");
        for f in FILES {
            assert!(shell().contains(f));
            assert!(INIT.contains(f), "the guest init does not read {f}");
        }
    }
}
