// SPDX-License-Identifier: GPL-2.0

//! The console rules, on recorded and written consoles.

use super::super::Verdict;
use super::*;
use crate::catalog;

/// The verdict a judgement stands for.
fn verdict(j: &Judgement) -> Verdict {
    j.cause.map_or(Verdict::Pass, Cause::verdict)
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

fn judge(name: &str, arch: Arch, text: &str, end: End) -> Judgement {
    judge_in(name, Context::Process, arch, text, end)
}

fn judge_in(name: &str, ctx: Context, arch: Arch, text: &str, end: End) -> Judgement {
    Matcher::new(catalog::find(name).unwrap(), ctx, arch)
        .unwrap()
        .judge(&lines(text), &end)
}

const BUG_X86: &str = "\
[    1.000000] panicgen: trigger BUG
[    1.000100] ------------[ cut here ]------------
[    1.000200] kernel BUG at /work/main/src/faults/bugs.rs:48!
[    1.000300] Oops: invalid opcode: 0000 [#1] SMP NOPTI
[    1.100000] Kernel panic - not syncing: Fatal exception
";

/// Recorded on the debug x86_64 kernel when the slab faults made their cache in the
/// fault's context (kmem_cache_create sleeps): shortened.
const UAF_CONTEXT_BROKEN: &str = "\
[    3.643754] panicgen: trigger USE_AFTER_FREE ctx=hardirq id=x86_64.USE_AFTER_FREE-hardirq.1.19e66b73
[    3.644964] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:623
[    3.645012] in_atomic(): 1, irqs_disabled(): 1, non_block: 0, pid: 84, name: init
[    3.690292] [Poison overwritten] 0x(____ptrval____)-0x(____ptrval____) @offset=16. First byte 0x5a instead of 0x6b
[    3.690503] BUG panicgen_slab (Tainted: G        W  O     N ): Object corrupt
";

#[test]
fn a_context_broken_before_the_message_fails() {
    let j = judge_in(
        "USE_AFTER_FREE",
        Context::Hardirq,
        Arch::X86_64,
        UAF_CONTEXT_BROKEN,
        End::Exited(Some(0)),
    );
    assert_eq!(j.cause, Some(Cause::ContextBroken), "{j:?}");
    assert!(j.reason.contains("sleeping function called"), "{j:?}");
    // Without that line, the same console passes.
    let clean: String = UAF_CONTEXT_BROKEN
        .lines()
        .filter(|l| !l.contains("sleeping function"))
        .map(|l| format!("{l}\n"))
        .collect();
    let j = judge_in(
        "USE_AFTER_FREE",
        Context::Hardirq,
        Arch::X86_64,
        &clean,
        End::Exited(Some(0)),
    );
    assert_eq!(verdict(&j), Verdict::Pass, "{j:?}");
}

#[test]
fn a_context_broken_after_the_message_is_the_fault_s_own() {
    // SLEEP_IN_ATOMIC's message is that report itself; UNLOCK_UNHELD's aftermath may follow.
    let text = "\
[    1.0] panicgen: trigger SLEEP_IN_ATOMIC ctx=irqoff
[    1.1] BUG: sleeping function called from invalid context at src/faults/locking.rs:120
";
    let j = judge_in(
        "SLEEP_IN_ATOMIC",
        Context::IrqOff,
        Arch::X86_64,
        text,
        End::Running,
    );
    assert_eq!(verdict(&j), Verdict::Pass, "{j:?}");
}

#[test]
fn bug_passes_with_message_and_panic() {
    let j = judge("BUG", Arch::X86_64, BUG_X86, End::Exited(Some(1)));
    assert_eq!(verdict(&j), Verdict::Pass, "{j:?}");
    assert_eq!(
        j.observed,
        "kernel BUG at /work/main/src/faults/bugs.rs:48!"
    );
}

#[test]
fn bug_in_the_rust_helper_fails() {
    let text = BUG_X86.replace("/work/main/src/faults/bugs.rs", "rust/helpers/bug.c");
    let j = judge("BUG", Arch::X86_64, &text, End::Exited(Some(1)));
    assert_eq!(verdict(&j), Verdict::Fail);
}

#[test]
fn panic_fault_without_panic_fails() {
    let text = BUG_X86.replace("Kernel panic - not syncing: Fatal exception", "");
    let j = judge("BUG", Arch::X86_64, &text, End::Exited(Some(0)));
    assert_eq!(verdict(&j), Verdict::Fail);
    assert!(j.reason.contains("no panic line"), "{}", j.reason);
}

#[test]
fn message_before_the_trigger_does_not_count() {
    let text = "\
[    0.5] WARNING: possible circular locking dependency detected
[    1.0] panicgen: trigger LOCK_ORDER_ABBA
[    1.1] panicgen-init: trigger returned 0
";
    let j = judge("LOCK_ORDER_ABBA", Arch::Arm64, text, End::Exited(Some(0)));
    assert_eq!(verdict(&j), Verdict::Fail);
}

#[test]
fn no_trigger_line_is_an_error() {
    let text = "[    0.1] Linux version 7.3.4\n[    0.2] panicgen-init: insmod failed\n";
    let j = judge("NULL_DEREF", Arch::X86_64, text, End::Exited(Some(0)));
    assert_eq!(verdict(&j), Verdict::Error);
    assert!(j.reason.contains("insmod"), "{}", j.reason);
    let j = judge("NULL_DEREF", Arch::X86_64, "", End::Timeout);
    assert_eq!(verdict(&j), Verdict::Error);
    assert!(j.reason.contains("<no console output>"), "{}", j.reason);
}

#[test]
fn not_started_is_an_error() {
    let j = judge(
        "BUG",
        Arch::X86_64,
        BUG_X86,
        End::NotStarted("no such file".into()),
    );
    assert_eq!(verdict(&j), Verdict::Error);
}

#[test]
fn trigger_of_another_fault_does_not_count() {
    let text = "[1.0] panicgen: trigger BUGGY\n[1.1] kernel BUG at src/faults/bugs.rs:1!\n";
    let j = judge("BUG", Arch::X86_64, text, End::Exited(Some(1)));
    assert_eq!(verdict(&j), Verdict::Error);
}

const NULL_X86: &str = "\
[    2.0] panicgen: trigger NULL_DEREF ctx=process
[    2.1] BUG: kernel NULL pointer dereference, address: 0000000000000000
[    2.1] #PF: supervisor write access in kernel mode
[    2.1] #PF: error_code(0x0002) - not-present page
[    2.2] Oops: Oops: 0002 [#1] SMP
[    2.3] Kernel panic - not syncing: Fatal exception
";

pub(super) const NULL_ARM64: &str = "\
[    2.0] panicgen: trigger NULL_DEREF ctx=hardirq
[    2.1] Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000
[    2.1] Mem abort info:
[    2.1]   ESR = 0x0000000096000045
[    2.1]   EC = 0x25: DABT (current EL), IL = 32 bits
[    2.1] Data abort info:
[    2.1]   CM = 0, WnR = 1, TnD = 0, TagAccess = 0
[    2.2] Internal error: Oops: 0000000096000045 [#1]  SMP
[    2.3] Kernel panic - not syncing: Oops: Fatal exception in interrupt
";

#[test]
fn arch_specific_messages() {
    let x86 = judge("NULL_DEREF", Arch::X86_64, NULL_X86, End::Exited(Some(1)));
    assert_eq!(verdict(&x86), Verdict::Pass, "{x86:?}");
    assert_eq!(
        x86.observed,
        "BUG: kernel NULL pointer dereference, address: 0000000000000000\n\
         #PF: supervisor write access in kernel mode"
    );
    // The x86 wording is not what arm64 prints: it must not pass there.
    let j = judge("NULL_DEREF", Arch::Arm64, NULL_X86, End::Exited(Some(1)));
    assert_eq!(verdict(&j), Verdict::Fail);
    let arm = judge_in(
        "NULL_DEREF",
        Context::Hardirq,
        Arch::Arm64,
        NULL_ARM64,
        End::Exited(Some(1)),
    );
    assert_eq!(verdict(&arm), Verdict::Pass, "{arm:?}");
}

#[test]
fn a_read_is_not_a_write() {
    let j = judge(
        "NULL_READ",
        Arch::X86_64,
        &NULL_X86.replace("NULL_DEREF", "NULL_READ"),
        End::Exited(Some(1)),
    );
    assert_eq!(verdict(&j), Verdict::Fail);
    assert!(j.reason.contains("supervisor read access"), "{}", j.reason);
}

#[test]
fn expected_lines_must_come_in_order() {
    let swapped = NULL_X86.replace(
        "[    2.1] BUG: kernel NULL pointer dereference, address: 0000000000000000\n\
         [    2.1] #PF: supervisor write access in kernel mode\n",
        "[    2.1] #PF: supervisor write access in kernel mode\n\
         [    2.1] BUG: kernel NULL pointer dereference, address: 0000000000000000\n",
    );
    assert_ne!(swapped, NULL_X86);
    let j = judge("NULL_DEREF", Arch::X86_64, &swapped, End::Exited(Some(1)));
    assert_eq!(verdict(&j), Verdict::Fail);
}

#[test]
fn interrupt_context_needs_the_in_interrupt_panic() {
    // The arm64 log is an oops in interrupt context: fine for ctx=hardirq ...
    let text = NULL_ARM64.replace("ctx=hardirq", "ctx=softirq");
    let j = judge_in(
        "NULL_DEREF",
        Context::Softirq,
        Arch::Arm64,
        &text,
        End::Exited(Some(1)),
    );
    assert_eq!(verdict(&j), Verdict::Pass);
    // ... but a process-context oops must not panic "in interrupt", and the other way round.
    let j = judge_in(
        "NULL_DEREF",
        Context::Process,
        Arch::Arm64,
        &text,
        End::Exited(Some(1)),
    );
    assert_eq!(verdict(&j), Verdict::Fail);
    let j = judge_in(
        "NULL_DEREF",
        Context::Hardirq,
        Arch::X86_64,
        NULL_X86,
        End::Exited(Some(1)),
    );
    assert_eq!(verdict(&j), Verdict::Fail);
    let x86_irq = NULL_X86.replace("Fatal exception", "Fatal exception in interrupt");
    let j = judge_in(
        "NULL_DEREF",
        Context::Hardirq,
        Arch::X86_64,
        &x86_irq,
        End::Exited(Some(1)),
    );
    assert_eq!(verdict(&j), Verdict::Pass, "{j:?}");
}

#[test]
fn the_panic_line_may_be_an_expected_line() {
    let text = "[1] panicgen: trigger STACK_OVERFLOW ctx=process\n\
                [2] Insufficient stack space to handle exception!\n\
                [3] Kernel panic - not syncing: kernel stack overflow\n";
    let j = judge("STACK_OVERFLOW", Arch::Arm64, text, End::Exited(Some(1)));
    assert_eq!(verdict(&j), Verdict::Pass, "{j:?}");
    let j = judge(
        "STACK_OVERFLOW",
        Arch::Arm64,
        &text.replace(
            "[3] Kernel panic - not syncing: kernel stack overflow\n",
            "",
        ),
        End::Exited(Some(0)),
    );
    assert_eq!(verdict(&j), Verdict::Fail);
}

#[test]
fn unsupported_faults_have_no_matcher() {
    let f = catalog::find("DIVIDE_ERROR").unwrap();
    assert!(Matcher::new(f, Context::Process, Arch::Arm64).is_err());
    assert!(Matcher::new(f, Context::Process, Arch::X86_64).is_ok());
}

#[test]
fn report_fault_passes_without_panic_and_while_running() {
    let text = "[1] panicgen: trigger SPINLOCK_RECURSION\n\
                [2] WARNING: possible recursive locking detected\n";
    let j = judge("SPINLOCK_RECURSION", Arch::X86_64, text, End::Running);
    assert_eq!(verdict(&j), Verdict::Pass);
    assert_eq!(j.observed, "WARNING: possible recursive locking detected");
}

#[test]
fn a_crash_point_run_wants_the_hit_line_and_knows_when_it_was_not_reached() {
    let bug = crate::catalog::find("BUG").unwrap();
    let mut m = Matcher::new(bug, Context::Hardirq, Arch::X86_64)
        .unwrap()
        .at_point(Reach::Hardirq);
    let hit = |reach: &str| {
        vec![
            "[ 1.0] panicgen: trigger BUG at=IRQ_HANDLER count=1 timeout_ms=20000 id=r1"
                .to_string(),
            "[ 1.1] panicgen: at=IRQ_HANDLER: armed on handle_irq_event".into(),
            format!(
                "[ 1.2] panicgen: at handle_irq_event+0x0: hit 1 in {reach} (ctx={reach}) \
                 on cpu 0: firing BUG"
            ),
            "[ 1.3] kernel BUG at src/faults/bugs.rs:55!".into(),
            "[ 1.4] Oops: invalid opcode: 0000 [#1] SMP".into(),
            "[ 1.5] Kernel panic - not syncing: Fatal exception in interrupt".into(),
        ]
    };
    assert!(m.judge(&hit("hardirq"), &End::Exited(None)).passed());
    assert!(!m.judge(&hit("softirq"), &End::Exited(None)).passed());
    let refused: Vec<String> = hit("hardirq")
        .iter()
        .map(|l| l.replace("firing BUG", "BUG cannot run there; not fired"))
        .collect();
    assert!(!m.judge(&refused, &End::Exited(None)).passed());
    m.read_function(&hit("hardirq"));
    assert_eq!(m.probe(), &Probe::Hit("handle_irq_event".into()));
    let unreached = vec![
        "[ 1.0] panicgen: trigger BUG at=IRQ_HANDLER count=1 timeout_ms=20000 id=r1".to_string(),
        "[21.0] panicgen: at handle_irq_event+0x0: not reached in 20000 ms (0 hits); disarmed"
            .into(),
    ];
    assert!(m
        .unreached(&unreached)
        .unwrap()
        .contains("not reached in 20000 ms"));
    assert_eq!(m.unreached(&hit("hardirq")), None);
    let plain = Matcher::new(bug, Context::Hardirq, Arch::X86_64).unwrap();
    assert_eq!(
        plain.unreached(&unreached),
        None,
        "only crash-point runs skip so"
    );
    assert_eq!(plain.probe(), &Probe::None);
}
