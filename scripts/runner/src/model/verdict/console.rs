// SPDX-License-Identifier: GPL-2.0

//! The console rules: how a console log becomes a pass or a [`Cause`].
//!
//! A fault passes only when, *after* the module's `panicgen: trigger <NAME>` line, the kernel
//! prints the catalog's message for that arch; a fault whose outcome is `panic` must then also
//! show the kernel's `Kernel panic - not syncing` line. No trigger line means the fault never
//! fired: that is an infrastructure `error`, never a `pass` or a `fail`.

use regex::Regex;

use super::Cause;
use crate::{
    catalog::{
        lines::{
            Expired,
            Hit,
            Rejected,
            HIT_FIRING, //
        },
        messages::CONTEXT_BROKEN,
        Arch,
        Context,
        Expect,
        Fault,
        Kind,
        Reach, //
    },
    model::{
        facts::End,
        panic_settings::PanicSettings,
        protocol::{
            self,
            strip_timestamp,
            Event, //
        },
    },
};

/// The kernel's panic line, printed by `panic()` on every arch.
pub const PANIC_LINE: &str = "Kernel panic - not syncing";

/// The judgement of a console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Judgement {
    /// `None`: the console passes.
    pub cause: Option<Cause>,
    /// The console lines that matched the expectation, or empty.
    pub observed: String,
    /// Why it does not pass (empty for a pass).
    pub reason: String,
    /// For a pass: the index of the line that completed it.
    pub completed_at: Option<usize>,
}

impl Judgement {
    fn new(cause: Option<Cause>, observed: &str, reason: String) -> Self {
        Judgement {
            cause,
            observed: observed.to_string(),
            reason,
            completed_at: None,
        }
    }

    pub fn passed(&self) -> bool {
        self.cause.is_none()
    }
}

/// Compiled matchers for one fault, in one context, on one arch.
pub struct Matcher {
    fault: &'static Fault,
    ctx: Context,
    trigger: Regex,
    expect: Vec<Regex>,
    /// The kernel's reports of a context's rules broken (`messages::CONTEXT_BROKEN`).
    broken: Regex,
    /// Whether this is a crash-point run, and the function its probe fired from.
    probe: Probe,
    /// What the system said decides how an oops ends there (`None`: it did not say).
    settings: Option<PanicSettings>,
}

/// A run's probe (`at=`), as the console shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    /// Not a crash-point run: the fault fires in its context.
    None,
    /// A crash-point run whose hit line has not named the function (yet).
    Armed,
    /// A crash-point run whose probe fired from this function.
    Hit(String),
}

/// The function and where it ran (`hardirq`, `softirq`, `task`) of a module's hit line
/// (`catalog::lines::Hit`).
pub fn at_hit(line: &str) -> Option<(&str, &str)> {
    Hit::parse(line).map(|h| (h.function, h.reach().name()))
}

/// Whether `line` is the module's for an `at=` probe that never fired: refused before it
/// was armed, or never reached.
fn unreached(line: &str) -> bool {
    Rejected::parse(line).is_some_and(|r| r.0.starts_with("at=")) || Expired::parse(line).is_some()
}

impl Matcher {
    /// `Err(why)` when the fault is unsupported on `arch`.
    pub fn new(fault: &'static Fault, ctx: Context, arch: Arch) -> Result<Self, &'static str> {
        Self::with_trigger(fault, ctx, arch, protocol::TRIGGER_PREFIX)
    }

    /// As [`Matcher::new`], for a fault announced by `trigger` (followed by its name) instead
    /// of panicgen's trigger line: the benchmark's LKDTM peers.
    pub fn with_trigger(
        fault: &'static Fault,
        ctx: Context,
        arch: Arch,
        trigger: &str,
    ) -> Result<Self, &'static str> {
        let lines = match fault.expect(arch) {
            Expect::Lines(lines) => lines,
            Expect::Unsupported(why) => return Err(why),
        };
        let expect = lines
            .iter()
            .map(|p| {
                Regex::new(p).unwrap_or_else(|e| {
                    panic!("catalog pattern of {} does not compile: {e}", fault.name)
                })
            })
            .collect();
        Ok(Matcher {
            fault,
            ctx,
            trigger: Regex::new(&format!(
                r"{}{}( |$)",
                regex::escape(trigger),
                regex::escape(fault.name)
            ))
            .expect("escaped trigger pattern compiles"),
            expect,
            broken: Regex::new(&format!("^({})", CONTEXT_BROKEN.join("|")))
                .expect("the catalog's context-broken patterns compile"),
            probe: Probe::None,
            settings: None,
        })
    }

    /// This matcher for the fault fired at a crash point whose function runs in `reach`: the
    /// module's hit line in that context comes first.
    pub fn at_point(mut self, reach: Reach) -> Self {
        let fault = [("fault", self.fault.name)];
        let both = [fault[0], ("reach", reach.name())];
        let given: &[_] = if reach == Reach::Any { &fault } else { &both };
        let hit = HIT_FIRING.regex(given).to_string();
        self.expect
            .insert(0, Regex::new(&hit).expect("hit pattern compiles"));
        self.probe = Probe::Armed;
        self
    }

    /// Notes the function the probe fired from, from the console's hit line.
    pub fn read_function(&mut self, lines: &[String]) {
        if self.probe == Probe::None {
            return;
        }
        self.probe = lines
            .iter()
            .find_map(|l| at_hit(l).map(|(f, _)| Probe::Hit(f.to_string())))
            .unwrap_or(Probe::Armed);
    }

    /// Notes what the system said, before the fault fired, decides how an oops ends there.
    pub fn set_settings(&mut self, settings: Option<PanicSettings>) {
        self.settings = settings;
    }

    /// What the system said, before the fault fired, decides how its crash ends there.
    pub fn settings(&self) -> Option<&PanicSettings> {
        self.settings.as_ref()
    }

    /// What the system said decides how an oops ends there, and what the panic line's rule
    /// made of it, for the results (empty when it said nothing).
    pub fn settings_note(&self) -> String {
        let Some(settings) = self.settings else {
            return String::new();
        };
        let made = if self.kexecs_first() {
            "no panic line: die() enters the capture kernel before panic() prints it"
        } else if self.panic_line().is_some() {
            "the panic line follows the report"
        } else {
            "no panic line: the fault does not panic"
        };
        format!("{}: {made}", settings.describe())
    }

    /// Whether the system enters the capture kernel from `die()` before `panic()` can print
    /// its line ([`PanicSettings::oops_kexecs_first`]): for a report that `die()` makes, an
    /// oops, or a panic whose expected lines do not hold the panic line itself (x86's stack
    /// guard page: `die()`, then `panic()`). A probe's handler may run in an interrupt (x86's
    /// int3) or not: only `panic_on_oops` makes that certain.
    pub fn kexecs_first(&self) -> bool {
        let Some(settings) = self.settings else {
            return false;
        };
        let by_die = match self.fault.kind {
            Kind::Oops => true,
            Kind::Panic => !self
                .expect
                .iter()
                .any(|re| re.as_str().starts_with(PANIC_LINE)),
            _ => false,
        };
        let in_interrupt = self.ctx.in_interrupt() && self.probe == Probe::None;
        by_die && settings.oops_kexecs_first(in_interrupt)
    }

    /// The run's probe: none, or the function it fired from once the console said.
    pub fn probe(&self) -> &Probe {
        &self.probe
    }

    /// For a crash-point run that never fired: the module's line that says why.
    pub fn unreached<'a>(&self, lines: &'a [String]) -> Option<&'a str> {
        if self.probe == Probe::None {
            return None;
        }
        lines
            .iter()
            .map(|l| strip_timestamp(l))
            .find(|l| unreached(l))
    }

    /// The expected lines as one string, one pattern per line.
    pub fn expected(&self) -> String {
        let lines: Vec<&str> = self.expect.iter().map(Regex::as_str).collect();
        lines.join("\n")
    }

    pub fn fault(&self) -> &'static Fault {
        self.fault
    }

    pub fn context(&self) -> Context {
        self.ctx
    }

    /// The trigger line that carries `id=<id>`, if `lines` hold one: ties a log (or a dump's
    /// log) to the run that asked for it.
    pub fn trigger_with_id<'a>(&self, lines: &'a [String], id: &str) -> Option<&'a str> {
        lines
            .iter()
            .filter(|l| self.trigger.is_match(l))
            .find(|l| {
                l.split_whitespace()
                    .any(|w| w.strip_prefix("id=") == Some(id))
            })
            .map(|l| strip_timestamp(l))
    }

    /// The panic line a run must end with, if the fault panics the test guest and the
    /// system does not enter the capture kernel before `panic()` prints it.
    fn panic_line(&self) -> Option<Regex> {
        if self.kexecs_first() {
            return None;
        }
        let pattern = match self.fault.kind {
            // From a probe's handler: x86's int3 runs it as an NMI (an interrupt to die()),
            // ftrace and arm64's brk in the probed function's own context.
            Kind::Oops if self.probe != Probe::None => {
                format!("{PANIC_LINE}: (.*: )?Fatal exception( in interrupt)?$")
            }
            // die(): "Fatal exception", or "Fatal exception in interrupt" in interrupt context
            // (arm64 puts the oops' name before it).
            Kind::Oops if self.ctx.in_interrupt() => {
                format!("{PANIC_LINE}: (.*: )?Fatal exception in interrupt")
            }
            Kind::Oops => format!("{PANIC_LINE}: (.*: )?Fatal exception$"),
            kind if kind.panics_test_guest() => PANIC_LINE.to_string(),
            _ => return None,
        };
        Some(Regex::new(&pattern).expect("panic pattern compiles"))
    }

    /// Judges a console log. With `End::Running`, a `pass` means the run may stop now.
    pub fn judge(&self, lines: &[String], end: &End) -> Judgement {
        if let End::NotStarted(why) = end {
            return Judgement::new(
                Some(Cause::NotStarted),
                "",
                format!("QEMU did not start: {why}"),
            );
        }
        let Some(fired) = lines.iter().position(|l| self.trigger.is_match(l)) else {
            return Judgement::new(Some(Cause::NotFired), "", no_trigger_reason(lines, end));
        };
        // Each expected line must follow the previous one.
        let mut at = fired + 1;
        let mut last_hit = fired;
        let mut observed: Vec<String> = Vec::new();
        for re in &self.expect {
            let Some(hit) = lines[at..]
                .iter()
                .position(|l| re.is_match(strip_timestamp(l)))
            else {
                let when = match end {
                    End::Timeout => "before the time limit",
                    _ => "after the trigger line",
                };
                let got = if observed.is_empty() {
                    String::new()
                } else {
                    format!(" (matched so far: {})", observed.join(" / "))
                };
                return Judgement::new(
                    Some(Cause::NoMessage),
                    &observed.join("\n"),
                    format!("no kernel message matching '{}' {when}{got}", re.as_str()),
                );
            };
            if observed.is_empty() {
                if let Some(broken) = self.broken_before(&lines[fired + 1..at + hit]) {
                    return Judgement::new(
                        Some(Cause::ContextBroken),
                        "",
                        format!(
                            "before the fault's message, the kernel reported panicgen breaking \
                             the rules of its context: '{broken}'"
                        ),
                    );
                }
            }
            observed.push(strip_timestamp(&lines[at + hit]).to_string());
            last_hit = at + hit;
            at = last_hit + 1;
        }
        let observed = observed.join("\n");
        let mut completed_at = last_hit;
        if let Some(panic) = self.panic_line() {
            // The panic line may be the last expected line itself (arm64 STACK_OVERFLOW).
            let last = last_hit;
            let Some(at) = lines[last..]
                .iter()
                .position(|l| panic.is_match(strip_timestamp(l)))
            else {
                return Judgement::new(
                    Some(Cause::NoPanic),
                    &observed,
                    format!(
                        "the message appeared but no panic line matching '{}' followed",
                        panic.as_str()
                    ),
                );
            };
            completed_at = last + at;
        }
        Judgement {
            completed_at: Some(completed_at),
            ..Judgement::new(None, &observed, String::new())
        }
    }

    /// The first of `lines` in which the kernel reports a context's rules broken.
    fn broken_before<'a>(&self, lines: &'a [String]) -> Option<&'a str> {
        lines
            .iter()
            .map(|l| strip_timestamp(l))
            .find(|l| self.broken.is_match(l))
    }
}

/// Explains a run that never reached the trigger line.
fn no_trigger_reason(lines: &[String], end: &End) -> String {
    let last = lines
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| strip_timestamp(l).to_string())
        .unwrap_or_else(|| "<no console output>".to_string());
    let what = if protocol::find(lines, Event::InsmodFailed).is_some() {
        return match super::module_refused::why(lines) {
            Some(why) => format!("insmod failed in the guest: {why}"),
            None => format!("insmod failed in the guest; last console line: {last}"),
        };
    } else if lines.iter().any(|l| Rejected::parse(l).is_some()) {
        "the module rejected the trigger command"
    } else {
        match end {
            End::Timeout => "time limit reached before the trigger line",
            _ => "the guest ended before the trigger line",
        }
    };
    format!("{what}; last console line: {last}")
}

#[cfg(test)]
mod settings_tests;
#[cfg(test)]
mod tests;
