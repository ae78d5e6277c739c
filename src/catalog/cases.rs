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
    for (i, f) in FAULTS.iter().enumerate() {
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
        for alt in f.otherwise {
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
        let alternatives = f.otherwise.iter().map(|a| f.instead(a));
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
];
