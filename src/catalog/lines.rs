// SPDX-License-Identifier: GPL-2.0

//! Every line the module logs that something else reads, defined once as a [`Template`]: the
//! module formats it with the typed values below (`Display`), the runner parses it with their
//! `parse`, and the selftest matches the kernel log with the patterns the module's `lines`
//! file lists ([`ALL`], with the debugfs listings' lines of `listings.rs`).

use core::fmt;

use super::{
    interfaces::INTERFACES,
    listings::{
        CONTEXT_LISTING,
        FAULT_LISTING,
        POINT_LISTING, //
    },
    template::{
        Class::*,
        Fields,
        Piece::*,
        Template,
        Value, //
    },
    Context,
    Reach, //
};

/// The module's line for an accepted command, before anything runs.
pub(crate) const TRIGGER: Template = Template {
    name: "trigger",
    logged: true,
    pieces: &[
        Text("trigger "),
        Field("fault", Name),
        Text(" ctx="),
        Field("ctx", Word),
        Opt("cpu", Number),
        Opt("delay_ms", Number),
        Opt("id", Token),
    ],
};

/// The same for a command with `at=`.
pub(crate) const TRIGGER_AT: Template = Template {
    name: "trigger_at",
    logged: true,
    pieces: &[
        Text("trigger "),
        Field("fault", Name),
        Text(" at="),
        Field("at", Token),
        Text(" count="),
        Field("count", Number),
        Text(" timeout_ms="),
        Field("timeout_ms", Number),
        Opt("cpu", Number),
        Opt("id", Token),
    ],
};

/// A command refused, and why: nothing was fired or armed.
pub(crate) const REJECTED: Template = Template {
    name: "rejected",
    logged: true,
    pieces: &[Text("trigger rejected: "), Field("reason", Rest)],
};

/// What the hit lines start with: where the probe was hit, and in what context.
macro_rules! hit {
    ($($tail:expr),* $(,)?) => {
        &[
            Text("at "),
            Field("function", Symbol),
            Text("+"),
            Field("offset", Hex),
            Flag("moved", " (past its ftrace call)"),
            Text(": hit "),
            Field("count", Number),
            Text(" in "),
            Field("reach", Word),
            Text(" (ctx="),
            Field("ctx", Word),
            Text(") on cpu "),
            Field("cpu", Number),
            $($tail),*
        ]
    };
}

/// A probe's chosen hit, where the fault may run: it fires.
pub(crate) const HIT_FIRING: Template = Template {
    name: "hit_firing",
    logged: true,
    pieces: hit!(Text(": firing "), Field("fault", Name)),
};

/// A probe's chosen hit, where the fault may not run: not fired.
pub(crate) const HIT_REFUSED: Template = Template {
    name: "hit_refused",
    logged: true,
    pieces: hit!(
        Text(": "),
        Field("fault", Name),
        Text(" cannot run there; not fired")
    ),
};

/// A probe whose chosen hit did not come in time.
pub(crate) const EXPIRED: Template = Template {
    name: "expired",
    logged: true,
    pieces: &[
        Text("at "),
        Field("function", Symbol),
        Text("+"),
        Field("offset", Hex),
        Text(": not reached in "),
        Field("timeout_ms", Number),
        Text(" ms ("),
        Field("hits", Number),
        Text(" hits); disarmed"),
    ],
};

/// A fault that returned, with the interrupt state before and after it.
pub(crate) const RETURNED: Template = Template {
    name: "returned",
    logged: true,
    pieces: &[
        Field("fault", Name),
        Text(" returned in ctx="),
        Field("ctx", Word),
        Text(": interrupts were "),
        Field("before", Word),
        Text(", are "),
        Field("after", Word),
    ],
};

/// Every line, as the module's `lines` file lists them.
pub(crate) const ALL: &[&Template] = &[
    &TRIGGER,
    &TRIGGER_AT,
    &REJECTED,
    &HIT_FIRING,
    &HIT_REFUSED,
    &EXPIRED,
    &RETURNED,
    &INTERFACES,
    &FAULT_LISTING,
    &POINT_LISTING,
    &CONTEXT_LISTING,
];

/// The module's `lines` file: every line of [`ALL`] as `NAME PATTERN`, one a line. The pattern
/// is a POSIX extended regular expression in which each field is written `{FIELD:PATTERN}`, so
/// that a reader can put a value in its place.
pub(crate) fn write_all(f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for template in ALL {
        writeln!(f, "{} {}", template.name, template.pattern())?;
    }
    Ok(())
}

/// `off` or `on`, as [`RETURNED`] writes whether interrupts are disabled.
pub(crate) const fn off_on(off: bool) -> &'static str {
    if off {
        "off"
    } else {
        "on"
    }
}

/// `Some(v)` as a shown value, `None` as an absent option.
fn opt<'a, T: fmt::Display>(v: &'a Option<T>) -> Value<'a> {
    v.as_ref().map_or(Value::Absent, |v| Value::Show(v))
}

/// The trigger line: [`TRIGGER`], or [`TRIGGER_AT`] when `at` is given (`A`: `at=`'s value,
/// as read, or as the module has it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Trigger<'a, A = &'a str> {
    pub(crate) fault: &'a str,
    /// The context (for a command without `at=`).
    pub(crate) ctx: Option<Context>,
    /// `at=`'s value, `count=` and `timeout_ms=`.
    pub(crate) at: Option<(A, u32, u32)>,
    pub(crate) cpu: Option<u32>,
    pub(crate) delay_ms: Option<u32>,
    pub(crate) id: Option<&'a str>,
}

impl<'a> Trigger<'a> {
    /// Reads a trigger line of either form.
    pub(crate) fn parse(line: &'a str) -> Option<Self> {
        if let Some(f) = TRIGGER.parse(line) {
            return Some(Trigger {
                fault: f.get("fault")?,
                ctx: Some(Context::from_name(f.get("ctx")?)?),
                at: None,
                cpu: parsed(f, "cpu")?,
                delay_ms: parsed(f, "delay_ms")?,
                id: f.get("id"),
            });
        }
        let f = TRIGGER_AT.parse(line)?;
        Some(Trigger {
            fault: f.get("fault")?,
            ctx: None,
            at: Some((f.get("at")?, f.number("count")?, f.number("timeout_ms")?)),
            cpu: parsed(f, "cpu")?,
            delay_ms: None,
            id: f.get("id"),
        })
    }
}

/// An option's number: `Some(None)` when not given, `None` when not a number.
fn parsed(f: Fields<'_>, name: &str) -> Option<Option<u32>> {
    match f.get(name) {
        Some(v) => v.parse().ok().map(Some),
        None => Some(None),
    }
}

impl<A: fmt::Display> fmt::Display for Trigger<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fault = Value::Show(&self.fault);
        let (cpu, id) = (opt(&self.cpu), opt(&self.id));
        match (&self.at, self.ctx) {
            (Some((at, count, timeout_ms)), _) => TRIGGER_AT.write(
                f,
                &[
                    fault,
                    Value::Show(at),
                    Value::Show(count),
                    Value::Show(timeout_ms),
                    cpu,
                    id,
                ],
            ),
            (None, Some(ctx)) => {
                let delay = opt(&self.delay_ms);
                TRIGGER.write(f, &[fault, Value::Show(&ctx.name()), cpu, delay, id])
            }
            (None, None) => Err(fmt::Error),
        }
    }
}

/// A refusal: [`REJECTED`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rejected<T>(pub(crate) T);

impl<T: fmt::Display> fmt::Display for Rejected<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        REJECTED.write(f, &[Value::Show(&self.0)])
    }
}

impl<'a> Rejected<&'a str> {
    /// Reads a refusal: its reason.
    pub(crate) fn parse(line: &'a str) -> Option<Self> {
        Some(Rejected(REJECTED.parse(line)?.get("reason")?))
    }
}

/// A probe's chosen hit: [`HIT_FIRING`] when `fired`, else [`HIT_REFUSED`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Hit<'a> {
    pub(crate) function: &'a str,
    pub(crate) offset: u32,
    /// The probe sits past the function's ftrace call.
    pub(crate) moved: bool,
    pub(crate) count: u32,
    pub(crate) ctx: Context,
    pub(crate) cpu: u32,
    pub(crate) fault: &'a str,
    /// The fault may run in `ctx`, and fires.
    pub(crate) fired: bool,
}

impl Hit<'_> {
    /// Where the function ran, as the line says it.
    pub(crate) const fn reach(&self) -> Reach {
        Reach::of(self.ctx)
    }
}

impl<'a> Hit<'a> {
    /// Reads a hit line of either kind.
    pub(crate) fn parse(line: &'a str) -> Option<Self> {
        let (f, fired) = match HIT_FIRING.parse(line) {
            Some(f) => (f, true),
            None => (HIT_REFUSED.parse(line)?, false),
        };
        let ctx = Context::from_name(f.get("ctx")?)?;
        (Reach::of(ctx).name() == f.get("reach")?).then_some(())?;
        Some(Hit {
            function: f.get("function")?,
            offset: f.hex("offset")?,
            moved: f.flag("moved"),
            count: f.number("count")?,
            ctx,
            cpu: f.number("cpu")?,
            fault: f.get("fault")?,
            fired,
        })
    }
}

impl fmt::Display for Hit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let template = if self.fired {
            &HIT_FIRING
        } else {
            &HIT_REFUSED
        };
        template.write(
            f,
            &[
                Value::Show(&self.function),
                Value::Hex(self.offset),
                Value::Flag(self.moved),
                Value::Show(&self.count),
                Value::Show(&self.reach().name()),
                Value::Show(&self.ctx.name()),
                Value::Show(&self.cpu),
                Value::Show(&self.fault),
            ],
        )
    }
}

/// A probe not reached in time: [`EXPIRED`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Expired<'a> {
    pub(crate) function: &'a str,
    pub(crate) offset: u32,
    pub(crate) timeout_ms: u32,
    pub(crate) hits: u32,
}

impl<'a> Expired<'a> {
    /// Reads an expiry line.
    pub(crate) fn parse(line: &'a str) -> Option<Self> {
        let f = EXPIRED.parse(line)?;
        Some(Expired {
            function: f.get("function")?,
            offset: f.hex("offset")?,
            timeout_ms: f.number("timeout_ms")?,
            hits: f.number("hits")?,
        })
    }
}

impl fmt::Display for Expired<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        EXPIRED.write(
            f,
            &[
                Value::Show(&self.function),
                Value::Hex(self.offset),
                Value::Show(&self.timeout_ms),
                Value::Show(&self.hits),
            ],
        )
    }
}

/// A fault that returned: [`RETURNED`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Returned<'a> {
    pub(crate) fault: &'a str,
    pub(crate) ctx: Context,
    /// Whether interrupts were disabled before the fault ran, and after it returned.
    pub(crate) irqs_off: (bool, bool),
}

impl<'a> Returned<'a> {
    /// Reads a returned line.
    pub(crate) fn parse(line: &'a str) -> Option<Self> {
        let f = RETURNED.parse(line)?;
        let off = |name| match f.get(name)? {
            "off" => Some(true),
            "on" => Some(false),
            _ => None,
        };
        Some(Returned {
            fault: f.get("fault")?,
            ctx: Context::from_name(f.get("ctx")?)?,
            irqs_off: (off("before")?, off("after")?),
        })
    }
}

impl fmt::Display for Returned<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        RETURNED.write(
            f,
            &[
                Value::Show(&self.fault),
                Value::Show(&self.ctx.name()),
                Value::Show(&off_on(self.irqs_off.0)),
                Value::Show(&off_on(self.irqs_off.1)),
            ],
        )
    }
}
