// SPDX-License-Identifier: GPL-2.0

//! The panic line as the system's settings make it: a stock kdump system (a capture kernel
//! loaded, `panic_on_oops=1`, no `crash_kexec_post_notifiers`) enters the capture kernel
//! from `die()` before `panic()` prints its line.

use super::super::Verdict;
use super::*;
use crate::{
    catalog,
    model::panic_settings::FILES, //
};

fn settings(oops: &str, loaded: &str, post: &str) -> Option<PanicSettings> {
    PanicSettings::parse(&format!(
        "{}={oops} {}={loaded} {}={post}",
        FILES[0], FILES[1], FILES[3]
    ))
}

/// kdump-tools as shipped: `kdump-config` set `panic_on_oops`, the command line lacks the
/// post-notifiers option.
fn stock() -> Option<PanicSettings> {
    settings("1", "1", "N")
}

fn verdict(
    name: &str,
    ctx: Context,
    arch: Arch,
    s: Option<PanicSettings>,
    text: &str,
) -> (Verdict, Judgement) {
    let mut m = Matcher::new(catalog::find(name).unwrap(), ctx, arch).unwrap();
    m.set_settings(s);
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let j = m.judge(&lines, &End::Exited(None));
    (j.cause.map_or(Verdict::Pass, Cause::verdict), j)
}

/// Recorded shape of a stock system's BUG (x86_64): the oops, then the capture kernel.
const BUG_STOCK_X86: &str = "\
[   20.1] panicgen: trigger BUG ctx=process cpu=0 id=r1
[   20.1] ------------[ cut here ]------------
[   20.1] kernel BUG at src/faults/bugs.rs:48!
[   20.1] Oops: invalid opcode: 0000 [#1] SMP NOPTI
[   20.2] RIP: 0010:panicgen_bug+0x4/0x10 [panicgen]
[    0.0] Linux version 7.3.4+deb13-amd64
";

#[test]
fn a_stock_kdump_system_s_oops_needs_no_panic_line() {
    let (v, j) = verdict(
        "BUG",
        Context::Process,
        Arch::X86_64,
        stock(),
        BUG_STOCK_X86,
    );
    assert_eq!(v, Verdict::Pass, "{j:?}");
    // The same console on a system that runs the notifiers first lacks its panic line.
    let post = settings("1", "1", "Y");
    let (v, j) = verdict("BUG", Context::Process, Arch::X86_64, post, BUG_STOCK_X86);
    assert_eq!(j.cause, Some(Cause::NoPanic), "{v:?} {j:?}");
    // As it does where the system said nothing, or no capture kernel was loaded.
    let (_, j) = verdict("BUG", Context::Process, Arch::X86_64, None, BUG_STOCK_X86);
    assert_eq!(j.cause, Some(Cause::NoPanic));
    let none = settings("1", "0", "N");
    let (_, j) = verdict("BUG", Context::Process, Arch::X86_64, none, BUG_STOCK_X86);
    assert_eq!(j.cause, Some(Cause::NoPanic));
}

#[test]
fn the_verdict_is_complete_at_the_report_without_a_panic_line() {
    let (_, j) = verdict(
        "BUG",
        Context::Process,
        Arch::X86_64,
        stock(),
        BUG_STOCK_X86,
    );
    // The trigger line, the cut line, then the message: index 2.
    assert_eq!(j.completed_at, Some(2), "{j:?}");
    let with_panic = BUG_STOCK_X86.replace(
        "[    0.0] Linux",
        "[   20.3] Kernel panic - not syncing: Fatal exception\n[    0.0] Linux",
    );
    let post = settings("1", "1", "Y");
    let (_, j) = verdict("BUG", Context::Process, Arch::X86_64, post, &with_panic);
    assert_eq!(j.completed_at, Some(5), "{j:?}");
}

#[test]
fn the_message_is_still_required() {
    let text = BUG_STOCK_X86.replace("kernel BUG at src/faults/bugs.rs:48!", "");
    let (_, j) = verdict("BUG", Context::Process, Arch::X86_64, stock(), &text);
    assert_eq!(j.cause, Some(Cause::NoMessage), "{j:?}");
}

#[test]
fn in_interrupt_the_oops_kexecs_without_panic_on_oops() {
    // The recorded arm64 oops, as the capture kernel took it: without the panic line.
    let text = &super::tests::NULL_ARM64.replace(
        "[    2.3] Kernel panic - not syncing: Oops: Fatal exception in interrupt\n",
        "",
    );
    assert!(!text.contains(PANIC_LINE));
    let no_oops_panic = settings("0", "1", "N");
    let (v, j) = verdict(
        "NULL_DEREF",
        Context::Hardirq,
        Arch::Arm64,
        no_oops_panic,
        text,
    );
    assert_eq!(v, Verdict::Pass, "{j:?}");
    let (_, j) = verdict(
        "NULL_DEREF",
        Context::Process,
        Arch::Arm64,
        no_oops_panic,
        text,
    );
    assert_eq!(j.cause, Some(Cause::NoPanic), "{j:?}");
}

#[test]
fn a_panic_the_report_prints_itself_is_still_required() {
    // panic() prints its line before it enters the capture kernel.
    let canary = "\
[ 3.0] panicgen: trigger STACK_CANARY ctx=process id=r3
[ 3.1] Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: \
panicgen_stack_canary+0x5c/0x60 [panicgen]
";
    let (v, j) = verdict(
        "STACK_CANARY",
        Context::Process,
        Arch::X86_64,
        stock(),
        canary,
    );
    assert_eq!(v, Verdict::Pass, "{j:?}");
    let cut = canary.lines().next().unwrap();
    let (v, _) = verdict("STACK_CANARY", Context::Process, Arch::X86_64, stock(), cut);
    assert_eq!(v, Verdict::Fail);
    let panic = "[1] panicgen: trigger PANIC id=r4\n[2] Linux version 7.3.4\n";
    let (v, _) = verdict("PANIC", Context::Process, Arch::X86_64, stock(), panic);
    assert_eq!(v, Verdict::Fail);
}

#[test]
fn x86_s_stack_guard_page_is_reported_by_die_first() {
    // handle_stack_overflow(): die(), and panic() only if die() returned.
    let text = "\
[1] panicgen: trigger STACK_OVERFLOW ctx=process id=r5
[2] BUG: TASK stack guard page was hit at 00000000b1a2c3d4 (stack is 0000000011..)
[3] Oops: stack guard page: 0000 [#1] SMP NOPTI
";
    let (v, j) = verdict(
        "STACK_OVERFLOW",
        Context::Process,
        Arch::X86_64,
        stock(),
        text,
    );
    assert_eq!(v, Verdict::Pass, "{j:?}");
    let post = settings("1", "1", "Y");
    let (_, j) = verdict("STACK_OVERFLOW", Context::Process, Arch::X86_64, post, text);
    assert_eq!(j.cause, Some(Cause::NoPanic), "{j:?}");
}

#[test]
fn a_probe_s_context_is_certain_only_with_panic_on_oops() {
    let bug = catalog::find("BUG").unwrap();
    let text: Vec<String> = [
        "[ 1.0] panicgen: trigger BUG at=IRQ_HANDLER count=1 timeout_ms=20000 id=r6",
        "[ 1.2] panicgen: at handle_irq_event+0x0: hit 1 in hardirq (ctx=hardirq) on cpu 0: \
         firing BUG",
        "[ 1.3] kernel BUG at src/faults/bugs.rs:55!",
    ]
    .map(str::to_string)
    .to_vec();
    let judge = |s| {
        let mut m = Matcher::new(bug, Context::Hardirq, Arch::X86_64)
            .unwrap()
            .at_point(Reach::Hardirq);
        m.set_settings(s);
        m.judge(&text, &End::Exited(None))
    };
    assert!(judge(stock()).passed());
    assert_eq!(judge(settings("0", "1", "N")).cause, Some(Cause::NoPanic));
}

#[test]
fn the_results_say_what_was_read_and_what_it_made() {
    let mut m = Matcher::new(
        catalog::find("BUG").unwrap(),
        Context::Process,
        Arch::X86_64,
    )
    .unwrap();
    assert_eq!(m.settings_note(), "");
    m.set_settings(stock());
    assert_eq!(
        m.settings_note(),
        "panic_on_oops=1 kexec_crash_loaded=1 crash_kexec_post_notifiers=N pstore_backend=?: \
         no panic line: die() enters the capture kernel before panic() prints it"
    );
    m.set_settings(settings("1", "1", "Y"));
    assert!(m
        .settings_note()
        .ends_with("the panic line follows the report"));
}
