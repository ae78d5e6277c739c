// SPDX-License-Identifier: GPL-2.0

//! Crash titles in syzkaller's naming ("kernel BUG in X", "possible deadlock in X", ...).
//!
//! A title is built from the first kernel report after the `panicgen: trigger` line: the
//! report's kind (the catalog's table of the kernel's reports, first match wins) and its location `X`, the
//! first frame of the report that is not reporting machinery (`dump_stack`, lockdep,
//! `panic`, ...), as syzkaller does. Rust symbols are demangled and their crate hash dropped.

use std::sync::LazyLock;

use regex::Regex;

use crate::{
    catalog::messages::REPORT_KINDS,
    model::{
        protocol::strip_timestamp,
        symbols::demangle, //
    },
};

/// Frames that belong to the reporting, not to the bug: whole names, then name prefixes.
const SKIP: &str = concat!(
    r"^(dump_stack|dump_stack_lvl|show_stack|__warn|report_bug|handle_bug|do_error_trap|panic|",
    r"vpanic|nmi_panic|__stack_chk_fail|lock_acquire|lock_release|lock_acquired|spin_bug|",
    r"spin_dump|mutex_lock|mutex_unlock|__mutex_lock|__mutex_unlock|validate_chain|mark_lock|",
    r"__might_sleep|__might_resched|__might_fault|refcount_warn_saturate|irq_exit|",
    r"call_timer_fn|rust_begin_unwind|schedule|__schedule|do_page_fault|page_fault_oops|",
    r"bad_area|__bad_area|exc_page_fault|__die|die|do_mem_abort|__do_kernel_fault|",
    r"do_translation_fault|do_bad_area|bug_handler|call_el1_break_hook|brk_handler|",
    r"invalid_op|kfree|object_err|check_object|handle_stack_overflow|exc_double_fault)$",
    r"|^(asm_|exc_invalid_op|warn_slowpath|lockdep_|__lock_|_raw_spin_|do_raw_spin_|print_|",
    r"check_|mark_usage|watchdog_|hrtimer_|__hrtimer_|__sysvec_|sysvec_|handle_softirqs|",
    r"__do_softirq|kernel::|core::|rust_helper_|_printk|vprintk|rcu_|oops_|el1_|do_el1_|",
    r"el1h_|kmem_cache_|slab_|__slab|__kmem_cache|free_|__list_add_valid|",
    r"__list_del_entry_valid|kernelmode_fixup|ktime_get|schedule_timeout|read_tsc|arch_counter_|",
    r"kasan_|__kasan_|__asan_|kfence_|__kfence_|ubsan_|__ubsan_)",
);

/// A report kind, compiled: its header, its detail (if any) and its title.
struct KindRe {
    header: Regex,
    detail: Option<Regex>,
    title: &'static str,
}

/// How many lines after a header its detail may come.
const DETAIL_WITHIN: usize = 4;

static KIND_RES: LazyLock<Vec<KindRe>> = LazyLock::new(|| {
    REPORT_KINDS
        .iter()
        .map(|k| KindRe {
            header: Regex::new(k.header).expect("title pattern compiles"),
            detail: (!k.detail.is_empty())
                .then(|| Regex::new(k.detail).expect("detail pattern compiles")),
            title: k.title,
        })
        .collect()
});
static SKIP_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(SKIP).expect("skip compiles"));
/// A location: x86 `RIP: 0010:f+0x..`, arm64 `pc : f+0x..`, or a call-trace line ` f+0x../0x..`.
static FRAME_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:RIP: [0-9a-f]{4}:|pc : |lr : )?(\? )?([A-Za-z_][A-Za-z0-9_.$]*)\+0x[0-9a-f]+/0x[0-9a-f]+")
        .expect("frame pattern compiles")
});
/// The syzkaller-style title of the first report after `from` in `lines`.
pub fn title(lines: &[String], from: usize) -> Option<String> {
    let text: Vec<&str> = lines
        .get(from..)?
        .iter()
        .map(|l| strip_timestamp(l))
        .collect();
    let (at, kind, groups) = text
        .iter()
        .enumerate()
        .find_map(|(i, _)| KIND_RES.iter().find_map(|k| kind_at(&text, i, k)))?;
    let mut out = kind.title.to_string();
    for (g, v) in groups.iter().enumerate().rev() {
        out = out.replace(&format!("${}", g + 1), &demangle(v));
    }
    if out.contains("{}") {
        // The first frame after the header that is not reporting machinery; a report's
        // frames come within a few dozen lines of its header.
        let frame = text[at..]
            .iter()
            .take(80)
            .filter_map(|l| FRAME_RE.captures(l))
            .filter(|c| c.get(1).is_none())
            .map(|c| demangle(&c[2]))
            .find(|f| !SKIP_RE.is_match(f))
            .unwrap_or_else(|| "unknown".to_string());
        out = out.replace("{}", &frame);
    }
    Some(out)
}

/// `kind` when it is the report at line `at` of `text`: its header there, and its detail (if
/// it has one) within the next few lines; with the groups of both, in order.
fn kind_at<'t>(
    text: &[&'t str],
    at: usize,
    kind: &'static KindRe,
) -> Option<(usize, &'static KindRe, Vec<&'t str>)> {
    let groups = |c: regex::Captures<'t>| -> Vec<&'t str> {
        (1..c.len())
            .map(|g| c.get(g).map_or("", |m| m.as_str()))
            .collect()
    };
    let mut all = groups(kind.header.captures(text[at])?);
    if let Some(detail) = &kind.detail {
        let after = text.get(at + 1..(at + 1 + DETAIL_WITHIN).min(text.len()))?;
        all.extend(after.iter().find_map(|l| detail.captures(l)).map(groups)?);
    }
    Some((at, kind, all))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        catalog::{
            self,
            Arch,
            Expect, //
        },
        model::lkdtm::PEERS,
    };

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    /// KASAN's reports of the slab faults, recorded on `TARGET=sanitizers` (then `kasan`)
    /// x86_64 (7.3.4, KASAN generic): their first two lines.
    #[test]
    fn kasan_reports_name_the_bug_the_access_and_the_function() {
        let uaf = lines(
            "[ 1.0] panicgen: trigger USE_AFTER_FREE ctx=process\n\
             [ 1.1] ==================================================================\n\
             [ 1.1] BUG: KASAN: slab-use-after-free in panicgen_use_after_free+0xa5/0xb0 [panicgen]\n\
             [ 1.1] Write of size 1 at addr ffff88801f54d010 by task init/84\n",
        );
        assert_eq!(
            title(&uaf, 0).unwrap(),
            "KASAN: slab-use-after-free Write in panicgen_use_after_free"
        );
        let oob = lines(
            "[ 1.1] BUG: KASAN: slab-out-of-bounds in panicgen_slab_oob+0x84/0x90 [panicgen]\n\
             [ 1.1] Write of size 1 at addr ffff88801f54d048 by task init/84\n",
        );
        assert_eq!(
            title(&oob, 0).unwrap(),
            "KASAN: slab-out-of-bounds Write in panicgen_slab_oob"
        );
        let double = lines(
            "[ 1.1] BUG: KASAN: double-free in panicgen_double_free+0x68/0x90 [panicgen]\n\
             [ 1.1] Free of addr ffff88801f5420b8 by task init/84\n",
        );
        assert_eq!(
            title(&double, 0).unwrap(),
            "KASAN: double-free in panicgen_double_free"
        );
    }

    #[test]
    fn a_kasan_header_without_its_access_line_is_not_taken_for_one() {
        let l = lines(
            "[ 1.1] BUG: KASAN: slab-use-after-free in panicgen_use_after_free+0xdd/0xe0 [panicgen]\n\
             [ 1.2] a\n[ 1.3] b\n[ 1.4] c\n[ 1.5] d\n\
             [ 1.6] Write of size 1 at addr ffff888004c7d048 by task sh/123\n",
        );
        assert_eq!(title(&l, 0), None);
    }

    #[test]
    fn kfence_and_ubsan_reports() {
        let kfence = lines(
            "[ 1.1] BUG: KFENCE: use-after-free write in panicgen_use_after_free+0x5d/0xe0 [panicgen]\n",
        );
        assert_eq!(
            title(&kfence, 0).unwrap(),
            "KFENCE: use-after-free write in panicgen_use_after_free"
        );
        // ARRAY_BOUNDS on `TARGET=sanitizers` x86_64 (7.3.4, clang): the frames of UBSAN's
        // own reporting come before the function.
        let ubsan = lines(
            "[ 23.583856] ------------[ cut here ]------------\n\
             [ 23.583890] UBSAN: array-index-out-of-bounds in /work/src/bounds.c:32:2\n\
             [ 23.583989] index 4 is out of range for type 'int[4]'\n\
             [ 23.585084] Call Trace:\n\
             [ 23.585160]  <TASK>\n\
             [ 23.585467]  dump_stack_lvl+0x63/0x80\n\
             [ 23.586159]  ubsan_epilogue+0x5/0x30\n\
             [ 23.586191]  __ubsan_handle_out_of_bounds+0x8f/0xa0\n\
             [ 23.586223]  ? _printk+0x70/0x90\n\
             [ 23.586251]  panicgen_array_bounds+0x57/0x70 [panicgen]\n",
        );
        assert_eq!(
            title(&ubsan, 0).unwrap(),
            "UBSAN: array-index-out-of-bounds in panicgen_array_bounds"
        );
    }

    #[test]
    fn bug_names_the_rust_function() {
        let l = lines(
            "[ 1.0] panicgen: trigger BUG ctx=process\n\
             [ 1.1] kernel BUG at src/faults/bugs.rs:48!\n\
             [ 1.2] Oops: invalid opcode: 0000 [#1] SMP NOPTI\n\
             [ 1.3] RIP: 0010:_RNvNtNtCsedwKYiE0uvy_13panicgen_main6faults4bugs3bug+0x2/0x10 [panicgen]\n",
        );
        assert_eq!(
            title(&l, 0).unwrap(),
            "kernel BUG in panicgen_main::faults::bugs::bug"
        );
    }

    #[test]
    fn canary_uses_the_function_in_the_message() {
        let l = lines(
            "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: panicgen_stack_canary+0x5a/0x60 [panicgen]\n",
        );
        assert_eq!(
            title(&l, 0).unwrap(),
            "kernel panic: stack is corrupted in panicgen_stack_canary"
        );
    }

    #[test]
    fn lockdep_skips_the_locking_machinery() {
        let l = lines(
            "WARNING: possible recursive locking detected\n\
             Call Trace:\n <TASK>\n  dump_stack_lvl+0x5d/0x80\n  print_deadlock_bug+0x1/0x2\n\
             \x20 __lock_acquire+0x1/0x2\n  lock_acquire+0x1/0x2\n  _raw_spin_lock+0x1/0x2\n\
             \x20 _RNvNtNtCsedwKYiE0uvy_13panicgen_main6faults7locking18spinlock_recursion+0x1/0x2 [panicgen]\n",
        );
        assert_eq!(
            title(&l, 0).unwrap(),
            "possible deadlock in panicgen_main::faults::locking::spinlock_recursion"
        );
    }

    #[test]
    fn arm64_pc_line_and_unknown_demangle() {
        let l = lines(
            "Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000\n\
             pc : _RNvNtNtCsedwKYiE0uvy_13panicgen_main6faults6memory10null_deref+0x8/0xc [panicgen]\n",
        );
        assert_eq!(
            title(&l, 0).unwrap(),
            "BUG: unable to handle kernel NULL pointer dereference in panicgen_main::faults::memory::null_deref"
        );
        assert_eq!(
            title(&lines("kernel BUG at x.c:1!"), 0).unwrap(),
            "kernel BUG in unknown"
        );
        assert_eq!(title(&lines("all quiet"), 0), None);
    }

    /// A console line `pattern` matches: each class, group or wildcard written once, as its
    /// first choice.
    fn example(pattern: &str) -> String {
        let mut out = String::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.extend(chars.next()),
                '[' => {
                    let class: String = chars.by_ref().take_while(|&c| c != ']').collect();
                    out.push(match class.strip_prefix('^') {
                        Some(_) => 'x',
                        None => class.chars().next().unwrap_or('x'),
                    });
                }
                '(' => {
                    let mut depth = 1;
                    let mut group = String::new();
                    for c in chars.by_ref() {
                        depth += i32::from(c == '(') - i32::from(c == ')');
                        if depth == 0 {
                            break;
                        }
                        group.push(c);
                    }
                    let first = group.split('|').next().unwrap_or_default();
                    out += &example(first);
                }
                '.' => out.push('x'),
                '*' | '+' | '?' | '^' | '$' => {}
                c => out.push(c),
            }
        }
        out
    }

    #[test]
    fn every_expected_report_has_a_kind_and_so_a_title() {
        let faults = catalog::FAULTS.iter().chain(PEERS.iter().map(|p| &p.fault));
        for fault in faults {
            let alternatives = fault.alternatives().map(|alt| fault.instead(alt));
            for f in std::iter::once(*fault).chain(alternatives) {
                for arch in Arch::ALL {
                    let Expect::Lines(lines) = f.expect(arch) else {
                        continue;
                    };
                    let examples: Vec<String> = lines.iter().map(|l| example(l)).collect();
                    for (line, pattern) in examples.iter().zip(lines.iter()) {
                        let own = Regex::new(pattern).unwrap();
                        assert!(
                            own.is_match(line),
                            "{}: {line:?} is no example of {pattern}",
                            f.name
                        );
                    }
                    assert!(
                        examples
                            .iter()
                            .any(|l| KIND_RES.iter().any(|k| k.header.is_match(l))),
                        "{} on {}: no kind of report in catalog::messages matches {examples:?}",
                        f.name,
                        arch.name()
                    );
                }
            }
        }
    }
}
