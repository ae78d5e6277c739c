// SPDX-License-Identifier: GPL-2.0

//! A guest whose kernel died before its fault: an oops or a panic on the console before the
//! module's trigger line (seen under TCG: "Oops: int3" in `ktime_get_mono_fast_ns` while a
//! distribution kernel booted, and once at `schedule+0x0` on panicgen's debug kernel). Its run
//! never fired: the infrastructure's error, tried again, never a verdict on the fault; and
//! nothing more will come of that boot, so it is stopped rather than waited out.

use super::console::PANIC_LINE;
use crate::model::protocol::{
    self,
    strip_timestamp, //
};

/// The kernel's report lines that end (or wreck) a boot: x86's and arm64's oops headers and
/// the panic line.
const DEATH: [&str; 3] = ["Oops: ", "Internal error: ", PANIC_LINE];

/// The first report of the kernel dying in `lines` before the module's trigger line, if any.
pub fn died_before_fault(lines: &[String]) -> Option<String> {
    let end = protocol::trigger_line(lines).unwrap_or(lines.len());
    died(&lines[..end])
}

/// The first report of the kernel dying in `lines`, if any: for a run that crashes nothing on
/// purpose (the selftest), the machine's failure, not the run's.
pub fn died(lines: &[String]) -> Option<String> {
    lines
        .iter()
        .map(|l| strip_timestamp(l).trim())
        .find(|l| DEATH.iter().any(|d| l.starts_with(d)))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        catalog::{
            self,
            Arch,
            Context, //
        },
        model::{
            facts::End,
            verdict::{
                decide,
                Cause,
                Facts,
                Matcher, //
            },
        },
    };

    #[test]
    fn a_run_whose_kernel_died_before_the_fault_is_an_error_that_says_so() {
        // Recorded shape: the debug kernel's "Oops: int3" at schedule+0x0 under TCG.
        let m = Matcher::new(
            catalog::find("BUG").unwrap(),
            Context::Process,
            Arch::X86_64,
        )
        .unwrap();
        let console =
            lines("[ 0.9] Oops: int3: 0000 [#1] SMP NOPTI\n[ 0.9] RIP: 0010:schedule+0x0/0x1b0\n");
        let d = decide(&Facts::console(&m, &console, &End::Exited(Some(0)), "r1"));
        assert_eq!(d.cause, Some(Cause::NotFired), "{d:?}");
        assert!(
            d.reason
                .starts_with("the kernel died before the fault ('Oops: int3"),
            "{}",
            d.reason
        );
    }

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn an_oops_while_booting_is_a_death_before_the_fault() {
        // Recorded shape (Debian's 7.3.4 under TCG, a user's image).
        let boot = lines(
            "[    0.9] sched_clock: Marking stable (880000000, 20000000)->(900000000, 0)\n\
             [    1.0] Oops: int3: 0000 [#1] SMP NOPTI\n\
             [    1.0] RIP: 0010:ktime_get_mono_fast_ns+0x1/0x80\n",
        );
        assert_eq!(
            died_before_fault(&boot).as_deref(),
            Some("Oops: int3: 0000 [#1] SMP NOPTI")
        );
        let arm = lines("[ 2.0] Internal error: Oops: 0000000096000005 [#1]  SMP\n");
        assert!(died_before_fault(&arm).is_some());
    }

    #[test]
    fn a_selftest_s_kernel_death_is_found_anywhere() {
        // Recorded (debug x86_64, warm make check of a728516): the selftest's 20th case,
        // then a stray int3 where a probe on schedule had just been removed.
        let run = lines(
            "[ 24.7] # ok 20 at_timeout\n\
             [ 24.8] WARNING: src/faults/bugs.rs:76 at warn+0xe/0x12 [panicgen]\n\
             [ 24.83] Oops: int3: 0000 [#1] SMP\n\
             [ 24.83] RIP: 0010:schedule+0x1/0xe0\n",
        );
        assert_eq!(died(&run).as_deref(), Some("Oops: int3: 0000 [#1] SMP"));
        assert_eq!(died(&run[..2]), None);
    }

    #[test]
    fn the_fault_s_own_report_and_a_clean_boot_are_not() {
        let fired = lines(
            "[ 1.0] systemd[1]: Reached target multi-user.target\n\
             [ 5.2] panicgen: trigger BUG ctx=process id=r1\n\
             [ 5.3] Oops: invalid opcode: 0000 [#1] SMP NOPTI\n\
             [ 5.4] Kernel panic - not syncing: Fatal exception\n",
        );
        assert_eq!(died_before_fault(&fired), None);
        assert_eq!(died_before_fault(&fired[..1]), None);
        // A line that merely mentions an oops is not one.
        let said = lines("[ 1.0] panicgen-init: booted 7.3.4 x86_64 (Oops: none)\n");
        assert_eq!(died_before_fault(&said), None);
    }
}
