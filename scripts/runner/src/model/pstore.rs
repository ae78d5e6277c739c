// SPDX-License-Identifier: GPL-2.0

//! pstore as a capture method (`--dump pstore`), for kernels and machines without kdump:
//! a ramoops region in RAM the kernel reserves at boot, the panic's log written into it by
//! the kernel's kmsg dumper, the machine reset, and the next boot's init printing what
//! `/sys/fs/pstore` holds on the console. Here: the region's boot arguments and the record
//! read back off the console.

use crate::{
    catalog::Arch,
    model::protocol::{
        self,
        Event,
        INIT_PREFIX, //
    },
};

/// The ramoops region's size; each dmesg record's (room for the trigger line and the whole
/// oops report before the panic; the kernel keeps a record's newest part).
const REGION: &str = "0x100000";
const RECORD: &str = "0x40000";

/// The kernel command line words that make a ramoops region: x86_64 marks 1 MiB at
/// 112 MiB reserved (`memmap=`) and hands ramoops its address; arm64's `virt` machine has no
/// fixed free hole, so the kernel reserves one by name (`reserve_mem=`), the same at every
/// boot of the same kernel and memory. `ecc` lets ramoops tell a damaged record.
pub fn region_words(arch: Arch) -> Vec<String> {
    let mut words: Vec<String> = match arch {
        Arch::X86_64 => vec![
            "memmap=1M$0x7000000".into(),
            "ramoops.mem_address=0x7000000".into(),
            format!("ramoops.mem_size={REGION}"),
        ],
        Arch::Arm64 => vec![
            "reserve_mem=1M:4096:oops".into(),
            "ramoops.mem_name=oops".into(),
        ],
    };
    words.extend([
        format!("ramoops.record_size={RECORD}"),
        "ramoops.ecc=1".into(),
    ]);
    words
}

/// What the next boot found in `/sys/fs/pstore`, read off the console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// The first boot has not ended yet (no second boot reported).
    NotYet,
    /// The next boot found no dmesg record.
    Empty,
    /// The dmesg records' lines, their `<level>` prefixes taken off.
    Lines(Vec<String>),
}

/// The record the boot after the panic printed (`pstore records N`, its lines, `pstore
/// end`): that boot's report follows this run's trigger line, the first boot's report
/// (`pstore records 0`) precedes it.
pub fn record(lines: &[String]) -> Record {
    let after = protocol::trigger_line(lines).map_or(lines.len(), |i| i + 1);
    let lines = &lines[after.min(lines.len())..];
    let Some(start) = protocol::find(lines, Event::PstoreRecords) else {
        return Record::NotYet;
    };
    let line_prefix = format!("{INIT_PREFIX}{} ", Event::PstoreLine.text());
    let kept: Vec<String> = lines[start + 1..]
        .iter()
        .take_while(|l| !protocol::event(l).is_some_and(|(e, _)| e == Event::PstoreEnd))
        .filter_map(|l| {
            let at = l.find(&line_prefix)? + line_prefix.len();
            Some(without_level(l[at..].trim_end_matches('\r')).to_string())
        })
        .collect();
    if kept.is_empty() {
        Record::Empty
    } else {
        Record::Lines(kept)
    }
}

/// The console lines of the boot that fired the fault: up to the next boot's kernel banner
/// after the trigger line (what the record's boot prints is not this run's console).
pub fn first_boot(lines: &[String]) -> &[String] {
    let Some(fired) = protocol::trigger_line(lines) else {
        return lines;
    };
    let end = lines[fired..]
        .iter()
        .position(|l| protocol::strip_timestamp(l).starts_with("Linux version "))
        .map_or(lines.len(), |i| fired + i);
    &lines[..end]
}

/// A kmsg dump line's syslog `<level>` prefix, if any, taken off.
fn without_level(line: &str) -> &str {
    match line.strip_prefix('<').and_then(|r| r.split_once('>')) {
        Some((level, rest)) if level.chars().all(|c| c.is_ascii_digit()) => rest,
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    /// A pstore run's console: the first boot's report, the fault, the panic, the reset and
    /// the next boot's report of the record (shortened from a guest's).
    const CONSOLE: &str = "\
[    1.0] panicgen-init: pstore records 0
[    1.2] panicgen: trigger BUG ctx=process id=x86_64.BUG.1.ab
[    1.3] kernel BUG at src/faults/bugs.rs:57!
[    1.4] Kernel panic - not syncing: Fatal exception
[    0.000000] Linux version 7.3.4 (panicgen)
[    1.1] panicgen-init: pstore records 1
[    1.1] panicgen-init: pstore line Panic#1 Part1
[    1.1] panicgen-init: pstore line <6>[    1.2] panicgen: trigger BUG ctx=process id=x86_64.BUG.1.ab
[    1.1] panicgen-init: pstore line <4>[    1.3] kernel BUG at src/faults/bugs.rs:57!
[    1.1] panicgen-init: pstore end
";

    #[test]
    fn the_next_boot_s_record_is_read_back() {
        let all = lines(CONSOLE);
        let Record::Lines(kept) = record(&all) else {
            panic!("no record in {all:?}");
        };
        assert_eq!(kept.len(), 3);
        assert_eq!(
            kept[1],
            "[    1.2] panicgen: trigger BUG ctx=process id=x86_64.BUG.1.ab"
        );
        assert_eq!(first_boot(&all).len(), 4);
        assert_eq!(record(&all[..4]), Record::NotYet);
        let empty = lines(&CONSOLE.replace("records 1", "records 0"));
        let empty: Vec<String> = empty
            .into_iter()
            .filter(|l| !l.contains("pstore line"))
            .collect();
        assert_eq!(record(&empty), Record::Empty);
    }

    #[test]
    fn regions_per_arch() {
        let x86 = region_words(Arch::X86_64).join(" ");
        assert!(x86.contains("memmap=1M$0x7000000 ramoops.mem_address=0x7000000"));
        let arm = region_words(Arch::Arm64).join(" ");
        assert!(arm.contains("reserve_mem=1M:4096:oops ramoops.mem_name=oops"));
        assert!(arm.ends_with("ramoops.ecc=1"));
        assert_eq!(without_level("<12>x"), "x");
        assert_eq!(without_level("<a>x"), "<a>x");
    }
}
