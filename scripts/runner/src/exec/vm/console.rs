// SPDX-License-Identifier: GPL-2.0

//! A guest's console as the runner reads it: QEMU's pipes drained all the time, each line
//! logged and handed to the run's rules, until QEMU exits, the time limit or a stop.

use std::{
    fs,
    io::{
        BufRead,
        BufReader,
        Write, //
    },
    sync::mpsc,
    thread,
    time::{
        Duration,
        Instant, //
    },
};

use super::{
    Control,
    Reaper, //
};
use crate::{
    exec::qmp::Qmp,
    model::facts::End, //
};

use crate::exec::cancel;

/// The most a guest's console may print in one run, unless told otherwise: a guest printing
/// without end (a printk storm, a runaway init) is stopped there, and the runner's memory
/// stays bounded. A boot with a fault's report is 20–50 KiB, a distribution's a few hundred.
pub const DEFAULT_LIMIT: usize = 16 << 20;
/// What a line costs beyond its text (its `String`, its arrival time): a console of short
/// lines reaches the limit sooner, as it fills memory sooner.
const LINE_COST: usize = 64;
/// Longer lines are cut here (a console that never prints a newline).
pub const MAX_LINE: usize = 4096;
/// Lines waiting to be read before QEMU's console pipe is left to fill (the guest then waits).
const QUEUE: usize = 4096;

pub enum Event {
    Line(String),
    Eof,
    /// The console passed its limit: what it printed.
    Flood(String),
}

/// What the console printed so far, against its limit.
struct Budget {
    limit: usize,
    cost: usize,
    bytes: usize,
    lines: usize,
}

impl Budget {
    fn new(limit: usize) -> Self {
        Budget {
            limit,
            cost: 0,
            bytes: 0,
            lines: 0,
        }
    }

    /// Counts a line; `Some(what)` once the console passed the limit.
    fn take(&mut self, len: usize) -> Option<String> {
        self.bytes += len + 1;
        self.lines += 1;
        self.cost += len + LINE_COST;
        (self.cost > self.limit).then(|| {
            format!(
                "the guest's console passed the runner's limit of {} KiB in one run ({} lines, \
                 {} KiB): it printed without end (--console-limit-kib raises the limit)",
                self.limit >> 10,
                self.lines,
                self.bytes >> 10
            )
        })
    }
}

/// Reads one line of at most [`MAX_LINE`] bytes (the rest of a longer one is dropped);
/// `None` at the end of the pipe.
fn read_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> Option<()> {
    buf.clear();
    let mut any = false;
    loop {
        let chunk = reader.fill_buf().ok()?;
        if chunk.is_empty() {
            return any.then_some(());
        }
        any = true;
        let (used, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let room = MAX_LINE.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..used.min(room)]);
        reader.consume(used);
        if done {
            return Some(());
        }
    }
}

/// Drains both of QEMU's pipes all the time (an undrained console stalls the guest and its
/// exit): the console's lines come on the channel, stderr's text from the thread.
pub fn drain(
    child: &mut Reaper,
    limit: usize,
) -> (mpsc::Receiver<Event>, thread::JoinHandle<String>) {
    let (tx, rx) = mpsc::sync_channel(QUEUE);
    let stdout = child.0.stdout.take().expect("stdout is piped");
    thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut buf = Vec::new();
        let mut budget = Budget::new(limit);
        while read_line(&mut reader, &mut buf).is_some() {
            let line = String::from_utf8_lossy(&buf)
                .trim_end_matches(['\n', '\r'])
                .to_string();
            let flood = budget.take(line.len());
            if tx.send(Event::Line(line)).is_err() {
                return;
            }
            if let Some(what) = flood {
                let _ = tx.send(Event::Flood(what));
                return;
            }
        }
        let _ = tx.send(Event::Eof);
    });
    let stderr = child.0.stderr.take().expect("stderr is piped");
    let stderr = thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut text);
        text
    });
    (rx, stderr)
}

/// A guest's console as it is read: the lines so far, when each came, and the log file.
pub struct Console {
    pub start: Instant,
    pub deadline: Instant,
    /// The console log (`None` once a write to it failed).
    pub log: Option<fs::File>,
    pub lines: Vec<String>,
    pub line_at: Vec<Duration>,
}

/// How often a console loop looks for the runner's cancellation while its guest is quiet.
const POLL: Duration = Duration::from_millis(200);
/// Up to this many lines that arrived together are each shown to the run's rules; a larger
/// backlog (a guest printing faster than the rules read) is shown once, whole.
const LINE_BY_LINE: usize = 64;

impl Console {
    /// Reads lines until QEMU exits, the time limit, the stop `watch` asked for, a console
    /// flood or the runner's cancellation.
    pub fn read(
        &mut self,
        rx: &mpsc::Receiver<Event>,
        child: &mut Reaper,
        mut qmp: Option<&mut Qmp>,
        mut watch: impl FnMut(&[String], Option<&mut Qmp>) -> Control,
    ) -> End {
        let mut stop_at: Option<Instant> = None;
        // With StopWhenQuiet: how long a quiet console ends the run, and the latest stop.
        let mut quiet: Option<(Duration, Instant)> = None;
        loop {
            if let Some(signal) = cancel::requested() {
                return End::Cancelled(signal);
            }
            let now = Instant::now();
            let limit = stop_at.map_or(self.deadline, |s| s.min(self.deadline));
            if now >= limit {
                return match stop_at {
                    Some(s) if s <= self.deadline => End::Stopped,
                    _ => End::Timeout,
                };
            }
            let first = match rx.recv_timeout((limit - now).min(POLL)) {
                Ok(event) => event,
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => Event::Eof,
            };
            let batch = match self.take(first, rx) {
                Ok(n) => n,
                Err(end) => return end.unwrap_or_else(|| exited(child)),
            };
            let now = Instant::now();
            if let Some((q, latest)) = quiet {
                stop_at = Some((now + q).min(latest));
                continue;
            }
            let total = self.lines.len();
            let shown = if batch <= LINE_BY_LINE {
                total + 1 - batch
            } else {
                total
            };
            for upto in shown..=total {
                if stop_at.is_some() {
                    break;
                }
                match watch(&self.lines[..upto], qmp.as_deref_mut()) {
                    Control::Continue => {}
                    Control::StopAfter(grace) => stop_at = Some(now + grace),
                    Control::StopWhenQuiet { quiet: q, max } => {
                        quiet = Some((q, now + max));
                        stop_at = Some(now + q.min(max));
                    }
                }
            }
        }
    }

    /// Keeps `first` and the lines already waiting behind it; how many lines it kept, or how
    /// the console ended (`None`: QEMU's pipe closed, it exited).
    fn take(&mut self, first: Event, rx: &mpsc::Receiver<Event>) -> Result<usize, Option<End>> {
        let mut kept = 0;
        let mut event = first;
        loop {
            match event {
                Event::Line(line) => self.push(line),
                Event::Flood(what) => return Err(Some(End::Flooded(what))),
                Event::Eof if kept == 0 => return Err(None),
                // The lines before the end are read first; the end comes on the next call.
                Event::Eof => return Ok(kept),
            }
            kept += 1;
            event = match rx.try_recv() {
                Ok(e) => e,
                Err(mpsc::TryRecvError::Empty) => return Ok(kept),
                Err(mpsc::TryRecvError::Disconnected) => return Ok(kept),
            };
        }
    }

    fn push(&mut self, line: String) {
        if let Some(f) = self.log.as_mut() {
            if writeln!(f, "{line}").is_err() {
                self.log = None;
            }
        }
        self.lines.push(line);
        self.line_at.push(self.start.elapsed());
    }
}

/// How QEMU ended once its console closed: its exit status, or the signal that killed it
/// (a runner being cancelled says so instead).
fn exited(child: &mut Reaper) -> End {
    use std::os::unix::process::ExitStatusExt;
    if let Some(signal) = cancel::requested() {
        return End::Cancelled(signal);
    }
    match child.0.wait() {
        Ok(status) => match status.signal() {
            Some(signal) => End::Killed(signal),
            None => End::Exited(status.code()),
        },
        Err(_) => End::Exited(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_cut_at_the_limit_and_the_rest_dropped() {
        let long = "x".repeat(MAX_LINE * 3);
        let text = format!("short\r\n{long}\nnext\nno newline");
        let mut reader = BufReader::with_capacity(100, text.as_bytes());
        let mut buf = Vec::new();
        let mut got = Vec::new();
        while read_line(&mut reader, &mut buf).is_some() {
            got.push(String::from_utf8_lossy(&buf).trim_end().to_string());
        }
        assert_eq!(got.len(), 4);
        assert_eq!(got[0], "short");
        assert_eq!(got[1].len(), MAX_LINE);
        assert_eq!(got[2], "next");
        assert_eq!(got[3], "no newline");
    }

    #[test]
    fn a_console_past_the_limit_is_a_flood() {
        // Short lines count their cost in memory.
        let mut b = Budget::new(1 << 20);
        let n = (1 << 20) / (1 + LINE_COST);
        assert!((0..n).all(|_| b.take(1).is_none()));
        let what = b.take(1).unwrap();
        assert!(what.contains("printed without end"), "{what}");
        assert!(what.contains("limit of 1024 KiB"), "{what}");
        let mut b = Budget::new(DEFAULT_LIMIT);
        assert!(b.take(DEFAULT_LIMIT).is_some());
    }
}
