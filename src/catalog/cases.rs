// SPDX-License-Identifier: GPL-2.0

//! Test cases shared by the host's `cargo test` and the module's KUnit suite (which runs them
//! in the guest on `insmod`): `core`-only, returning the first failed check instead of
//! panicking, since a panic in the kernel is a `BUG()`.

use super::*;

/// Fails the case with `$why` unless `$cond` holds.
macro_rules! check {
    ($cond:expr, $why:literal) => {
        if !$cond {
            return Err($why);
        }
    };
}

/// The outcome of one case.
pub(crate) type Outcome = Result<(), &'static str>;

/// A named case.
pub(crate) type Case = (&'static str, fn() -> Outcome);

fn name_of(input: &[u8]) -> Option<&'static str> {
    parse(input).ok().map(|c| c.fault.name)
}

/// Names parse with surrounding white space; defaults are process context, no options.
pub(crate) fn parses_names() -> Outcome {
    check!(name_of(b"BUG") == Some("BUG"), "BUG");
    check!(name_of(b"BUG\n") == Some("BUG"), "BUG with newline");
    check!(
        name_of(b"  NULL_DEREF \t\n") == Some("NULL_DEREF"),
        "white space"
    );
    let Ok(c) = parse(b"BUG\n") else {
        return Err("BUG did not parse");
    };
    check!(c.ctx == Context::Process, "default context");
    check!(
        c.cpu.is_none() && c.delay_ms == 0 && c.id.is_none(),
        "default options"
    );
    Ok(())
}

/// All four options, in any order.
pub(crate) fn parses_options() -> Outcome {
    let Ok(c) = parse(b"NULL_DEREF ctx=hardirq cpu=1 delay_ms=50 id=run-7.a:b_c\n") else {
        return Err("full command did not parse");
    };
    check!(c.fault.name == "NULL_DEREF", "name");
    check!(c.ctx == Context::Hardirq, "ctx");
    check!(c.cpu == Some(1), "cpu");
    check!(c.delay_ms == 50, "delay_ms");
    check!(c.id == Some("run-7.a:b_c"), "id");
    let Ok(c) = parse(b"BUG id=x ctx=workqueue") else {
        return Err("reordered options did not parse");
    };
    check!(
        c.ctx == Context::Workqueue && c.id == Some("x"),
        "reordered"
    );
    Ok(())
}

/// `at=` takes a function or a named crash point, with `count=` and `timeout_ms=`.
pub(crate) fn parses_at() -> Outcome {
    let Ok(c) = parse(b"NULL_DEREF at=handle_irq_event count=3\n") else {
        return Err("at= with count= did not parse");
    };
    let Some(at) = c.at else {
        return Err("no at");
    };
    check!(at.target == Target::Symbol("handle_irq_event"), "symbol");
    check!(
        at.offset == 0 && at.count == 3 && at.timeout_ms == DEFAULT_TIMEOUT_MS,
        "defaults"
    );
    let Ok(c) = parse(b"BUG at=vfs_read+0x1c timeout_ms=500 cpu=0 id=k1") else {
        return Err("at= with an offset did not parse");
    };
    check!(
        c.at.is_some_and(|a| a.offset == 0x1c && a.timeout_ms == 500 && a.count == 1),
        "offset and timeout"
    );
    check!(c.cpu == Some(0) && c.id == Some("k1"), "cpu and id");
    let Ok(c) = parse(b"BUG at=IRQ_HANDLER") else {
        return Err("a crash point did not parse");
    };
    check!(
        matches!(c.at, Some(At { target: Target::Point(p), .. }) if p.name == "IRQ_HANDLER"),
        "crash point"
    );
    Ok(())
}

/// `at=` refusals that need nothing armed: bad values, options it excludes or needs, and
/// faults that cannot run atomic.
pub(crate) fn rejects_bad_at() -> Outcome {
    let err = |input: &[u8]| parse(input).err();
    let bad_at = Some(ParseError::BadValue("at"));
    check!(err(b"BUG at=") == bad_at, "empty");
    check!(err(b"BUG at=9lives") == bad_at, "leading digit");
    check!(err(b"BUG at=a/b") == bad_at, "slash");
    check!(err(b"BUG at=f+0x10000") == bad_at, "offset too large");
    check!(err(b"BUG at=f+x") == bad_at, "offset not a number");
    check!(
        err(b"BUG at=IRQ_HANDLER+4") == bad_at,
        "offset into a point"
    );
    check!(
        err(b"BUG at=f count=0") == Some(ParseError::BadValue("count")),
        "count 0"
    );
    check!(
        err(b"BUG at=f timeout_ms=600001") == Some(ParseError::BadValue("timeout_ms")),
        "timeout"
    );
    check!(
        err(b"BUG count=2") == Some(ParseError::Needs("count", "at")),
        "count without at"
    );
    check!(
        err(b"BUG timeout_ms=5") == Some(ParseError::Needs("timeout_ms", "at")),
        "timeout without at"
    );
    check!(
        err(b"BUG at=f ctx=hardirq") == Some(ParseError::Excludes("at", "ctx")),
        "ctx"
    );
    check!(
        err(b"BUG delay_ms=5 at=f") == Some(ParseError::Excludes("at", "delay_ms")),
        "delay"
    );
    check!(
        err(b"HUNG_TASK at=schedule") == Some(ParseError::NotAtomic("HUNG_TASK")),
        "sleeping fault"
    );
    Ok(())
}

/// Every crash point is well formed and parses.
pub(crate) fn points_are_consistent() -> Outcome {
    let mut buf = [0u8; MAX_COMMAND_LEN];
    for (i, p) in POINTS.iter().enumerate() {
        check!(
            p.name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
            "point names are A-Z, 0-9 and _"
        );
        check!(
            POINTS[i + 1..].iter().all(|q| q.name != p.name) && find(p.name).is_none(),
            "point names are unique, and no fault's"
        );
        for arch in Arch::ALL {
            let symbols = p.symbols(arch);
            check!(!symbols.is_empty(), "a point has functions on each arch");
            check!(
                symbols.iter().all(|s| s.len() <= MAX_SYMBOL_LEN),
                "functions fit at="
            );
        }
        let parts = [b"BUG at=".as_slice(), p.name.as_bytes()];
        let mut len = 0;
        for part in parts {
            buf[len..len + part.len()].copy_from_slice(part);
            len += part.len();
        }
        check!(parse(&buf[..len]).is_ok(), "every point parses");
    }
    Ok(())
}

/// Malformed commands are refused with the right reason.
pub(crate) fn rejects_bad_commands() -> Outcome {
    let err = |input: &[u8]| parse(input).err();
    check!(err(b"") == Some(ParseError::Empty), "empty");
    check!(err(b" \t \n") == Some(ParseError::Empty), "blank");
    check!(err(b"bug") == Some(ParseError::UnknownFault), "lower case");
    check!(
        err(b"BUG now") == Some(ParseError::UnknownOption),
        "junk word"
    );
    check!(
        err(b"BUG when=now") == Some(ParseError::UnknownOption),
        "unknown option"
    );
    check!(err(b"BUG\0") == Some(ParseError::NotText), "NUL");
    check!(err(b"\xff\xfe") == Some(ParseError::NotText), "not UTF-8");
    check!(
        err(&[b'A'; 4096]) == Some(ParseError::TooLong(4096)),
        "4 KiB"
    );
    check!(
        err(b"BUG ctx=nmi") == Some(ParseError::BadValue("ctx")),
        "ctx"
    );
    check!(
        err(b"BUG cpu=-1") == Some(ParseError::BadValue("cpu")),
        "cpu"
    );
    check!(
        err(b"BUG delay_ms=60001") == Some(ParseError::BadValue("delay_ms")),
        "delay"
    );
    check!(err(b"BUG id=a/b") == Some(ParseError::BadValue("id")), "id");
    check!(
        err(b"BUG cpu=0 cpu=1") == Some(ParseError::Repeated("cpu")),
        "repeated"
    );
    check!(
        err(b"HUNG_TASK ctx=hardirq")
            == Some(ParseError::ContextNotAllowed("HUNG_TASK", "hardirq")),
        "context not allowed"
    );
    Ok(())
}

/// Every catalog entry is well formed, parses by name and allows process context.
pub(crate) fn catalog_is_consistent() -> Outcome {
    check!(FAULTS.len() >= 30, "at least 30 faults");
    check!(FaultId::ALL.len() == FAULTS.len(), "a FaultId per fault");
    for (i, f) in FAULTS.iter().enumerate() {
        check!(
            f.id.number() as usize == i
                && FaultId::ALL[i] == f.id
                && core::ptr::eq(f.id.fault(), f),
            "a fault's number is its index"
        );
        check!(
            f.name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
            "names are A-Z, 0-9 and _"
        );
        check!(
            FAULTS[i + 1..]
                .iter()
                .all(|g| g.name != f.name && g.id != f.id),
            "names and ids are unique"
        );
        check!(
            name_of(f.name.as_bytes()) == Some(f.name),
            "every name parses"
        );
        check!(
            f.contexts.contains(Context::Process),
            "process context is allowed"
        );
        check!(
            f.needs.iter().all(|n| n.starts_with("CONFIG_")),
            "needs are CONFIG_ options"
        );
        check!(
            f.otherwise.is_empty() || !f.needs.is_empty(),
            "only a fault with needs has alternatives"
        );
        for alt in f.alternatives() {
            check!(
                alt.needs.iter().all(|n| n.starts_with("CONFIG_")),
                "an alternative's needs are CONFIG_ options"
            );
            check!(
                alt.contexts.iter().all(|c| f.contexts.contains(c)),
                "an alternative's contexts are the fault's"
            );
            check!(
                alt.contexts.iter().next().is_some(),
                "an alternative has contexts"
            );
        }
        let alternatives = f.alternatives().map(|a| f.instead(a));
        for (g, arch) in core::iter::once(*f)
            .chain(alternatives)
            .flat_map(|g| Arch::ALL.map(|arch| (g, arch)))
        {
            if let Expect::Lines(lines) = g.expect(arch) {
                check!(
                    !lines.is_empty() && lines.iter().all(|l| !l.is_empty()),
                    "expectations are not empty"
                );
            }
        }
    }
    Ok(())
}

/// A context parses exactly when the fault allows it.
pub(crate) fn contexts_follow_the_catalog() -> Outcome {
    let mut buf = [0u8; MAX_COMMAND_LEN];
    for f in FAULTS {
        for ctx in Context::ALL {
            let parts = [f.name.as_bytes(), b" ctx=", ctx.name().as_bytes()];
            let mut len = 0;
            for part in parts {
                buf[len..len + part.len()].copy_from_slice(part);
                len += part.len();
            }
            check!(
                parse(&buf[..len]).is_ok() == f.contexts.contains(ctx),
                "ctx= parses exactly for the fault's contexts"
            );
        }
    }
    Ok(())
}

/// Every case, by name, for runners that iterate.
pub(crate) const ALL: &[Case] = &[
    ("parses_names", parses_names),
    ("parses_options", parses_options),
    ("rejects_bad_commands", rejects_bad_commands),
    ("catalog_is_consistent", catalog_is_consistent),
    ("contexts_follow_the_catalog", contexts_follow_the_catalog),
    ("parses_at", parses_at),
    ("rejects_bad_at", rejects_bad_at),
    ("points_are_consistent", points_are_consistent),
    ("lines_read_back", line_cases::lines_read_back),
    (
        "lines_read_as_nothing_else",
        line_cases::lines_read_as_nothing_else,
    ),
    ("listings_read_back", line_cases::listings_read_back),
    (
        "templates_are_well_formed",
        line_cases::templates_are_well_formed,
    ),
];
