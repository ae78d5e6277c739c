// SPDX-License-Identifier: GPL-2.0

//! The protocol between the host runner and a panicgen guest, defined once.
//!
//! `scripts/guest/init` (PID 1 of the test guest and of the kdump capture kernel) speaks it:
//! it takes its orders from kernel command-line keys and from `fire` lines on the serial
//! console, and reports through `panicgen-init: <event> ...` lines in the kernel log. The
//! module itself announces every fault with its trigger line. A unit test holds the init
//! script to every string here, so the two cannot drift apart.

use crate::catalog::lines::Trigger;

/// What every line the init writes starts with (after the printk time stamp).
pub const INIT_PREFIX: &str = "panicgen-init: ";

/// What the module's line before it fires a fault starts with: `panicgen: trigger <NAME>
/// ctx=... id=...` (`catalog::lines::TRIGGER`, `TRIGGER_AT`).
pub const TRIGGER_PREFIX: &str = "panicgen: trigger ";

/// Kernel command-line keys the init reads (unknown `key=value` words reach init as
/// environment variables).
pub mod key {
    /// `pg_fault="NAME ..."`: load panicgen and fire this trigger command (here and in
    /// `pg_selftest`, commas may stand for spaces, for command lines that cannot be quoted).
    pub const FAULT: &str = "pg_fault";
    /// `pg_selftest="ARGS"`: load panicgen and run the selftest with these arguments.
    pub const SELFTEST: &str = "pg_selftest";
    /// `pg_kselftest=1`: run the selftest through the kernel's `run_kselftest.sh -c panicgen`
    /// (the installed kselftest tree in `/kselftest`), its arguments in
    /// `KSELFTEST_PANICGEN_SH_ARGS`.
    pub const KSELFTEST: &str = "pg_kselftest";
    /// `pg_kdump=1`: load the capture kernel before anything is fired.
    pub const KDUMP: &str = "pg_kdump";
    /// `pg_wait=1`: say `ready`, then fire every `fire ...` line read from the console.
    pub const WAIT: &str = "pg_wait";
    /// `pg_dump_level=L[,L...]`: the makedumpfile dump level the capture step uses; a list
    /// saves one dump per level (`elf`: unfiltered), in the disk's slots in that order.
    pub const DUMP_LEVEL: &str = "pg_dump_level";
    /// `pg_vmcoreinfo=K[,K...]`: the VMCOREINFO entries the capture reports (`vmcoreinfo`).
    pub const VMCOREINFO: &str = "pg_vmcoreinfo";
    /// `pg_vmcoreinfo_alias=NEW:OLD[,...]`: renamed VMCOREINFO entries; a `+alias` dump level
    /// hands makedumpfile the kernel's VMCOREINFO with OLD added where only NEW is there.
    pub const VMCOREINFO_ALIAS: &str = "pg_vmcoreinfo_alias";
    /// `pg_lkdtm=1`: also load LKDTM (the benchmark's peer column).
    pub const LKDTM: &str = "pg_lkdtm";
    /// `pg_pstore=1`: at boot, report what `/sys/fs/pstore` holds; when it holds a record (a
    /// previous boot's panic), print it and stop.
    pub const PSTORE: &str = "pg_pstore";
}

/// The file a fault's name is written to (debugfs).
pub const TRIGGER_FILE: &str = "/sys/kernel/debug/panicgen/trigger";
/// The same trigger as a misc device, which lockdown leaves open.
pub const TRIGGER_DEVICE: &str = "/dev/panicgen";

/// A shell command that writes `command` to the trigger this kernel leaves open: the debugfs
/// file, unless lockdown refuses to open it, else the device (as `selftests/panicgen/lines.sh`
/// chooses in the guests).
pub fn fire_shell(command: &str) -> String {
    format!("t={TRIGGER_FILE}; (: >>$t) 2>/dev/null || t={TRIGGER_DEVICE}; echo '{command}' >$t")
}

/// The console verb of a guest waiting at `ready`: `fire <trigger command>`.
pub const FIRE: &str = "fire";

/// The target prefix of a `fire` line that goes to LKDTM instead of panicgen:
/// `fire lkdtm:<LKDTM test name>`.
pub const LKDTM_TARGET: &str = "lkdtm:";

/// The default makedumpfile dump level of kdump runs (`--dump-level`): the distributions'
/// 31 (zero, cache, private cache, user and free pages go), with `+alias`: the tool reads the
/// kernel's VMCOREINFO plus the old names of entries the kernel renamed (see
/// [`crate::model::skew`]), without which makedumpfile up to 1.7.9 drops tail pages of slab
/// allocations on 7.1+ at any level with the user-data bit.
pub const DUMP_LEVEL: &str = "31+alias";

/// The events the init reports, each on a line `panicgen-init: <event>[ <details>]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// `booted <release> <machine>`: init runs in the test kernel.
    Booted,
    ModuleLoaded,
    InsmodFailed,
    CaptureLoaded,
    CaptureLoadFailed,
    /// Waiting for `fire` lines: the moment a guest is saved.
    Ready,
    /// `panic settings: FILE=VALUE ...`: what decides how an oops ends here, read just
    /// before firing ([`crate::model::panic_settings`]).
    PanicSettings,
    /// `firing <command>`: the trigger is about to be written.
    Firing,
    /// `trigger returned <status>`.
    TriggerReturned,
    /// `selftest exit <status>`.
    SelftestExit,
    /// `fault name=... expect=...`: a line of the module's `faults` file, copied before the
    /// selftest runs.
    Fault,
    /// `capture kernel booted <release>`: init runs in the capture kernel.
    CaptureBooted,
    /// `capture failed: <why>`.
    CaptureFailed,
    /// `dump tools: <makedumpfile -v's first line>`: once the capture kernel is loaded, and
    /// again in the capture kernel.
    DumpTools,
    /// `vmcoreinfo alias: OLD=value ...`: the capture added these old names (`+alias` levels).
    VmcoreinfoAlias,
    /// `vmcoreinfo: OSRELEASE=... K=value ...`: the crashed kernel's VMCOREINFO entries the
    /// runner asked for (those it has).
    Vmcoreinfo,
    /// `vmcore saved: <format>`: the dump is on the disk.
    VmcoreSaved,
    /// `pstore records <n>`: what `/sys/fs/pstore` held at boot (`pg_pstore`).
    PstoreRecords,
    /// `pstore line <text>`: a line of a dmesg record, as the record has it.
    PstoreLine,
    /// `pstore end`: every record was printed.
    PstoreEnd,
    /// The guest is about to reboot (QEMU exits: `-no-reboot`).
    Done,
}

impl Event {
    /// In matching order: an event whose words begin another's comes after it.
    pub const ALL: [Event; 21] = [
        Event::Booted,
        Event::ModuleLoaded,
        Event::InsmodFailed,
        Event::CaptureLoaded,
        Event::CaptureLoadFailed,
        Event::Ready,
        Event::PanicSettings,
        Event::Firing,
        Event::TriggerReturned,
        Event::SelftestExit,
        Event::Fault,
        Event::CaptureBooted,
        Event::CaptureFailed,
        Event::DumpTools,
        Event::VmcoreinfoAlias,
        Event::Vmcoreinfo,
        Event::VmcoreSaved,
        Event::PstoreRecords,
        Event::PstoreLine,
        Event::PstoreEnd,
        Event::Done,
    ];

    /// The event's words on the line.
    pub const fn text(self) -> &'static str {
        match self {
            Event::Booted => "booted",
            Event::ModuleLoaded => "module loaded",
            Event::InsmodFailed => "insmod failed",
            Event::CaptureLoaded => "capture kernel loaded",
            Event::CaptureLoadFailed => "capture kernel load failed",
            Event::Ready => "ready",
            Event::PanicSettings => "panic settings",
            Event::Firing => "firing",
            Event::TriggerReturned => "trigger returned",
            Event::SelftestExit => "selftest exit",
            Event::Fault => "fault",
            Event::CaptureBooted => "capture kernel booted",
            Event::CaptureFailed => "capture failed",
            Event::DumpTools => "dump tools",
            Event::VmcoreinfoAlias => "vmcoreinfo alias",
            Event::Vmcoreinfo => "vmcoreinfo",
            Event::VmcoreSaved => "vmcore saved",
            Event::PstoreRecords => "pstore records",
            Event::PstoreLine => "pstore line",
            Event::PstoreEnd => "pstore end",
            Event::Done => "done",
        }
    }
}

/// The init event on a console line and the details after it, if the line is one.
pub fn event(line: &str) -> Option<(Event, &str)> {
    let rest = &line[line.find(INIT_PREFIX)? + INIT_PREFIX.len()..];
    Event::ALL.iter().find_map(|&e| {
        let after = rest.strip_prefix(e.text())?;
        (after.is_empty() || after.starts_with([' ', ':']))
            .then(|| (e, after.trim_start_matches(':').trim()))
    })
}

/// The index of the first line reporting `wanted`.
pub fn find(lines: &[String], wanted: Event) -> Option<usize> {
    lines
        .iter()
        .position(|l| event(l).is_some_and(|(e, _)| e == wanted))
}

/// Whether the last line reports `wanted` (a watch callback sees each line as it comes).
pub fn last_is(lines: &[String], wanted: Event) -> bool {
    lines
        .last()
        .and_then(|l| event(l))
        .is_some_and(|(e, _)| e == wanted)
}

/// The index of the module's first trigger line.
pub fn trigger_line(lines: &[String]) -> Option<usize> {
    lines.iter().position(|l| Trigger::parse(l).is_some())
}

/// The guest's `uname -r`, from the init's `booted` line, else from the kernel's banner.
pub fn guest_release(lines: &[String]) -> Option<String> {
    let word = |rest: &str| rest.split_whitespace().next().map(str::to_string);
    lines
        .iter()
        .find_map(|l| match event(l) {
            Some((Event::Booted, rest)) => word(rest),
            _ => None,
        })
        .or_else(|| {
            // A distribution system runs no panicgen init: its kernel's banner says.
            lines
                .iter()
                .find_map(|l| word(strip_timestamp(l).strip_prefix("Linux version ")?))
        })
}

/// Removes the `[    1.234567] ` printk time stamp, if any.
pub fn strip_timestamp(line: &str) -> &str {
    let t = line.trim_end_matches('\r');
    if let Some(rest) = t.strip_prefix('[') {
        if let Some(end) = rest.find("] ") {
            let stamp = &rest[..end];
            if stamp.trim().chars().all(|c| c.is_ascii_digit() || c == '.') {
                return &rest[end + 2..];
            }
        }
    }
    t
}

/// The vmcore disk the capture kernel writes: per slot, a one-line header
/// `<MAGIC> <VERSION> <format> <bytes> <offset MiB> <level>` and the dump at that offset.
pub mod disk {
    pub const MAGIC: &str = "PANICGEN-VMCORE";
    pub const VERSION: &str = "2";
    /// The disk holds one dump per slot of this many MiB: the header at the slot's start,
    /// the dump from 1 MiB into it (`VMCORE_SLOT_MIB` in the init).
    pub const SLOT_MIB: u64 = 640;
    /// makedumpfile's flattened format (`-F`), filtered at the dump level: a self-delimiting
    /// stream (its size field is 0) that the host turns back into a kdump-compressed file.
    pub const FLAT: &str = "flat";
    /// `/proc/vmcore` as it is, unfiltered: the level `elf`, or where makedumpfile cannot
    /// read the kernel.
    pub const ELF: &str = "elf";
    /// makedumpfile failed at a dump level (its size field is the exit status).
    pub const NONE: &str = "none";

    /// What a dump of `format` is, for people.
    pub fn describe(format: &str) -> &'static str {
        if format == ELF {
            "unfiltered ELF: makedumpfile could not read this kernel"
        } else {
            "kdump-compressed, filtered by makedumpfile"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INIT: &str = include_str!("../../../guest/init");

    #[test]
    fn the_trigger_prefix_is_the_catalogs_trigger_line() {
        use crate::catalog::{template::LOG_PREFIX, Context};
        let process = Trigger {
            fault: "BUG",
            ctx: Some(Context::Process),
            at: None,
            cpu: None,
            delay_ms: None,
            id: Some("x"),
        };
        let at = Trigger {
            ctx: None,
            at: Some(("BLOCK_SUBMIT", 1, 30000)),
            ..process
        };
        for t in [process, at] {
            let line = format!("{LOG_PREFIX}{t}");
            assert!(line.starts_with(TRIGGER_PREFIX), "{line}");
            assert_eq!(Trigger::parse(&line), Some(t), "{line}");
        }
    }

    #[test]
    fn the_init_speaks_this_protocol() {
        assert!(
            INIT.contains("scripts/runner/src/model/protocol.rs"),
            "init's header must point here"
        );
        assert!(INIT.contains(INIT_PREFIX.trim_end()));
        for e in Event::ALL {
            assert!(
                INIT.contains(&format!("say \"{}", e.text())),
                "init never says '{}'",
                e.text()
            );
        }
        for k in [
            key::FAULT,
            key::SELFTEST,
            key::KSELFTEST,
            key::KDUMP,
            key::WAIT,
            key::DUMP_LEVEL,
            key::VMCOREINFO,
            key::VMCOREINFO_ALIAS,
            key::LKDTM,
            key::PSTORE,
        ] {
            assert!(INIT.contains(&format!("${{{k}")), "init never reads {k}");
        }
        assert!(INIT.contains(&format!("[ \"$verb\" = {FIRE} ]")));
        assert!(INIT.contains(&format!("{LKDTM_TARGET}*)")));
        assert!(INIT.contains(&format!(
            "'{} {} %s %s %s %s\\n'",
            disk::MAGIC,
            disk::VERSION
        )));
        assert!(INIT.contains(&format!("VMCORE_SLOT_MIB={}\n", disk::SLOT_MIB)));
        for format in [disk::FLAT, disk::ELF, disk::NONE] {
            assert!(INIT.contains(&format!("format={format}")));
        }
    }

    #[test]
    fn events_are_read_off_console_lines() {
        assert_eq!(
            event("[    1.5] panicgen-init: booted 7.3.4 x86_64"),
            Some((Event::Booted, "7.3.4 x86_64"))
        );
        assert_eq!(
            event("panicgen-init: capture kernel load failed"),
            Some((Event::CaptureLoadFailed, ""))
        );
        assert_eq!(
            event("panicgen-init: capture kernel loaded"),
            Some((Event::CaptureLoaded, ""))
        );
        assert_eq!(
            event("panicgen-init: capture failed: no /dev/vda"),
            Some((Event::CaptureFailed, "no /dev/vda"))
        );
        assert_eq!(
            event("panicgen-init: vmcoreinfo alias: OFFSET(page.compound_head)=8"),
            Some((Event::VmcoreinfoAlias, "OFFSET(page.compound_head)=8"))
        );
        assert_eq!(
            event("panicgen-init: vmcoreinfo: OSRELEASE=7.3.4"),
            Some((Event::Vmcoreinfo, "OSRELEASE=7.3.4"))
        );
        assert_eq!(event("panicgen-init: readying"), None);
        assert_eq!(event("panicgen: trigger BUG"), None);
        let lines = vec!["x".to_string(), "panicgen-init: booted 7.3.4 x86_64".into()];
        assert_eq!(guest_release(&lines).as_deref(), Some("7.3.4"));
        assert_eq!(find(&lines, Event::Booted), Some(1));
        assert!(last_is(&lines, Event::Booted));
        assert_eq!(guest_release(&[]), None);
        let system = vec![
            "[    0.000000] Linux version 7.3.4+deb13-amd64 (debian-kernel@lists.debian.org) (gcc)"
                .to_string(),
        ];
        assert_eq!(guest_release(&system).as_deref(), Some("7.3.4+deb13-amd64"));
    }

    #[test]
    fn timestamps_are_stripped() {
        assert_eq!(strip_timestamp("[    1.234567] hello\r"), "hello");
        assert_eq!(strip_timestamp("[cut] x"), "[cut] x");
        assert_eq!(strip_timestamp("plain"), "plain");
    }
}
