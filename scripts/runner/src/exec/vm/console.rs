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

pub enum Event {
    Line(String),
    Eof,
}

/// Drains both of QEMU's pipes all the time (an undrained console stalls the guest and its
/// exit): the console's lines come on the channel, stderr's text from the thread.
pub fn drain(child: &mut Reaper) -> (mpsc::Receiver<Event>, thread::JoinHandle<String>) {
    let (tx, rx) = mpsc::channel();
    let stdout = child.0.stdout.take().expect("stdout is piped");
    thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf)
                        .trim_end_matches(['\n', '\r'])
                        .to_string();
                    if tx.send(Event::Line(line)).is_err() {
                        return;
                    }
                }
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

impl Console {
    /// Reads lines until QEMU exits, the time limit, or the stop `watch` asked for.
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
            let now = Instant::now();
            let limit = stop_at.map_or(self.deadline, |s| s.min(self.deadline));
            if now >= limit {
                return match stop_at {
                    Some(s) if s <= self.deadline => End::Stopped,
                    _ => End::Timeout,
                };
            }
            match rx.recv_timeout(limit - now) {
                Ok(Event::Line(line)) => self.push(line),
                Ok(Event::Eof) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return End::Exited(child.0.wait().ok().and_then(|s| s.code()));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
            }
            let now = Instant::now();
            if let Some((q, latest)) = quiet {
                stop_at = Some((now + q).min(latest));
            } else if stop_at.is_none() {
                match watch(&self.lines, qmp.as_deref_mut()) {
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
