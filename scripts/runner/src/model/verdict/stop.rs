// SPDX-License-Identifier: GPL-2.0

//! When a running guest has shown all it will: the rules the runner applies after each console
//! line of a fault run. Stopping early is what makes a run take seconds instead of its time
//! limit, and stopping too early would lose the lines a verdict needs, so these rules are
//! judged here with the others, on recorded consoles.

use std::time::Duration;

use super::console::Matcher;
use crate::{
    catalog::Context,
    model::{
        facts::End,
        plan::DumpMode,
        protocol::{
            self,
            Event, //
        },
        pstore,
    },
};

/// What the runner does next with a guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Keep reading its console.
    Continue,
    /// Stop it after this grace period.
    StopAfter(Duration),
    /// Stop it once its console has been quiet for `quiet` (the rest of a report is out), at
    /// the latest after `max`.
    StopWhenQuiet { quiet: Duration, max: Duration },
    /// The guest reported its panic and stopped: dump its memory from the host, then stop it.
    DumpFromHost,
}

/// One fault run as the stop rules see it.
pub struct Watch<'a> {
    pub matcher: &'a Matcher,
    /// How this run's dump is taken ([`DumpMode::None`]: it takes none).
    pub dump: DumpMode,
    /// The console line that completed the verdict, once one did.
    pub verdict_line: Option<usize>,
}

impl Watch<'_> {
    /// Reads the console so far (`lines`, the newest last) and says what to do next.
    pub fn next(&mut self, lines: &[String]) -> Next {
        if self.verdict_line.is_none() && self.matcher.judge(lines, &End::Running).passed() {
            self.verdict_line = Some(lines.len() - 1);
        }
        let seen = self.verdict_line.is_some();
        match self.dump {
            // A crash point refused, or not reached in its time: nothing more will come.
            _ if !seen && self.matcher.unreached(lines).is_some() => {
                Next::StopAfter(Duration::from_millis(200))
            }
            // The capture kernel ends a dump run: it syncs the disk, says so and reboots.
            DumpMode::Kdump if protocol::last_is(lines, Event::VmcoreSaved) => {
                Next::StopAfter(Duration::from_millis(100))
            }
            DumpMode::Kdump if protocol::last_is(lines, Event::CaptureFailed) => {
                Next::StopAfter(Duration::from_secs(2))
            }
            DumpMode::Kdump => Next::Continue,
            // The next boot has printed the record, or found none.
            DumpMode::Pstore
                if protocol::last_is(lines, Event::PstoreEnd)
                    && pstore::record(lines) != pstore::Record::NotYet =>
            {
                Next::StopAfter(Duration::from_millis(100))
            }
            DumpMode::Pstore => Next::Continue,
            DumpMode::Qmp if seen => Next::DumpFromHost,
            _ if seen => self.after_verdict(),
            // In process context the fault happens inside the write: once the write has
            // returned without the kernel's message, only the rest of a report can come.
            _ if self.matcher.context() == Context::Process
                && protocol::last_is(lines, Event::TriggerReturned) =>
            {
                Next::StopWhenQuiet {
                    quiet: Duration::from_secs(1),
                    max: Duration::from_secs(3),
                }
            }
            _ => Next::Continue,
        }
    }

    /// Once the console shows the verdict, the guest may go as soon as the rest of the report
    /// is out (a quiet console): a panic run normally ends by itself (pvpanic), a report run
    /// may leave a CPU spinning.
    fn after_verdict(&self) -> Next {
        let max = if self.matcher.fault().kind.panics_test_guest() {
            Duration::from_millis(500)
        } else {
            Duration::from_millis(1500)
        };
        Next::StopWhenQuiet {
            quiet: Duration::from_millis(300),
            max,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{
        self,
        Arch, //
    };

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    fn matcher(name: &str, ctx: Context) -> Matcher {
        Matcher::new(catalog::find(name).unwrap(), ctx, Arch::X86_64).unwrap()
    }

    /// Feeds `console` line by line; the decision after each line.
    fn watch(m: &Matcher, dump: DumpMode, console: &str) -> Vec<Next> {
        let all = lines(console);
        let mut w = Watch {
            matcher: m,
            dump,
            verdict_line: None,
        };
        (1..=all.len()).map(|n| w.next(&all[..n])).collect()
    }

    const BUG: &str = "\
[ 5.2] panicgen: trigger BUG ctx=process id=r1
[ 5.3] kernel BUG at src/faults/bugs.rs:48!
[ 5.4] Kernel panic - not syncing: Fatal exception
[ 1.0] panicgen-init: capture kernel booted 7.3.4
[ 2.0] panicgen-init: vmcore saved: 100 bytes";

    #[test]
    fn a_kdump_run_stops_when_the_vmcore_is_saved_and_not_before() {
        let m = matcher("BUG", Context::Process);
        let next = watch(&m, DumpMode::Kdump, BUG);
        assert!(next[..4].iter().all(|n| *n == Next::Continue), "{next:?}");
        assert_eq!(next[4], Next::StopAfter(Duration::from_millis(100)));
    }

    #[test]
    fn a_pstore_run_stops_once_the_next_boot_printed_its_record() {
        let m = matcher("BUG", Context::Process);
        let console = "\
[ 5.2] panicgen: trigger BUG ctx=process id=r1
[ 5.3] kernel BUG at src/faults/bugs.rs:48!
[ 5.4] Kernel panic - not syncing: Fatal exception
[ 0.0] Linux version 7.3.4
[ 1.0] panicgen-init: pstore records 1
[ 1.0] panicgen-init: pstore line <4>[ 5.3] kernel BUG at src/faults/bugs.rs:48!
[ 1.1] panicgen-init: pstore end";
        let next = watch(&m, DumpMode::Pstore, console);
        assert!(next[..6].iter().all(|n| *n == Next::Continue), "{next:?}");
        assert_eq!(next[6], Next::StopAfter(Duration::from_millis(100)));
        let none = "\
[ 5.2] panicgen: trigger BUG ctx=process id=r1
[ 1.0] panicgen-init: pstore records 0
[ 1.1] panicgen-init: pstore end";
        assert_eq!(
            watch(&m, DumpMode::Pstore, none)[2],
            Next::StopAfter(Duration::from_millis(100))
        );
    }

    #[test]
    fn a_console_run_stops_once_the_verdict_is_complete() {
        let m = matcher("BUG", Context::Process);
        let next = watch(&m, DumpMode::None, BUG);
        assert_eq!(next[0], Next::Continue);
        assert_eq!(next[1], Next::Continue, "the panic line is still to come");
        assert!(matches!(next[2], Next::StopWhenQuiet { .. }));
    }

    #[test]
    fn a_qmp_run_dumps_from_the_host_once_the_verdict_is_complete() {
        let m = matcher("BUG", Context::Process);
        let next = watch(&m, DumpMode::Qmp, BUG);
        assert_eq!(next[1], Next::Continue);
        assert_eq!(next[2], Next::DumpFromHost);
    }

    #[test]
    fn a_returned_write_without_the_message_waits_only_for_a_report() {
        let m = matcher("WARN", Context::Process);
        let quiet = "\
[ 5.2] panicgen: trigger WARN ctx=process id=r1
[ 5.3] panicgen-init: trigger returned 0";
        let next = watch(&m, DumpMode::None, quiet);
        assert_eq!(next[0], Next::Continue);
        assert_eq!(
            next[1],
            Next::StopWhenQuiet {
                quiet: Duration::from_secs(1),
                max: Duration::from_secs(3)
            }
        );
        // Not in a deferred context: the fault comes later than the write.
        let m = matcher("WARN", Context::Hardirq);
        assert_eq!(watch(&m, DumpMode::None, quiet)[1], Next::Continue);
    }
}
