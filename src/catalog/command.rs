// SPDX-License-Identifier: GPL-2.0

//! The trigger command, parsed: `NAME [ctx=CTX] [cpu=N] [delay_ms=N] [id=TOKEN]`, or, to fire
//! from a kernel function, `NAME at=SYMBOL[+OFFSET]|POINT [count=N] [timeout_ms=T] [cpu=N]
//! [id=TOKEN]`.

use super::*;
use core::fmt;

/// The longest command the trigger accepts, in bytes.
pub(crate) const MAX_COMMAND_LEN: usize = 128;
/// The longest `delay_ms=`.
pub(crate) const MAX_DELAY_MS: u32 = 60_000;
/// The longest `id=`.
pub(crate) const MAX_ID_LEN: usize = 64;
/// The longest function name `at=` takes.
pub(crate) const MAX_SYMBOL_LEN: usize = 64;
/// The largest `+OFFSET` into a function.
pub(crate) const MAX_OFFSET: u32 = 0xffff;
/// The largest `count=`.
pub(crate) const MAX_COUNT: u32 = 1_000_000;
/// The longest `timeout_ms=`, and its default.
pub(crate) const MAX_TIMEOUT_MS: u32 = 600_000;
pub(crate) const DEFAULT_TIMEOUT_MS: u32 = 10_000;

/// The function `at=` fires from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target<'a> {
    /// A kernel function, by name.
    Symbol(&'a str),
    /// A named crash point: the first of its functions the kernel has.
    Point(&'static CrashPoint),
}

/// Where and when an `at=` command fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct At<'a> {
    pub(crate) target: Target<'a>,
    /// Bytes into the function (a named point: 0).
    pub(crate) offset: u32,
    /// Fire on this hit (1: the first).
    pub(crate) count: u32,
    /// Give up after this long without that hit.
    pub(crate) timeout_ms: u32,
}

/// Formats as `at=`'s value: a crash point's name, or `function[+0xOFFSET]`.
impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.target {
            Target::Point(point) => f.write_str(point.name),
            Target::Symbol(name) if self.offset > 0 => write!(f, "{name}+{:#x}", self.offset),
            Target::Symbol(name) => f.write_str(name),
        }
    }
}

/// A parsed trigger command: `NAME [ctx=CTX] [cpu=N] [delay_ms=N] [id=TOKEN]`.
#[derive(Debug)]
pub(crate) struct Command<'a> {
    /// The fault to fire.
    pub(crate) fault: &'static Fault,
    /// Where to fire it (default: the writing process).
    pub(crate) ctx: Context,
    /// The CPU to fire it on, if pinned.
    pub(crate) cpu: Option<u32>,
    /// How long to wait before firing.
    pub(crate) delay_ms: u32,
    /// A token echoed in the trigger line, to tie logs and dumps to the request.
    pub(crate) id: Option<&'a str>,
    /// Fire from this kernel function instead, in whatever context runs it.
    pub(crate) at: Option<At<'a>>,
}

/// Why a trigger command was rejected.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// Nothing but white space was written.
    Empty,
    /// More than [`MAX_COMMAND_LEN`] bytes were written.
    TooLong(usize),
    /// The command is not valid UTF-8 or holds control characters.
    NotText,
    /// No fault has this name.
    UnknownFault,
    /// A word after the name is not one of the options.
    UnknownOption,
    /// An option's value is not valid; names the option.
    BadValue(&'static str),
    /// An option was given twice; names the option.
    Repeated(&'static str),
    /// The fault makes no sense in the requested context.
    ContextNotAllowed(&'static str, &'static str),
    /// The first option only goes with the second.
    Needs(&'static str, &'static str),
    /// The two options exclude each other.
    Excludes(&'static str, &'static str),
    /// The fault must sleep or run in the writer, and a probed function runs atomic.
    NotAtomic(&'static str),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Empty => f.write_str("empty command; write a fault name"),
            ParseError::TooLong(n) => {
                write!(f, "command of {n} bytes is longer than {MAX_COMMAND_LEN}")
            }
            ParseError::NotText => f.write_str("command is not printable text"),
            ParseError::UnknownFault => {
                f.write_str("unknown fault name; read the trigger file for the list")
            }
            ParseError::UnknownOption => f.write_str(
                "unknown option; the options are ctx=, cpu=, delay_ms=, id=, at=, count= and \
                 timeout_ms=",
            ),
            ParseError::BadValue("ctx") => f.write_str(
                "bad ctx=; use process, softirq, hardirq, workqueue, kthread, irqoff or preemptoff",
            ),
            ParseError::BadValue("cpu") => f.write_str("bad cpu=; give a CPU number"),
            ParseError::BadValue("delay_ms") => {
                write!(f, "bad delay_ms=; give 0 to {MAX_DELAY_MS}")
            }
            ParseError::BadValue("id") => {
                write!(f, "bad id=; use 1 to {MAX_ID_LEN} of A-Z a-z 0-9 . _ : -")
            }
            ParseError::BadValue("at") => write!(
                f,
                "bad at=; give a function name (up to {MAX_SYMBOL_LEN} of A-Z a-z 0-9 _ .) with \
                 an optional +OFFSET up to {MAX_OFFSET:#x}, or a crash point of the faults file"
            ),
            ParseError::BadValue("count") => write!(f, "bad count=; give 1 to {MAX_COUNT}"),
            ParseError::BadValue("timeout_ms") => {
                write!(f, "bad timeout_ms=; give 1 to {MAX_TIMEOUT_MS}")
            }
            ParseError::BadValue(key) => write!(f, "bad value for {key}="),
            ParseError::Repeated(key) => write!(f, "{key}= given twice"),
            ParseError::ContextNotAllowed(fault, ctx) => write!(
                f,
                "{fault} cannot run in ctx={ctx}; the faults file lists its contexts"
            ),
            ParseError::Needs(a, b) => write!(f, "{a}= only goes with {b}="),
            ParseError::Excludes(a, b) => write!(
                f,
                "{a}= and {b}= exclude each other: at= fires where the function runs"
            ),
            ParseError::NotAtomic(fault) => write!(
                f,
                "{fault} cannot run from a probed function, which runs with preemption off; \
                 the faults file lists its contexts"
            ),
        }
    }
}

/// Looks a fault up by its exact name.
pub(crate) fn find(name: &str) -> Option<&'static Fault> {
    FAULTS.iter().find(|f| f.name == name)
}

pub(super) fn valid_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// Parses what was written to the trigger file: a fault name and options, separated by white
/// space (a trailing newline from `echo` is the usual case).
pub(crate) fn parse(input: &[u8]) -> Result<Command<'_>, ParseError> {
    if input.len() > MAX_COMMAND_LEN {
        return Err(ParseError::TooLong(input.len()));
    }
    let text = core::str::from_utf8(input).map_err(|_| ParseError::NotText)?;
    if text
        .chars()
        .any(|c| c.is_control() && !c.is_ascii_whitespace())
    {
        return Err(ParseError::NotText);
    }
    let mut words = text.split_ascii_whitespace();
    let name = words.next().ok_or(ParseError::Empty)?;
    let fault = find(name).ok_or(ParseError::UnknownFault)?;
    let mut options = Options {
        cmd: Command {
            fault,
            ctx: Context::Process,
            cpu: None,
            delay_ms: 0,
            id: None,
            at: None,
        },
        count: None,
        timeout_ms: None,
        seen: [false; KEYS.len()],
    };
    for word in words {
        options.take(word)?;
    }
    options.finish()
}

/// The options a command takes, in [`Options::seen`]'s order.
const KEYS: [&str; 7] = ["ctx", "cpu", "delay_ms", "id", "at", "count", "timeout_ms"];

/// A command's options as written, before they are held to each other and to the fault.
struct Options<'a> {
    cmd: Command<'a>,
    count: Option<u32>,
    timeout_ms: Option<u32>,
    /// Which of [`KEYS`] were given.
    seen: [bool; KEYS.len()],
}

impl<'a> Options<'a> {
    /// Takes one `key=value` word.
    fn take(&mut self, word: &'a str) -> Result<(), ParseError> {
        let (key, value) = word.split_once('=').ok_or(ParseError::UnknownOption)?;
        let slot = KEYS
            .iter()
            .position(|k| *k == key)
            .ok_or(ParseError::UnknownOption)?;
        let key = KEYS[slot];
        if core::mem::replace(&mut self.seen[slot], true) {
            return Err(ParseError::Repeated(key));
        }
        let bad = ParseError::BadValue(key);
        let cmd = &mut self.cmd;
        match slot {
            0 => cmd.ctx = Context::from_name(value).ok_or(bad)?,
            1 => cmd.cpu = Some(value.parse().map_err(|_| bad)?),
            2 => {
                let delay = value.parse().ok().filter(|d| *d <= MAX_DELAY_MS);
                cmd.delay_ms = delay.ok_or(bad)?;
            }
            3 => cmd.id = Some(Some(value).filter(|v| valid_id(v)).ok_or(bad)?),
            4 => {
                let (target, offset) = parse_at(value).ok_or(bad)?;
                cmd.at = Some(At {
                    target,
                    offset,
                    count: 1,
                    timeout_ms: DEFAULT_TIMEOUT_MS,
                });
            }
            5 => self.count = Some(parse_limited(value, MAX_COUNT).ok_or(bad)?),
            _ => self.timeout_ms = Some(parse_limited(value, MAX_TIMEOUT_MS).ok_or(bad)?),
        }
        Ok(())
    }

    /// The command, once its options agree with each other and with the fault.
    fn finish(self) -> Result<Command<'a>, ParseError> {
        let Options {
            mut cmd,
            count,
            timeout_ms,
            seen,
        } = self;
        let fault = cmd.fault;
        if let Some(at) = &mut cmd.at {
            if seen[0] {
                return Err(ParseError::Excludes("at", "ctx"));
            }
            if seen[2] {
                return Err(ParseError::Excludes("at", "delay_ms"));
            }
            // A kprobe handler runs with preemption off: a fault needs an atomic context.
            if !ATOMIC.iter().any(|c| fault.contexts.contains(*c)) {
                return Err(ParseError::NotAtomic(fault.name));
            }
            at.count = count.unwrap_or(1);
            at.timeout_ms = timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
            return Ok(cmd);
        }
        if count.is_some() {
            return Err(ParseError::Needs("count", "at"));
        }
        if timeout_ms.is_some() {
            return Err(ParseError::Needs("timeout_ms", "at"));
        }
        if !fault.contexts.contains(cmd.ctx) {
            return Err(ParseError::ContextNotAllowed(fault.name, cmd.ctx.name()));
        }
        Ok(cmd)
    }
}

/// The contexts a probed function can be in: an interrupt, or a task with preemption (and
/// perhaps interrupts) off.
pub(crate) const ATOMIC: [Context; 4] = [
    Context::Hardirq,
    Context::Softirq,
    Context::IrqOff,
    Context::PreemptOff,
];

/// `at=`'s value: a crash point's name, or `SYMBOL[+OFFSET]` (decimal or 0x hex).
fn parse_at(value: &str) -> Option<(Target<'_>, u32)> {
    let (name, offset) = match value.split_once('+') {
        Some((name, off)) => {
            let n = match off.strip_prefix("0x") {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => off.parse().ok()?,
            };
            (name, Some(n).filter(|n| *n <= MAX_OFFSET)?)
        }
        None => (value, 0),
    };
    if let Some(point) = find_point(name) {
        // A point is a function's entry, found at run time: no offset into it.
        return (offset == 0 && !value.contains('+')).then_some((Target::Point(point), 0));
    }
    let symbol_char = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.';
    let valid = (1..=MAX_SYMBOL_LEN).contains(&name.len())
        && !name.as_bytes()[0].is_ascii_digit()
        && name.bytes().all(symbol_char);
    valid.then_some((Target::Symbol(name), offset))
}

/// A decimal number from 1 to `max`.
fn parse_limited(value: &str, max: u32) -> Option<u32> {
    value.parse().ok().filter(|n| (1..=max).contains(n))
}
