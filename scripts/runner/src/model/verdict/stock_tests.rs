// SPDX-License-Identifier: GPL-2.0

//! A stock Debian system's crash, decided whole: kdump-tools as shipped (`panic_on_oops=1`,
//! a capture kernel loaded, no `crash_kexec_post_notifiers`) and no pstore backend. The oops
//! goes to the capture kernel before any panic line, and pstore keeps nothing: both are
//! the system's set-up, told, never failed; everything else is still required.

use super::*;
use crate::{
    catalog::{
        self,
        Arch,
        Context, //
    },
    model::panic_settings::{
        PanicSettings,
        FILES, //
    },
};
use vmcore::tests::facts as read;

/// The oops, then the capture kernel's boot: no panic line anywhere.
const LOG: [&str; 4] = [
    "[   30.1] panicgen: trigger BUG ctx=process cpu=0 id=r9",
    "[   30.1] ------------[ cut here ]------------",
    "[   30.1] kernel BUG at src/faults/bugs.rs:48!",
    "[   30.2] Oops: invalid opcode: 0000 [#1] SMP NOPTI",
];

fn settings(post: &str, backend: &str) -> Option<PanicSettings> {
    PanicSettings::parse(&format!(
        "{}=1 {}=1 {}={post} {}={backend}",
        FILES[0], FILES[1], FILES[3], FILES[4]
    ))
}

fn decide_on(settings: Option<PanicSettings>) -> Decision {
    let mut m = Matcher::new(
        catalog::find("BUG").unwrap(),
        Context::Process,
        Arch::X86_64,
    )
    .unwrap();
    m.set_settings(settings);
    let console: Vec<String> = LOG.iter().map(|l| l.to_string()).collect();
    let dump = read(&LOG, &["panicgen_main::faults::bugs::bug", "ksys_write"]);
    let sys = system::SystemFacts {
        crash_dir: "/var/crash/202612071700".into(),
        kdump_dmesg: Some(console.clone()),
        pstore: None,
        state: "running".into(),
        kdump_ready: true,
        boots: 2,
        ..Default::default()
    };
    decide(&Facts {
        dump: Some(&dump),
        system: Some(&sys),
        ..Facts::console(&m, &console, &End::Stopped, "r9")
    })
}

#[test]
fn a_stock_system_s_crash_passes_with_what_its_set_up_keeps() {
    let d = decide_on(settings("N", "(null)"));
    assert_eq!(d.verdict(), Verdict::Pass, "{d:?}");
    let pstore = d.checks.iter().find(|c| c.name == "pstore").unwrap();
    assert!(excused(&pstore.detail), "{pstore:?}");
    assert!(pstore.detail.contains("ramoops"), "{pstore:?}");
    // With a backend, kdump still runs before panic() reaches pstore: told so.
    let d = decide_on(settings("N", "ramoops"));
    assert_eq!(d.verdict(), Verdict::Pass, "{d:?}");
    let pstore = d.checks.iter().find(|c| c.name == "pstore").unwrap();
    assert!(
        pstore.detail.contains("crash_kexec_post_notifiers"),
        "{pstore:?}"
    );
}

#[test]
fn the_same_crash_fails_where_the_settings_promise_more() {
    // Notifiers first: the panic line, and with a backend the pstore record, must come.
    let d = decide_on(settings("Y", "ramoops"));
    assert_eq!(d.cause, Some(Cause::NoPanic), "{d:?}");
    // A system that said nothing: nothing is excused.
    let d = decide_on(None);
    assert_eq!(d.cause, Some(Cause::NoPanic), "{d:?}");
    let pstore = d.checks.iter().find(|c| c.name == "pstore").unwrap();
    assert!(!pstore.ok && !excused(&pstore.detail), "{pstore:?}");
}
