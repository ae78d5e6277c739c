// SPDX-License-Identifier: GPL-2.0

//! The decision's tests, on recorded consoles and dumps.

use super::{after_console::CONSOLE_CUT, *};
use crate::{
    catalog::{
        self,
        Arch,
        Context, //
    },
    model::facts::MissingDump,
};
use vmcore::tests::facts as read;

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

/// A recorded x86_64 BUG console with the kdump capture that followed it.
const BUG_KDUMP: &str = "\
[    5.100000] panicgen-init: firing BUG ctx=process id=r1
[    5.110000] panicgen: trigger BUG ctx=process id=r1
[    5.110100] ------------[ cut here ]------------
[    5.110200] kernel BUG at src/faults/bugs.rs:48!
[    5.110300] Oops: invalid opcode: 0000 [#1] SMP NOPTI
[    5.120000] Kernel panic - not syncing: Fatal exception
[    0.000000] Linux version 7.3.4 (capture)
[    1.800000] panicgen-init: capture kernel booted 7.3.4
[    4.000000] panicgen-init: vmcore saved: 11632640 bytes
";

fn bug() -> Matcher {
    Matcher::new(
        catalog::find("BUG").unwrap(),
        Context::Process,
        Arch::X86_64,
    )
    .unwrap()
}

fn good_dump() -> Evidence {
    read(
        &[
            "panicgen: trigger BUG ctx=process id=r1",
            "kernel BUG at src/faults/bugs.rs:48!",
            "Kernel panic - not syncing: Fatal exception",
        ],
        &["panicgen_main::faults::bugs::bug", "ksys_write"],
    )
}

fn decide_with(console: &str, end: End, dump: Option<&Evidence>) -> Decision {
    let m = bug();
    let console = lines(console);
    decide(&Facts {
        matcher: Ok(&m),
        console: &console,
        end: &end,
        qemu_stderr: "",
        dump,
        id: "r1",
        system: None,
        known_loss: None,
        pstore: None,
        dmesg: None,
        crash: None,
    })
}

#[test]
fn a_recorded_kdump_run_passes() {
    let d = decide_with(BUG_KDUMP, End::Stopped, Some(&good_dump()));
    assert_eq!(d.verdict(), Verdict::Pass, "{d:?}");
    assert_eq!(d.observed, "kernel BUG at src/faults/bugs.rs:48!");
    assert_eq!(d.checks.len(), vmcore::CHECKS.len());
    assert!(d.checks.iter().all(|c| c.ok));
}

#[test]
fn a_fault_the_kernel_cannot_show_is_an_explained_skip() {
    let end = End::Stopped;
    let decide_cannot = |why| {
        decide(&Facts {
            matcher: Err(why),
            console: &[],
            end: &end,
            qemu_stderr: "",
            dump: None,
            id: "",
            system: None,
            known_loss: None,
            pstore: None,
            dmesg: None,
            crash: None,
        })
    };
    let arch = decide_cannot(CannotShow::OnArch("x86 only"));
    assert_eq!(
        (arch.verdict(), arch.cause, arch.reason.as_str()),
        (Verdict::Skip, Some(Cause::ArchCannot), "x86 only")
    );
    let lacks = decide_cannot(CannotShow::Lacking("CONFIG_PROVE_LOCKING"));
    assert_eq!(
        (lacks.verdict(), lacks.cause),
        (Verdict::Skip, Some(Cause::KernelLacks))
    );
    assert!(lacks.reason.contains("needs CONFIG_PROVE_LOCKING"));
    assert!(acceptable(arch.verdict(), &arch.reason));
    assert!(!acceptable(Verdict::Skip, ""), "a skip must say why");
}

#[test]
fn fail_versus_error() {
    // Never fired (insmod failed): the infrastructure's error, retried once.
    let d = decide_with(
        "[ 0.2] panicgen-init: insmod failed\n",
        End::Exited(Some(0)),
        None,
    );
    assert_eq!(d.cause, Some(Cause::NotFired));
    assert!(d.reason.contains("insmod"), "{}", d.reason);
    assert!(retry(&d, 1) && !retry(&d, MAX_ATTEMPTS));
    // Fired, no message: the fault's fail, never retried.
    let d = decide_with(
        "[ 1.0] panicgen: trigger BUG ctx=process id=r1\n[ 1.1] all quiet\n",
        End::Exited(Some(0)),
        None,
    );
    assert_eq!(d.cause, Some(Cause::NoMessage));
    assert!(!retry(&d, 1));
    // The message but no panic.
    let no_panic = BUG_KDUMP.replace("Kernel panic - not syncing: Fatal exception", "");
    let d = decide_with(&no_panic, End::Exited(Some(0)), None);
    assert_eq!(d.cause, Some(Cause::NoPanic));
    // QEMU's complaint is part of an error's reason.
    let m = bug();
    let end = End::NotStarted("qemu-system-x86_64: No such file".into());
    let d = decide(&Facts {
        matcher: Ok(&m),
        console: &[],
        end: &end,
        qemu_stderr: "could not load kernel",
        dump: None,
        id: "r1",
        system: None,
        known_loss: None,
        pstore: None,
        dmesg: None,
        crash: None,
    });
    assert_eq!(d.cause, Some(Cause::NotStarted));
    assert!(d.reason.contains("QEMU said: could not load kernel"));
}

#[test]
fn dump_outcomes() {
    // No dump written: fail, whatever the console said.
    let missing = Evidence::Missing(MissingDump::NothingWritten);
    let d = decide_with(BUG_KDUMP, End::Stopped, Some(&missing));
    assert_eq!(d.cause, Some(Cause::NoVmcore));
    assert!(d.checks.iter().all(|c| !c.ok));
    // ... unless time ran out while the capture kernel ran: an error, retried.
    let d = decide_with(BUG_KDUMP, End::Timeout, Some(&missing));
    assert_eq!(d.cause, Some(Cause::CaptureTimeout));
    assert!(
        d.reason.contains("the capture kernel booted"),
        "{}",
        d.reason
    );
    let early = BUG_KDUMP.lines().take(6).collect::<Vec<_>>().join("\n");
    let d = decide_with(&early, End::Timeout, Some(&missing));
    assert!(
        d.reason.contains("no capture kernel came up"),
        "{}",
        d.reason
    );
    let hung = BUG_KDUMP.lines().take(7).collect::<Vec<_>>().join("\n");
    let d = decide_with(&hung, End::Timeout, Some(&missing));
    assert!(
        d.reason
            .contains("started and stopped at: [    0.000000] Linux version 7.3.4 (capture)"),
        "{}",
        d.reason
    );
    // Written but unreadable.
    let bad = Evidence::Unreadable("drgn could not read the vmcore: bad header".into());
    let d = decide_with(BUG_KDUMP, End::Stopped, Some(&bad));
    assert_eq!(d.cause, Some(Cause::VmcoreUnreadable));
    // Read, but another run's dump.
    let other = read(
        &[
            "panicgen: trigger BUG ctx=process id=r0",
            "kernel BUG at src/faults/bugs.rs:48!",
            "Kernel panic - not syncing: Fatal exception",
        ],
        &["panicgen_main::faults::bugs::bug", "ksys_write"],
    );
    let d = decide_with(BUG_KDUMP, End::Stopped, Some(&other));
    assert_eq!(d.cause, Some(Cause::VmcoreCheck));
    assert!(d.reason.contains("trigger_id"), "{}", d.reason);
    // A console failure stays the console's when a dump check fails, with the checks
    // reported as they are.
    let d = decide_with(
        "[ 1.0] panicgen: trigger BUG ctx=process id=r1\n",
        End::Stopped,
        Some(&other),
    );
    assert_eq!(d.cause, Some(Cause::NoMessage));
    assert_eq!(d.checks.len(), vmcore::CHECKS.len());
}

#[test]
fn a_known_loss_excuses_only_its_checks() {
    // The crashed stack cut after the fault's function, as kdump-tools' -d 31 leaves it on
    // 7.3 (recorded: Debian system, x86_64, BUG).
    let cut = read(
        &[
            "panicgen: trigger BUG ctx=process id=r1",
            "kernel BUG at src/faults/bugs.rs:48!",
            "Kernel panic - not syncing: Fatal exception",
        ],
        &["panicgen_main::faults::bugs::bug"],
    );
    let m = bug();
    let console = lines(BUG_KDUMP);
    let loss = KnownLoss {
        checks: vec!["stack", "context"],
        whole: false,
        note: "set MAKEDUMP_ARGS=\"-c -d 23\"".into(),
    };
    let with = |known_loss, dump| {
        decide(&Facts {
            matcher: Ok(&m),
            console: &console,
            end: &End::Stopped,
            qemu_stderr: "",
            dump: Some(dump),
            id: "r1",
            system: None,
            known_loss,
            pstore: None,
            dmesg: None,
            crash: None,
        })
    };
    let d = with(None, &cut);
    assert_eq!(d.cause, Some(Cause::VmcoreCheck), "{d:?}");
    let d = with(Some(&loss), &cut);
    assert_eq!(d.verdict(), Verdict::Pass, "{d:?}");
    assert!(
        d.reason.contains("lose context here") && d.reason.contains("-d 23"),
        "{}",
        d.reason
    );
    // Another run's dump is not excused by it.
    let other = read(
        &[
            "panicgen: trigger BUG ctx=process id=r0",
            "kernel BUG at src/faults/bugs.rs:48!",
        ],
        &["panicgen_main::faults::bugs::bug"],
    );
    assert_eq!(with(Some(&loss), &other).cause, Some(Cause::VmcoreCheck));
    // No dump at all: a loss of the named checks does not cover it; a whole loss does
    // (recorded: Debian arm64 7.3, kdump-tools' empty dump.<stamp>).
    let empty = Evidence::Missing(MissingDump::Host("kdump-tools wrote it empty".into()));
    assert_eq!(with(Some(&loss), &empty).cause, Some(Cause::NoVmcore));
    let whole = KnownLoss {
        whole: true,
        ..loss.clone()
    };
    let d = with(Some(&whole), &empty);
    assert_eq!(d.verdict(), Verdict::Pass, "{d:?}");
    assert!(
        d.checks
            .iter()
            .all(|c| c.detail.starts_with("lost to a known skew")),
        "{d:?}"
    );
    assert_eq!(with(Some(&whole), &other).cause, Some(Cause::VmcoreCheck));
}

#[test]
fn a_capture_that_never_reboots_the_system_is_retried() {
    let (m, console) = (bug(), lines(BUG_KDUMP));
    let empty = Evidence::Missing(MissingDump::Host("kdump-tools wrote it empty".into()));
    let whole = KnownLoss {
        checks: vec!["stack", "context"],
        whole: true,
        note: "no makedumpfile level helps".into(),
    };
    // A system whose capture kernel never rebooted it (recorded: amd64, STACK_CANARY
    // hardirq, the capture kernel's "IO-APIC + timer doesn't work!" under TCG): an error,
    // retried, even where the dump's loss is excused and only the system's checks fail.
    let lost = system::SystemFacts {
        lost: "no capture kernel rebooted the machine within 300 s".into(),
        ..Default::default()
    };
    let d = decide(&Facts {
        matcher: Ok(&m),
        console: &console,
        end: &End::Timeout,
        qemu_stderr: "",
        dump: Some(&empty),
        id: "r1",
        system: Some(&lost),
        known_loss: Some(&whole),
        pstore: None,
        dmesg: None,
        crash: None,
    });
    assert_eq!(d.cause, Some(Cause::CaptureTimeout), "{d:?}");
}

#[test]
fn a_console_cut_at_the_hand_over_is_judged_on_the_dump() {
    // Recorded on x86_64 (NULL_READ, warm make check of e096a0f): the panic line is in
    // the dump's log but never reached the serial console before kexec.
    let cut = BUG_KDUMP.replace(
        "[    5.120000] Kernel panic - not syncing: Fatal exception\n",
        "",
    );
    let d = decide_with(&cut, End::Stopped, Some(&good_dump()));
    assert_eq!(d.verdict(), Verdict::Pass, "{d:?}");
    assert!(d.reason.starts_with(CONSOLE_CUT), "{}", d.reason);
    assert!(d.reason.contains("no panic line"), "{}", d.reason);
    assert_eq!(d.observed, "kernel BUG at src/faults/bugs.rs:48!");
    // The message lost as well: the same.
    let cut = BUG_KDUMP.lines().take(3).collect::<Vec<_>>().join("\n");
    let d = decide_with(&cut, End::Stopped, Some(&good_dump()));
    assert_eq!(d.verdict(), Verdict::Pass, "{d:?}");
}

#[test]
fn a_console_cut_is_judged_on_the_dump_despite_a_known_skew() {
    // CI, x86_64 NULL_EXEC-workqueue of 219d08c: the console lost the message at the
    // hand-over, the dump held it, and crash 9.0.2's known misreading of 7.3 (bt, mod)
    // failed the run: the skew's excuse came after the console-cut rule.
    let console = lines(&BUG_KDUMP.lines().take(2).collect::<Vec<_>>().join("\n"));
    let section = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let crash_read = |log: &[&str]| crate::model::crash::CrashFacts {
        sections: [
            ("log", section(log)),
            (
                "bt",
                section(&[
                    "PID: 60       TASK: ffff98ee00b7ab80  CPU: 0    COMMAND: \"sh\"",
                    "    [exception RIP: no symbolic reference]",
                ]),
            ),
            (
                "ps",
                section(&[">     60      1   0  ffff98ee00b7ab80  RU   0.1     1234      567  sh"]),
            ),
            (
                "mod",
                section(&["mod: cannot access vmalloc'd module memory"]),
            ),
        ]
        .into_iter()
        .collect(),
        error: String::new(),
    };
    let loss = KnownLoss {
        checks: vec!["crash_bt", "crash_mod"],
        whole: false,
        note: "crash 9.0.2 vs 7.3.4: run with --no_modules".into(),
    };
    let m = bug();
    let dump = good_dump();
    let Evidence::Read(held) = &dump else {
        unreachable!()
    };
    let log: Vec<&str> = held.dmesg.iter().map(String::as_str).collect();
    let with = |crash: &crate::model::crash::CrashFacts, known_loss| {
        decide(&Facts {
            matcher: Ok(&m),
            console: &console,
            end: &End::Stopped,
            qemu_stderr: "",
            dump: Some(&dump),
            id: "r1",
            system: None,
            known_loss,
            pstore: None,
            dmesg: None,
            crash: Some(crash),
        })
    };
    let d = with(&crash_read(&log), Some(&loss));
    assert_eq!(d.verdict(), Verdict::Pass, "{d:?}");
    assert!(d.reason.starts_with(CONSOLE_CUT), "{}", d.reason);
    assert!(
        d.reason.contains("lose crash_bt, crash_mod here"),
        "{}",
        d.reason
    );
    // Without the skew, crash's failed checks keep the console's verdict.
    assert_eq!(with(&crash_read(&log), None).cause, Some(Cause::NoMessage));
    // A check the skew does not name still counts: crash's log without the run.
    let other = with(&crash_read(&log[1..]), Some(&loss));
    assert_eq!(other.cause, Some(Cause::NoMessage), "{other:?}");
}

#[test]
fn a_console_cut_needs_a_dump_that_shows_it_all() {
    let cut = BUG_KDUMP.replace(
        "[    5.120000] Kernel panic - not syncing: Fatal exception\n",
        "",
    );
    // No dump asked for: the console's verdict.
    let d = decide_with(&cut, End::Stopped, None);
    assert_eq!(d.cause, Some(Cause::NoPanic));
    // A BUG dump of run `id` whose log has the panic line or not, with `site` on the stack.
    let dump = |id: &str, panics: bool, site: &str| {
        let trigger = format!("panicgen: trigger BUG ctx=process id={id}");
        let mut dmesg = vec![trigger.as_str(), "kernel BUG at src/faults/bugs.rs:48!"];
        if panics {
            dmesg.push("Kernel panic - not syncing: Fatal exception");
        }
        read(&dmesg, &[site, "ksys_write"])
    };
    let bug = "panicgen_main::faults::bugs::bug";
    let d = decide_with(&cut, End::Stopped, Some(&dump("r1", true, bug)));
    assert_eq!(d.verdict(), Verdict::Pass, "{d:?}");
    for (why, wrong) in [
        ("no panic in the dump's log either", dump("r1", false, bug)),
        ("another run's dump", dump("r0", true, bug)),
        (
            "not the fault's stack",
            dump("r1", true, "panicgen_main::faults::bugs::warn"),
        ),
    ] {
        let d = decide_with(&cut, End::Stopped, Some(&wrong));
        assert_eq!(d.cause, Some(Cause::NoPanic), "{why}: {d:?}");
    }
    // The trigger line never reached the console: the infrastructure's error, retried.
    let d = decide_with("", End::Stopped, Some(&good_dump()));
    assert_eq!(d.cause, Some(Cause::NotFired), "{d:?}");
}

#[test]
fn causes_name_their_verdicts() {
    assert_eq!(Cause::NoVmcore.verdict(), Verdict::Fail);
    assert_eq!(Cause::CaptureTimeout.verdict(), Verdict::Error);
    assert_eq!(
        serde_json::to_string(&Cause::NoVmcore).unwrap(),
        "\"no-vmcore\""
    );
    assert_eq!(serde_json::to_string(&Verdict::Pass).unwrap(), "\"pass\"");
}

/// `--dump pstore`: the fault judged on the boot that fired it, the record on its own.
#[test]
fn a_pstore_run_needs_the_message_and_the_id_in_the_next_boot_s_record() {
    use crate::model::pstore::{
        self,
        Record, //
    };
    let m = Matcher::new(
        catalog::find("BUG").unwrap(),
        Context::Process,
        Arch::X86_64,
    )
    .unwrap();
    let first = "\
[ 5.2] panicgen: trigger BUG ctx=process id=r1
[ 5.3] kernel BUG at src/faults/bugs.rs:48!
[ 5.4] Kernel panic - not syncing: Fatal exception
[ 0.0] Linux version 7.3.4
";
    let kept = "\
[ 1.0] panicgen-init: pstore records 1
[ 1.0] panicgen-init: pstore line <6>[ 5.2] panicgen: trigger BUG ctx=process id=r1
[ 1.0] panicgen-init: pstore line <4>[ 5.3] kernel BUG at src/faults/bugs.rs:48!
[ 1.0] panicgen-init: pstore line <0>[ 5.4] Kernel panic - not syncing: Fatal exception
[ 1.1] panicgen-init: pstore end
";
    let judge = |console: &str, end: End| {
        let lines: Vec<String> = console.lines().map(str::to_string).collect();
        let record = pstore::record(&lines);
        decide(&Facts {
            matcher: Ok(&m),
            console: &lines,
            end: &end,
            qemu_stderr: "",
            dump: None,
            id: "r1",
            system: None,
            known_loss: None,
            pstore: Some(&record),
            dmesg: None,
            crash: None,
        })
    };
    let d = judge(&format!("{first}{kept}"), End::Stopped);
    assert_eq!(d.cause, None, "{d:?}");
    assert!(d.checks[0].ok && d.checks[0].name == "pstore", "{d:?}");
    let other_id = kept.replace("id=r1", "id=r0");
    let d = judge(&format!("{first}{other_id}"), End::Stopped);
    assert_eq!(d.cause, Some(Cause::PstoreRecord), "{d:?}");
    assert!(d.reason.contains("id=r1"), "{}", d.reason);
    let d = judge(first, End::Timeout);
    assert_eq!(d.cause, Some(Cause::CaptureTimeout), "{d:?}");
    assert_eq!(d.verdict(), Verdict::Error);
    let empty = "[ 1.0] panicgen-init: pstore records 0\n[ 1.1] panicgen-init: pstore end\n";
    assert_eq!(
        judge(&format!("{first}{empty}"), End::Stopped).cause,
        Some(Cause::PstoreRecord)
    );
    // The record alone never passes a run whose own boot did not show the message.
    let silent = first.replace("[ 5.3] kernel BUG at src/faults/bugs.rs:48!\n", "");
    let d = judge(&format!("{silent}{kept}"), End::Stopped);
    assert_eq!(d.cause, Some(Cause::NoMessage), "{d:?}");
    assert_eq!(pstore::record(&[]), Record::NotYet);
}

/// What the runner's own troubles make of a run: an `error` naming them, never a pass or a
/// kernel's `fail`; a cancelled run, a flood or a full disk is not tried again.
#[test]
fn the_hosts_troubles_are_errors_that_name_them() {
    let first_half = &BUG_KDUMP[..BUG_KDUMP.find("kernel BUG").unwrap()];
    let d = decide_with(first_half, End::Cancelled(libc::SIGTERM), None);
    assert_eq!(d.cause, Some(Cause::Cancelled));
    assert!(d.reason.contains("cancelled (SIGTERM)"), "{}", d.reason);
    assert!(!retry(&d, 1));
    let d = decide_with(BUG_KDUMP, End::Flooded("printed without end".into()), None);
    assert_eq!(d.cause, Some(Cause::ConsoleFlood));
    assert!(!retry(&d, 1));
    // Killed before the message: the kill's error (tried again), not the kernel's fail.
    let d = decide_with(first_half, End::Killed(libc::SIGKILL), None);
    assert_eq!(d.cause, Some(Cause::QemuKilled));
    assert!(d.reason.contains("killed by SIGKILL"), "{}", d.reason);
    assert!(retry(&d, 1));
    // Killed while the capture ran: the missing dump is the kill's too.
    let missing = Evidence::Missing(MissingDump::NothingWritten);
    let d = decide_with(BUG_KDUMP, End::Killed(libc::SIGKILL), Some(&missing));
    assert_eq!(d.cause, Some(Cause::QemuKilled));
    // Killed after the run showed everything: its decision stands.
    let d = decide_with(BUG_KDUMP, End::Killed(libc::SIGKILL), Some(&good_dump()));
    assert_eq!(d.cause, None);
    let full = Evidence::Missing(MissingDump::HostFull("full".into()));
    for end in [End::Stopped, End::Timeout] {
        let d = decide_with(BUG_KDUMP, end, Some(&full));
        assert_eq!(d.cause, Some(Cause::HostDiskFull));
        assert!(!retry(&d, 1));
    }
    let d = decide_with("", End::SavedGuestChanged("truncated".into()), None);
    assert_eq!(d.cause, Some(Cause::SavedGuestChanged));
    assert!(retry(&d, 1), "the next attempt boots");
}

/// A capture kernel that panicked while booting (recorded: x86_64 under TCG on a loaded
/// host) is the infrastructure's error, tried again; not the kernel's fail.
#[test]
fn a_capture_kernel_that_died_booting_is_an_error() {
    let console = format!(
        "{}[    0.000000] Linux version 7.3.4 (capture)\n\
         [    0.048000] Kernel panic - not syncing: IO-APIC + timer doesn't work!  Boot with \
         apic=debug and send a report.\n",
        &BUG_KDUMP[..BUG_KDUMP.find("[    0.000000] Linux version").unwrap()]
    );
    let missing = Evidence::Missing(MissingDump::NothingWritten);
    let d = decide_with(&console, End::Exited(Some(1)), Some(&missing));
    assert_eq!(d.cause, Some(Cause::CaptureBootFailed), "{d:?}");
    assert!(d.reason.contains("IO-APIC + timer"), "{}", d.reason);
    assert!(retry(&d, 1));
    // A capture kernel that booted and wrote nothing stays the pipeline's fail.
    let d = decide_with(BUG_KDUMP, End::Stopped, Some(&missing));
    assert_eq!(d.cause, Some(Cause::NoVmcore));
}

/// A run decided while the runner was being cancelled: a pass stands, a fail does not.
#[test]
fn a_cancel_leaves_a_pass_and_takes_a_fail() {
    let d = decide_with(BUG_KDUMP, End::Stopped, Some(&good_dump()));
    assert_eq!(cancelled(d, libc::SIGINT).cause, None);
    let missing = Evidence::Missing(MissingDump::NothingWritten);
    let d = decide_with(BUG_KDUMP, End::Stopped, Some(&missing));
    assert_eq!(d.cause, Some(Cause::NoVmcore));
    assert_eq!(cancelled(d, libc::SIGINT).cause, Some(Cause::Cancelled));
}
