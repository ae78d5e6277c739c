// SPDX-License-Identifier: GPL-2.0

//! Test cases of the line templates, shared by `cargo test` and the module's KUnit suite
//! (like `cases.rs`): every line the module formats reads back as what was formatted, and
//! reads as nothing else.

use core::fmt::{
    self,
    Write, //
};

use super::{
    cases::Outcome,
    interfaces::{
        Debugfs,
        Interfaces,
        Lockdown, //
    },
    lines::{
        self,
        Expired,
        Hit,
        Rejected,
        Returned,
        Trigger, //
    },
    listings::{
        self,
        FaultListing, //
    },
    template::{
        Piece,
        Value,
        MAX_VALUES, //
    },
    Context,
};

/// Fails the case with `$why` unless `$cond` holds.
macro_rules! check {
    ($cond:expr, $why:literal) => {
        if !$cond {
            return Err($why);
        }
    };
}

/// A line formatted into a fixed buffer (no allocation in the kernel's cases).
pub(crate) struct Buf {
    bytes: [u8; 512],
    len: usize,
}

impl Buf {
    /// `value` formatted after `prefix`; `None` if it fails or does not fit.
    pub(crate) fn of(prefix: &str, value: &dyn fmt::Display) -> Option<Buf> {
        let mut buf = Buf {
            bytes: [0; 512],
            len: 0,
        };
        write!(buf, "{prefix}{value}").ok()?;
        Some(buf)
    }

    pub(crate) fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

impl Write for Buf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// The console's form of a logged line: a timestamp, the log prefix, the line.
const CONSOLE: &str = "[   12.345678] panicgen: ";

/// Sample lines of every logged kind, as the module builds them.
pub(crate) const TRIGGERS: [Trigger<'static>; 3] = [
    Trigger {
        fault: "BUG",
        ctx: Some(Context::Process),
        at: None,
        cpu: None,
        delay_ms: None,
        id: None,
    },
    Trigger {
        fault: "NULL_DEREF",
        ctx: Some(Context::Hardirq),
        at: None,
        cpu: Some(1),
        delay_ms: Some(50),
        id: Some("run-7.a:b_c"),
    },
    Trigger {
        fault: "WARN",
        ctx: None,
        at: Some(("vfs_read+0x1c", 3, 500)),
        cpu: None,
        delay_ms: None,
        id: Some("k1"),
    },
];

/// Hits, fired and not, on a probe past its ftrace call and on one not.
pub(crate) const HITS: [Hit<'static>; 2] = [
    Hit {
        function: "handle_irq_event",
        offset: 0,
        moved: false,
        count: 1,
        ctx: Context::Hardirq,
        cpu: 0,
        fault: "BUG",
        fired: true,
    },
    Hit {
        function: "call_timer_fn",
        offset: 0x1c,
        moved: true,
        count: 3,
        ctx: Context::Softirq,
        cpu: 1,
        fault: "SLEEP_IN_ATOMIC",
        fired: false,
    },
];

pub(crate) const EXPIRED: Expired<'static> = Expired {
    function: "schedule",
    offset: 0,
    timeout_ms: 2000,
    hits: 7,
};

pub(crate) const RETURNED: Returned<'static> = Returned {
    fault: "HARDLOCKUP",
    ctx: Context::IrqOff,
    irqs_off: (true, true),
};

/// Every logged line reads back, from a console line, as what was formatted.
pub(crate) fn lines_read_back() -> Outcome {
    for t in TRIGGERS {
        let Some(buf) = Buf::of(CONSOLE, &t) else {
            return Err("a trigger line does not format");
        };
        check!(Trigger::parse(buf.as_str()) == Some(t), "a trigger line");
    }
    for h in HITS {
        let Some(buf) = Buf::of(CONSOLE, &h) else {
            return Err("a hit line does not format");
        };
        check!(Hit::parse(buf.as_str()) == Some(h), "a hit line");
    }
    let Some(buf) = Buf::of(CONSOLE, &EXPIRED) else {
        return Err("an expired line does not format");
    };
    check!(
        Expired::parse(buf.as_str()) == Some(EXPIRED),
        "an expired line"
    );
    let Some(buf) = Buf::of(CONSOLE, &RETURNED) else {
        return Err("a returned line does not format");
    };
    check!(
        Returned::parse(buf.as_str()) == Some(RETURNED),
        "a returned line"
    );
    for debugfs in Debugfs::ALL {
        for lockdown in Lockdown::ALL {
            let i = Interfaces { debugfs, lockdown };
            let Some(buf) = Buf::of(CONSOLE, &i) else {
                return Err("an interfaces line does not format");
            };
            check!(
                Interfaces::parse(buf.as_str()) == Some(i),
                "an interfaces line"
            );
        }
    }
    let Some(buf) = Buf::of(CONSOLE, &Rejected("at= needs CONFIG_KPROBES")) else {
        return Err("a rejected line does not format");
    };
    check!(
        Rejected::parse(buf.as_str()) == Some(Rejected("at= needs CONFIG_KPROBES")),
        "a rejected line"
    );
    Ok(())
}

/// A line of one kind reads as no other, and a logged line needs the log prefix.
pub(crate) fn lines_read_as_nothing_else() -> Outcome {
    let rejected = "[ 1.0] panicgen: trigger rejected: BUG on arm64: no";
    check!(
        Trigger::parse(rejected).is_none(),
        "a refusal is no trigger"
    );
    check!(
        Trigger::parse("[ 1.0] lkdtm: trigger BUG ctx=process").is_none(),
        "another module's line"
    );
    check!(
        Trigger::parse("[ 1.0] panicgen: trigger BUG ctx=nmi").is_none(),
        "an unknown context"
    );
    check!(
        Trigger::parse("[ 1.0] panicgen: trigger BUG ctx=process cpu=x").is_none(),
        "a bad option"
    );
    let Some(buf) = Buf::of(CONSOLE, &HITS[1]) else {
        return Err("a hit line does not format");
    };
    check!(
        lines::HIT_FIRING.parse(buf.as_str()).is_none(),
        "a refused hit is not a firing one"
    );
    check!(
        Rejected::parse("trigger rejected: no prefix").is_none(),
        "the log prefix"
    );
    Ok(())
}

/// A `faults` file line reads back field by field, `expect=` to the end of the line.
pub(crate) fn listings_read_back() -> Outcome {
    let values = [
        Value::Show(&"SLEEP_IN_ATOMIC"),
        Value::Show(&"locking"),
        Value::Show(&"warn"),
        Value::Show(&"process,workqueue"),
        Value::Show(&"no"),
        Value::Show(&"CONFIG_DEBUG_ATOMIC_SLEEP:y"),
        Value::Show(&"main"),
        Value::Show(&"x86_64"),
        Value::Show(&"BUG: sleeping [^ ]* at && x y"),
    ];
    let line = listings::listing(&listings::FAULT_LISTING, &values);
    let Some(buf) = Buf::of("", &line) else {
        return Err("a listing line does not format");
    };
    let Some(l) = FaultListing::parse(buf.as_str()) else {
        return Err("a listing line does not read back");
    };
    check!(
        l.name == "SLEEP_IN_ATOMIC" && l.contexts == "process,workqueue" && l.arch == "x86_64",
        "the listing's fields"
    );
    check!(
        l.expect == "BUG: sleeping [^ ]* at && x y",
        "expect= runs to the end"
    );
    check!(
        Buf::of(
            "",
            &listings::listing(&listings::FAULT_LISTING, &values[1..])
        )
        .is_none(),
        "a value short is an error"
    );
    Ok(())
}

/// Every template: field names unique, no more values than a parse holds, the rest of the
/// line only last, and text free of `{` and `}` (the `lines` file's placeholders).
pub(crate) fn templates_are_well_formed() -> Outcome {
    for (i, t) in lines::ALL.iter().enumerate() {
        check!(
            lines::ALL[i + 1..].iter().all(|u| u.name != t.name),
            "template names are unique"
        );
        let mut count = 0;
        for (j, piece) in t.pieces.iter().enumerate() {
            let name = match piece {
                Piece::Text(text) => {
                    check!(!text.contains(['{', '}']), "no braces in a line's text");
                    continue;
                }
                Piece::Field(name, class) => {
                    let last = j + 1 == t.pieces.len();
                    check!(
                        *class != super::template::Class::Rest || last,
                        "the rest of the line comes last"
                    );
                    name
                }
                Piece::Opt(name, _) | Piece::Flag(name, _) => name,
            };
            count += 1;
            check!(
                t.pieces[j + 1..].iter().all(|p| !matches!(p,
                    Piece::Field(n, _) | Piece::Opt(n, _) | Piece::Flag(n, _) if n == name)),
                "field names are unique in a line"
            );
        }
        check!(count <= MAX_VALUES, "a line has at most MAX_VALUES values");
        check!(
            !t.name.is_empty() && !t.name.contains(' '),
            "a template's name is one word"
        );
    }
    Ok(())
}
