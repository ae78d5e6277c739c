// SPDX-License-Identifier: GPL-2.0

//! The checks of a run in a distribution system (the system guest kind): what the system's
//! own crash pipeline kept besides the vmcore — the dmesg file kdump-tools saved beside it,
//! the panic record systemd-pstore archived from ramoops — and whether the system came back
//! after the capture kernel's reboot, ready to capture the next crash.

use super::{
    check::Check,
    console::Matcher,
    kept_log,
    known_loss::not_kept, //
};

/// The check names, in report order (after the vmcore's).
pub const CHECKS: [&str; 3] = ["kdump_dmesg", "pstore", "came_back"];

/// Why a system without makedumpfile keeps no dmesg file.
const NO_MAKEDUMPFILE: &str = "kdump-tools saves its dmesg file with makedumpfile --dump-dmesg, \
     and this system has no makedumpfile (kdump-tools copies /proc/vmcore whole instead): the \
     dump's own log holds the kernel's messages";

/// What the system kept of one crash, read through its guest agent after the reboot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SystemFacts {
    /// Why the run could not be followed to the end (empty: it was): the guest agent never
    /// answered again, say.
    pub lost: String,
    /// The directory kdump-tools wrote (`/var/crash/<stamp>`), empty when there is none.
    pub crash_dir: String,
    /// The `dmesg.<stamp>` file kdump-tools saved, one line each.
    pub kdump_dmesg: Option<Vec<String>>,
    /// The dmesg records systemd-pstore archived (or left in /sys/fs/pstore), one line each.
    pub pstore: Option<Vec<String>>,
    /// `systemctl is-system-running` after the reboot.
    pub state: String,
    /// Whether `kdump-config status` says the next crash will be captured.
    pub kdump_ready: bool,
    /// Boots in the journal (`journalctl --list-boots`).
    pub boots: usize,
    /// Whether the system has makedumpfile, with which kdump-tools saves its dmesg file
    /// (`None`: not asked).
    pub makedumpfile: Option<bool>,
}

/// The system's checks for a fatal run whose trigger carried `id`.
pub fn check(sys: &SystemFacts, matcher: &Matcher, id: &str) -> Vec<Check> {
    let kept = |name, what, lines: Option<&[String]>| match lines {
        // The console's rules and this run's id: a record of an earlier crash never passes.
        Some(lines) => kept_log::check(name, lines, matcher, id),
        None => {
            let why = if sys.lost.is_empty() {
                "the system kept none"
            } else {
                &sys.lost
            };
            Check::new(name, false, format!("no {what}: {why}"))
        }
    };
    // A record the system's own settings keep from pstore is told, with what to add.
    let pstore = match matcher.settings().and_then(|s| s.pstore_unkept()) {
        Some(why) if sys.pstore.is_none() => not_kept("pstore", why),
        _ => kept("pstore", "pstore record", sys.pstore.as_deref()),
    };
    // kdump-tools writes its dmesg file with makedumpfile: without it, none.
    let dmesg = match (sys.makedumpfile, &sys.kdump_dmesg) {
        (Some(false), None) => not_kept("kdump_dmesg", NO_MAKEDUMPFILE),
        _ => kept(
            "kdump_dmesg",
            "kdump-tools' dmesg file",
            sys.kdump_dmesg.as_deref(),
        ),
    };
    vec![dmesg, pstore, came_back(sys)]
}

/// After the capture kernel's reboot the system is up in multi-user mode with kdump loaded
/// again.
fn came_back(sys: &SystemFacts) -> Check {
    let up = matches!(sys.state.as_str(), "running" | "degraded");
    let ok = up && sys.kdump_ready && sys.boots >= 2;
    let detail = if !sys.lost.is_empty() {
        format!("did not come back: {}", sys.lost)
    } else {
        format!(
            "system {}, kdump {}, {} boots in the journal",
            if sys.state.is_empty() {
                "unknown"
            } else {
                &sys.state
            },
            if sys.kdump_ready {
                "ready"
            } else {
                "not ready"
            },
            sys.boots
        )
    };
    Check::new("came_back", ok, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{
        self,
        Arch,
        Context, //
    };

    fn bug() -> Matcher {
        Matcher::new(
            catalog::find("BUG").unwrap(),
            Context::Process,
            Arch::X86_64,
        )
        .unwrap()
    }

    fn log(lines: &[&str]) -> Option<Vec<String>> {
        Some(lines.iter().map(|l| l.to_string()).collect())
    }

    fn good() -> SystemFacts {
        let bug_log = log(&[
            "[   10.1] panicgen: trigger BUG ctx=process id=x",
            "[   10.2] kernel BUG at src/faults/bugs.rs:48!",
            "[   10.3] Oops: invalid opcode: 0000 [#1] SMP",
            "[   10.4] Kernel panic - not syncing: Fatal exception",
        ]);
        SystemFacts {
            crash_dir: "/var/crash/202612032300".into(),
            kdump_dmesg: bug_log.clone(),
            pstore: bug_log,
            state: "running".into(),
            kdump_ready: true,
            boots: 2,
            ..SystemFacts::default()
        }
    }

    #[test]
    fn a_kept_crash_passes_and_each_check_can_fail() {
        let m = bug();
        let check = |sys: &SystemFacts| check(sys, &m, "x");
        assert!(check(&good()).iter().all(|c| c.ok), "{:?}", check(&good()));
        let mut no_pstore = good();
        no_pstore.pstore = None;
        let c = check(&no_pstore);
        assert!(!c[1].ok && c[1].detail.contains("kept none"), "{c:?}");
        let mut other = good();
        other.kdump_dmesg = log(&["[ 1.0] Linux version 7.3.4"]);
        assert!(!check(&other)[0].ok);
        let mut down = good();
        down.kdump_ready = false;
        assert!(!check(&down)[2].ok);
        let mut lost = good();
        lost.lost = "the guest agent did not answer".into();
        lost.state.clear();
        assert!(check(&lost)[2].detail.contains("did not answer"));
        assert!(check(&lost)[0].ok, "{:?}", check(&lost));
        // An earlier crash's records (another run's id) pass neither log check.
        let earlier = SystemFacts {
            kdump_dmesg: good()
                .kdump_dmesg
                .map(|l| l.into_iter().map(|s| s.replace("id=x", "id=w")).collect()),
            ..good()
        };
        let c = check(&SystemFacts {
            pstore: earlier.kdump_dmesg.clone(),
            ..earlier
        });
        assert!(!c[0].ok && c[0].detail.contains("(id=x)"), "{c:?}");
        assert!(!c[1].ok, "{c:?}");
    }

    #[test]
    fn no_dmesg_file_without_makedumpfile_is_told_and_only_then() {
        let m = bug();
        let without = SystemFacts {
            kdump_dmesg: None,
            makedumpfile: Some(false),
            ..good()
        };
        let c = check(&without, &m, "x");
        assert!(super::super::excused(&c[0].detail), "{c:?}");
        assert!(c[0].detail.contains("makedumpfile"), "{c:?}");
        // With makedumpfile, or a system not asked (lost), a missing file fails.
        for asked in [Some(true), None] {
            let c = check(
                &SystemFacts {
                    makedumpfile: asked,
                    ..without.clone()
                },
                &m,
                "x",
            );
            assert!(!c[0].ok && !super::super::excused(&c[0].detail), "{c:?}");
        }
    }
}
