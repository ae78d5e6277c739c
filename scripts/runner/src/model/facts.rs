// SPDX-License-Identifier: GPL-2.0

//! The facts a run produced, as the rules read them: how the guest ended, and what its dump
//! held — drgn's report (`scripts/vmcore-check.py`'s JSON, read into typed fields here), or
//! why there is no dump to read.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::symbols::demangle;

/// How a guest run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// Still running (used to decide whether the run can stop early).
    Running,
    /// QEMU exited by itself with this status (`None`: unknown).
    Exited(Option<i32>),
    /// QEMU was killed by this signal, which the runner did not send (the OOM killer, an
    /// operator, a crashed emulator).
    Killed(i32),
    /// The runner was cancelled by this signal while the guest ran.
    Cancelled(i32),
    /// The guest's console passed the runner's limit: what it printed.
    Flooded(String),
    /// The saved guest to restore changed after it was saved: how.
    SavedGuestChanged(String),
    /// The runner stopped a VM that had already shown everything needed.
    Stopped,
    /// The time limit ran out.
    Timeout,
    /// QEMU could not be started (or a saved guest not restored).
    NotStarted(String),
}

/// Why a run asked for a dump has none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MissingDump {
    /// The disk holds no valid header: the capture kernel never wrote a dump.
    NothingWritten,
    /// The header promises more than the disk holds.
    Truncated { copied: u64, size: u64 },
    /// The host could not read the disk or write the vmcore.
    Host(String),
    /// The host-side dump over QMP did not happen.
    Qmp(String),
    /// The host's file system filled up under the dump.
    HostFull(String),
}

impl std::fmt::Display for MissingDump {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MissingDump::NothingWritten => {
                write!(
                    f,
                    "no vmcore: the capture kernel wrote nothing to the vmcore disk"
                )
            }
            MissingDump::Truncated { copied, size } => write!(
                f,
                "no vmcore: truncated, {copied} of {size} bytes on the disk"
            ),
            MissingDump::Host(e) => write!(f, "no vmcore: {e}"),
            MissingDump::Qmp(e) => write!(f, "no vmcore: {e}"),
            MissingDump::HostFull(e) => write!(f, "no vmcore: {e}"),
        }
    }
}

/// What a run asked for a dump ended with.
pub enum Evidence {
    /// drgn read the dump.
    Read(DumpFacts),
    /// There is no dump.
    Missing(MissingDump),
    /// A dump was written but drgn could not read it.
    Unreadable(String),
}

/// What drgn read from the dump.
pub struct DumpFacts {
    pub release: String,
    pub dmesg: Vec<String>,
    /// The crashing thread first, then other threads with a panicgen frame.
    pub threads: Vec<Thread>,
    /// What the dump kept of every task.
    pub survey: Survey,
}

/// What a (filtered) dump kept of every task, as drgn found it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Survey {
    /// Tasks walked in the task list.
    pub tasks: u64,
    /// Of those, the ones whose stack unwound without an error.
    pub unwound: u64,
    /// The unwinding errors, most frequent first (message, count).
    pub errors: Vec<(String, u64)>,
    /// The error that cut the walk of the task list short (empty: walked to its end).
    pub task_list: String,
}

/// A thread of the dump and its stack.
#[derive(Default)]
pub struct Thread {
    pub pid: i64,
    pub comm: String,
    pub crashed: bool,
    /// Innermost first.
    pub frames: Vec<Frame>,
    /// Why drgn could not unwind (all) of it, if it could not.
    pub error: String,
}

/// One frame of a stack.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    /// The demangled symbol (or the DWARF name where no symbol is known).
    pub name: String,
    /// The DWARF name, which tells an inlined function from the symbol it was inlined into
    /// (empty when unknown).
    pub function: String,
    /// An interrupt or exception came in on this frame: the stack goes on into the code it
    /// interrupted.
    pub interrupted: bool,
}

impl Frame {
    /// A frame known by its symbol alone.
    #[cfg(test)]
    pub fn named(name: &str) -> Frame {
        Frame {
            name: name.to_string(),
            ..Frame::default()
        }
    }

    /// Whether the frame is `function`'s, inlined or not.
    pub fn is(&self, function: &str) -> bool {
        self.name == function || self.function == function
    }
}

/// `vmcore-check.py`'s report, as it prints it (see the script's docstring).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Report {
    release: String,
    /// One string per printk record; a record may hold several lines.
    dmesg: Vec<String>,
    crashed: ReportThread,
    tasks: Vec<ReportThread>,
    survey: ReportSurvey,
}

#[derive(Debug, Deserialize)]
#[serde(default)]
struct ReportThread {
    pid: i64,
    comm: String,
    frames: Vec<ReportFrame>,
    error: String,
}

impl Default for ReportThread {
    fn default() -> Self {
        ReportThread {
            pid: -1,
            comm: String::new(),
            frames: Vec::new(),
            error: String::new(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ReportFrame {
    /// The DWARF name, or empty.
    function: String,
    /// The ELF symbol, or empty.
    symbol: String,
    interrupted: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ReportSurvey {
    tasks: u64,
    unwound: u64,
    errors: BTreeMap<String, u64>,
    task_list: String,
}

impl From<ReportFrame> for Frame {
    fn from(f: ReportFrame) -> Self {
        let name = match (f.symbol.is_empty(), f.function.is_empty()) {
            (false, _) => demangle(&f.symbol),
            (true, false) => f.function.clone(),
            (true, true) => "?".into(),
        };
        Frame {
            name,
            function: f.function,
            interrupted: f.interrupted,
        }
    }
}

impl ReportThread {
    fn into_thread(self, crashed: bool) -> Thread {
        Thread {
            pid: self.pid,
            comm: self.comm,
            crashed,
            frames: self.frames.into_iter().map(Frame::from).collect(),
            error: self.error,
        }
    }
}

impl From<ReportSurvey> for Survey {
    fn from(s: ReportSurvey) -> Self {
        let mut errors: Vec<(String, u64)> = s.errors.into_iter().collect();
        errors.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Survey {
            tasks: s.tasks,
            unwound: s.unwound,
            errors,
            task_list: s.task_list,
        }
    }
}

impl DumpFacts {
    /// Reads `vmcore-check.py`'s JSON report.
    pub fn from_json(text: &[u8]) -> Result<DumpFacts, String> {
        let r: Report = serde_json::from_slice(text)
            .map_err(|e| format!("vmcore-check.py printed no report the runner reads: {e}"))?;
        let mut threads = vec![r.crashed.into_thread(true)];
        threads.extend(r.tasks.into_iter().map(|t| t.into_thread(false)));
        Ok(DumpFacts {
            release: r.release,
            dmesg: r
                .dmesg
                .iter()
                .flat_map(|l| l.lines().map(str::to_string))
                .collect(),
            threads,
            survey: r.survey.into(),
        })
    }
}

/// A signal's name, as a shell prints it (`SIGTERM`).
pub fn signal_name(signal: i32) -> String {
    match signal {
        libc::SIGINT => "SIGINT".into(),
        libc::SIGTERM => "SIGTERM".into(),
        libc::SIGKILL => "SIGKILL".into(),
        libc::SIGHUP => "SIGHUP".into(),
        libc::SIGSEGV => "SIGSEGV".into(),
        libc::SIGABRT => "SIGABRT".into(),
        s => format!("signal {s}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report as `vmcore-check.py` prints it (shortened from an x86_64 BUG dump).
    const REPORT: &str = r#"{
        "release": "7.3.4",
        "dmesg": ["panicgen: trigger BUG ctx=process id=r1", "kernel BUG at src/faults/bugs.rs:48!\nmore"],
        "crashed": {"pid": 71, "comm": "sh", "cpu": 0, "frames": [
            {"function": "", "symbol": "_ZN13panicgen_main6faults4bugs3bug17h0123456789abcdefE", "pc": "0x1", "interrupted": false},
            {"function": "asm_exc_invalid_op", "symbol": "", "pc": "0x2", "interrupted": true},
            {"function": "", "symbol": "", "pc": "0x3"}
        ]},
        "tasks": [{"pid": 2, "comm": "kthreadd", "cpu": 1, "frames": [], "error": "Excluded page"}],
        "survey": {"tasks": 38, "unwound": 36, "errors": {"a": 1, "Excluded page": 2}, "task_list": ""}
    }"#;

    #[test]
    fn reads_the_report() {
        let f = DumpFacts::from_json(REPORT.as_bytes()).unwrap();
        assert_eq!(f.release, "7.3.4");
        assert_eq!(f.dmesg.len(), 3, "a record's lines are lines of the log");
        let crashed = &f.threads[0];
        assert!(crashed.crashed && crashed.pid == 71 && crashed.comm == "sh");
        assert_eq!(crashed.frames[0].name, "panicgen_main::faults::bugs::bug");
        assert!(crashed.frames[1].interrupted && crashed.frames[1].name == "asm_exc_invalid_op");
        assert_eq!(crashed.frames[2].name, "?");
        assert!(!f.threads[1].crashed && f.threads[1].error == "Excluded page");
        assert_eq!(f.survey.errors[0], ("Excluded page".to_string(), 2));
        assert_eq!((f.survey.tasks, f.survey.unwound), (38, 36));
    }

    #[test]
    fn a_report_of_the_wrong_shape_is_refused() {
        assert!(DumpFacts::from_json(b"not json").is_err());
        assert!(DumpFacts::from_json(br#"{"crashed": {"pid": "one"}}"#).is_err());
    }
}
