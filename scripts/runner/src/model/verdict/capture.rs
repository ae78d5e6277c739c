// SPDX-License-Identifier: GPL-2.0

//! How far a kdump capture got, from the console: what a run whose dump is missing says of
//! the capture kernel.

use super::console;
use crate::model::protocol::{
    self,
    Event, //
};

/// How far the capture got in a console that ran out of time after the panic: its init
/// ran, or its kernel started (it prints from its early console on) and its last line, or
/// nothing came after the panic (the crash shutdown, kexec or purgatory never handed over).
pub fn progress(lines: &[String]) -> String {
    if protocol::find(lines, Event::CaptureBooted).is_some() {
        return "the capture kernel booted".into();
    }
    let panic = lines.iter().rposition(|l| l.contains(console::PANIC_LINE));
    let started = lines
        .iter()
        .rposition(|l| l.contains("] Linux version "))
        .is_some_and(|i| panic.is_none_or(|p| i > p));
    match lines.last() {
        Some(last) if started => {
            format!("the capture kernel started and stopped at: {}", last.trim())
        }
        _ => "no capture kernel came up: nothing after the panic".into(),
    }
}

/// The capture kernel's own panic, when it died while booting: it started after the fault's
/// panic and panicked before its init said it booted (under TCG, a loaded host can fail its
/// timer check: "IO-APIC + timer doesn't work!"). The infrastructure's error, tried again; a
/// capture kernel that cannot boot on this kernel fails both attempts, never passes.
pub fn died_booting(lines: &[String]) -> Option<String> {
    let first_panic = lines.iter().position(|l| l.contains(console::PANIC_LINE))?;
    let started = first_panic
        + lines[first_panic..]
            .iter()
            .position(|l| l.contains("] Linux version "))?;
    if protocol::find(&lines[started..], Event::CaptureBooted).is_some() {
        return None;
    }
    lines[started..]
        .iter()
        .find(|l| l.contains(console::PANIC_LINE))
        .map(|l| protocol::strip_timestamp(l).trim().to_string())
}
