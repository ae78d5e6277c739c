// SPDX-License-Identifier: GPL-2.0

//! The trigger command: `NAME [ctx=CTX] [cpu=N] [delay_ms=N] [id=TOKEN]`, parsed.

use super::*;
use core::fmt;

/// The longest command the trigger accepts, in bytes.
pub(crate) const MAX_COMMAND_LEN: usize = 128;
/// The longest `delay_ms=`.
pub(crate) const MAX_DELAY_MS: u32 = 60_000;
/// The longest `id=`.
pub(crate) const MAX_ID_LEN: usize = 64;

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
            ParseError::UnknownOption => {
                f.write_str("unknown option; the options are ctx=, cpu=, delay_ms= and id=")
            }
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
            ParseError::BadValue(key) => write!(f, "bad value for {key}="),
            ParseError::Repeated(key) => write!(f, "{key}= given twice"),
            ParseError::ContextNotAllowed(fault, ctx) => write!(
                f,
                "{fault} cannot run in ctx={ctx}; the faults file lists its contexts"
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
    let mut cmd = Command {
        fault,
        ctx: Context::Process,
        cpu: None,
        delay_ms: 0,
        id: None,
    };
    let mut seen = [false; 4];
    for word in words {
        let (key, value) = word.split_once('=').ok_or(ParseError::UnknownOption)?;
        let (slot, key) = match key {
            "ctx" => (0, "ctx"),
            "cpu" => (1, "cpu"),
            "delay_ms" => (2, "delay_ms"),
            "id" => (3, "id"),
            _ => return Err(ParseError::UnknownOption),
        };
        if core::mem::replace(&mut seen[slot], true) {
            return Err(ParseError::Repeated(key));
        }
        let bad = ParseError::BadValue(key);
        match slot {
            0 => cmd.ctx = Context::from_name(value).ok_or(bad)?,
            1 => cmd.cpu = Some(value.parse().map_err(|_| bad)?),
            2 => {
                cmd.delay_ms = value.parse().map_err(|_| ParseError::BadValue(key))?;
                if cmd.delay_ms > MAX_DELAY_MS {
                    return Err(bad);
                }
            }
            _ => {
                if !valid_id(value) {
                    return Err(bad);
                }
                cmd.id = Some(value);
            }
        }
    }
    if !fault.contexts.contains(cmd.ctx) {
        return Err(ParseError::ContextNotAllowed(fault.name, cmd.ctx.name()));
    }
    Ok(cmd)
}
