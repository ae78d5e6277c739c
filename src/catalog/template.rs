// SPDX-License-Identifier: GPL-2.0

//! Line templates: one definition of a line the module prints and something else reads, from
//! which come the module's formatting ([`Template::write`]), the runner's parser
//! ([`Template::parse`]) and the pattern the in-guest selftest matches the kernel log with
//! ([`Template::pattern`], read from the module's `lines` file). The lines themselves are in
//! `lines.rs`.

use core::fmt;

/// The prefix the kernel log puts before every line the module prints (`pr_fmt`).
pub(crate) const LOG_PREFIX: &str = "panicgen: ";

/// What a field of a line may hold; the parser takes the longest run of such characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// A fault's name: `A-Z`, `0-9`, `_`.
    Name,
    /// A lower-case word: `a-z`, `0-9`, `_`, `-` (contexts, reaches, kinds, arches, yes/no).
    Word,
    /// A kernel function's name: `A-Z`, `a-z`, `0-9`, `_`, `.`.
    Symbol,
    /// A decimal number.
    Number,
    /// `0x` and lower-case hexadecimal digits.
    Hex,
    /// Anything but a blank.
    Token,
    /// The rest of the line (the last piece only).
    Rest,
}

impl Class {
    const fn admits(self, b: u8) -> bool {
        match self {
            Class::Name => b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_',
            Class::Word => b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-',
            Class::Symbol => b.is_ascii_alphanumeric() || b == b'_' || b == b'.',
            Class::Number => b.is_ascii_digit(),
            Class::Hex => b.is_ascii_hexdigit() && !b.is_ascii_uppercase(),
            Class::Token => b != b' ',
            Class::Rest => true,
        }
    }

    /// The value as a pattern: POSIX ERE (busybox `grep -E`) and Rust `regex` alike.
    pub(crate) const fn pattern(self) -> &'static str {
        match self {
            Class::Name => "[A-Z0-9_]+",
            Class::Word => "[a-z0-9_-]+",
            Class::Symbol => "[A-Za-z0-9_.]+",
            Class::Number => "[0-9]+",
            Class::Hex => "0x[0-9a-f]+",
            Class::Token => "[^ ]+",
            Class::Rest => ".*",
        }
    }

    /// The length of the value at the start of `text`, `None` if there is none.
    fn take(self, text: &str) -> Option<usize> {
        let (skip, rest) = match self {
            Class::Hex => (2, text.strip_prefix("0x")?),
            _ => (0, text),
        };
        let len = rest.bytes().take_while(|b| self.admits(*b)).count();
        (len > 0 || self == Class::Rest).then_some(skip + len)
    }
}

/// One piece of a line.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Piece {
    /// Text as it is.
    Text(&'static str),
    /// A value, by name.
    Field(&'static str, Class),
    /// ` NAME=value` when the value is given, else nothing.
    Opt(&'static str, Class),
    /// The text when the flag (by name) is set, else nothing.
    Flag(&'static str, &'static str),
}

impl Piece {
    /// The name of the piece's value; `None` for text.
    const fn name(self) -> Option<&'static str> {
        match self {
            Piece::Text(_) => None,
            Piece::Field(name, _) | Piece::Opt(name, _) | Piece::Flag(name, _) => Some(name),
        }
    }
}

/// A value to write into a line, for its next non-text piece.
#[derive(Clone, Copy)]
pub(crate) enum Value<'a> {
    /// A field's or a given option's value, as it displays.
    Show(&'a dyn fmt::Display),
    /// A [`Class::Hex`] field's value.
    Hex(u32),
    /// An option not given.
    Absent,
    /// A flag.
    Flag(bool),
}

/// The most values one line has.
pub(crate) const MAX_VALUES: usize = 10;

/// The definition of a line.
#[derive(Debug)]
pub(crate) struct Template {
    /// The line's name in the module's `lines` file.
    pub(crate) name: &'static str,
    /// Printed to the kernel log, after [`LOG_PREFIX`] (else a line of a debugfs file).
    pub(crate) logged: bool,
    pub(crate) pieces: &'static [Piece],
}

/// The values of a parsed line, by piece name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fields<'a> {
    template: &'static Template,
    values: [Option<&'a str>; MAX_VALUES],
}

impl<'a> Fields<'a> {
    /// The value of the piece `name`: `None` for an option not given or a flag not set.
    pub(crate) fn get(&self, name: &str) -> Option<&'a str> {
        let mut pieces = self.template.pieces.iter().filter_map(|p| p.name());
        let index = pieces.position(|n| n == name)?;
        self.values[index]
    }

    /// A decimal value.
    pub(crate) fn number(&self, name: &str) -> Option<u32> {
        self.get(name)?.parse().ok()
    }

    /// A [`Class::Hex`] value.
    pub(crate) fn hex(&self, name: &str) -> Option<u32> {
        u32::from_str_radix(self.get(name)?.strip_prefix("0x")?, 16).ok()
    }

    /// Whether a flag is set.
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

impl Template {
    /// Writes the line (without the log prefix) with `values`, one per non-text piece.
    pub(crate) fn write(&self, f: &mut fmt::Formatter<'_>, values: &[Value<'_>]) -> fmt::Result {
        let mut values = values.iter();
        for piece in self.pieces {
            let value = match piece {
                Piece::Text(text) => {
                    f.write_str(text)?;
                    continue;
                }
                _ => values.next().ok_or(fmt::Error)?,
            };
            match (piece, value) {
                (Piece::Field(..), Value::Show(v)) => write!(f, "{v}")?,
                (Piece::Field(_, Class::Hex), Value::Hex(v)) => write!(f, "{v:#x}")?,
                (Piece::Opt(name, _), Value::Show(v)) => write!(f, " {name}={v}")?,
                (Piece::Opt(..), Value::Absent) | (Piece::Flag(..), Value::Flag(false)) => {}
                (Piece::Flag(_, text), Value::Flag(true)) => f.write_str(text)?,
                _ => return Err(fmt::Error),
            }
        }
        match values.next() {
            Some(_) => Err(fmt::Error),
            None => Ok(()),
        }
    }

    /// Reads `line`, a console or log line (a logged line from its [`LOG_PREFIX`] on, which
    /// may follow a timestamp), or a line of a debugfs file. `None` unless it is this line.
    pub(crate) fn parse<'a>(&'static self, line: &'a str) -> Option<Fields<'a>> {
        let mut rest = line.trim_end();
        if self.logged {
            rest = &rest[rest.find(LOG_PREFIX)? + LOG_PREFIX.len()..];
        }
        let mut fields = Fields {
            template: self,
            values: [None; MAX_VALUES],
        };
        let mut slot = 0;
        for piece in self.pieces {
            let value = match *piece {
                Piece::Text(text) => {
                    rest = rest.strip_prefix(text)?;
                    continue;
                }
                Piece::Field(_, class) => {
                    let len = class.take(rest)?;
                    Some(&rest[..len])
                }
                Piece::Opt(name, class) => {
                    let after = rest
                        .strip_prefix(' ')
                        .and_then(|r| r.strip_prefix(name))
                        .and_then(|r| r.strip_prefix('='));
                    match after {
                        Some(after) => {
                            let len = class.take(after)?;
                            rest = after;
                            Some(&after[..len])
                        }
                        None => None,
                    }
                }
                Piece::Flag(_, text) => rest.starts_with(text).then(|| &rest[..text.len()]),
            };
            rest = &rest[value.map_or(0, str::len)..];
            *fields.values.get_mut(slot)? = value;
            slot += 1;
        }
        rest.is_empty().then_some(fields)
    }

    /// The line's pattern for the selftest: POSIX ERE, each field written `{NAME:PATTERN}` so
    /// that a given value can take its place (options and flags match either way).
    pub(crate) fn pattern(&'static self) -> Pattern<'static> {
        Pattern(self, None)
    }

    /// The line's pattern (POSIX ERE and Rust `regex`, unanchored) with the `given` values in
    /// their fields, as written; the other fields match any value.
    pub(crate) fn regex<'a>(&'static self, given: &'a [(&'a str, &'a str)]) -> Pattern<'a> {
        Pattern(self, Some(given))
    }
}

/// Formats as [`Template::pattern`] (`None`) or [`Template::regex`].
pub(crate) struct Pattern<'a>(&'static Template, Option<&'a [(&'a str, &'a str)]>);

/// Writes `text` with every character that means something in an ERE escaped.
fn escaped(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    for c in text.chars() {
        if "\\.[]()*+?{}|^$".contains(c) {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    Ok(())
}

impl fmt::Display for Pattern<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.logged {
            escaped(f, LOG_PREFIX)?;
        }
        for piece in self.0.pieces {
            match (*piece, self.1) {
                (Piece::Text(text), _) => escaped(f, text)?,
                (Piece::Field(name, class), None) => write!(f, "{{{name}:{}}}", class.pattern())?,
                (Piece::Field(name, class), Some(given)) => {
                    match given.iter().find(|(field, _)| *field == name) {
                        Some((_, value)) => escaped(f, value)?,
                        None => f.write_str(class.pattern())?,
                    }
                }
                (Piece::Opt(name, class), _) => write!(f, "( {name}={})?", class.pattern())?,
                (Piece::Flag(_, text), _) => {
                    f.write_str("(")?;
                    escaped(f, text)?;
                    f.write_str(")?")?;
                }
            }
        }
        Ok(())
    }
}
