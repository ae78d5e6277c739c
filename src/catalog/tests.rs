// SPDX-License-Identifier: GPL-2.0

//! Host tests of the catalog and the parser (`cargo test` in scripts/runner).

use super::lines::Returned;
use super::messages::{SOFT_LOCKUP, WATCHDOG};
use super::*;

/// xorshift64*: a deterministic generator, so that a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn canonical(c: &Command<'_>) -> String {
    let mut s = c.fault.name.to_string();
    match c.at {
        Some(at) => {
            s += &match at.target {
                Target::Symbol(f) => format!(" at={f}+{}", at.offset),
                Target::Point(p) => format!(" at={}", p.name),
            };
            s += &format!(" count={} timeout_ms={}", at.count, at.timeout_ms);
        }
        None => s += &format!(" ctx={} delay_ms={}", c.ctx.name(), c.delay_ms),
    }
    if let Some(cpu) = c.cpu {
        s += &format!(" cpu={cpu}");
    }
    if let Some(id) = c.id {
        s += &format!(" id={id}");
    }
    s
}

/// A kernel without lockdep: a recursive spinlock is a real deadlock the soft-lockup
/// detector reports, except where interrupts are off (no report: unobservable), and an
/// ABBA order with no real deadlock shows nothing.
#[test]
fn reports_follow_the_kernel() {
    let stock = |n: &str| n != "CONFIG_PROVE_LOCKING";
    let spin = find("SPINLOCK_RECURSION").unwrap();
    assert!(matches!(
        spin.report(Context::Process, |_| true),
        Report::Main
    ));
    let Report::Instead(alt) = spin.report(Context::Process, stock) else {
        panic!("no alternative for SPINLOCK_RECURSION without lockdep");
    };
    let g = spin.instead(alt);
    assert_eq!(g.kind, Kind::Hang("softlockup_panic"));
    assert_eq!(g.boot_args, WATCHDOG);
    assert!(matches!(g.expect(Arch::X86_64), Expect::Lines(l) if l == [SOFT_LOCKUP]));
    assert!(matches!(
        spin.report(Context::Hardirq, stock),
        Report::Unobservable("CONFIG_PROVE_LOCKING")
    ));
    let no_watchdog = |n: &str| stock(n) && n != "CONFIG_SOFTLOCKUP_DETECTOR";
    assert!(matches!(
        spin.report(Context::Process, no_watchdog),
        Report::Unobservable("CONFIG_PROVE_LOCKING")
    ));
    assert!(matches!(
        find("LOCK_ORDER_ABBA")
            .unwrap()
            .report(Context::Process, stock),
        Report::Unobservable("CONFIG_PROVE_LOCKING")
    ));
    assert!(matches!(
        find("MUTEX_RECURSION").unwrap().report(Context::Kthread, stock),
        Report::Instead(a) if a.kind == Kind::Hang("hung_task_panic")
    ));
}

/// On a KASAN kernel KASAN reports the slab faults at the access, before SLUB debug checks
/// the object, whether or not the kernel has SLUB debug; elsewhere SLUB debug does.
#[test]
fn kasan_comes_before_slub_debug() {
    let kasan = |n: &str| n == "CONFIG_KASAN_GENERIC" || n == "CONFIG_SLUB_DEBUG";
    let kasan_only = |n: &str| n == "CONFIG_KASAN_GENERIC";
    let slub = |n: &str| n == "CONFIG_SLUB_DEBUG";
    for name in ["USE_AFTER_FREE", "DOUBLE_FREE", "SLAB_OOB"] {
        let f = find(name).unwrap();
        for has in [&kasan as &dyn Fn(&str) -> bool, &kasan_only] {
            let Report::Instead(alt) = f.report(Context::Hardirq, has) else {
                panic!("{name}: KASAN does not come first");
            };
            let Expect::Lines(lines) = f.instead(alt).expect(Arch::Arm64) else {
                panic!("{name}: KASAN's report has no lines");
            };
            assert!(lines[0].starts_with("BUG: KASAN: "), "{name}: {lines:?}");
        }
        assert!(
            matches!(f.report(Context::Hardirq, slub), Report::Main),
            "{name}"
        );
    }
}

/// Fuzzes the parser with random bytes and with mutations of valid commands: it never
/// panics, everything it accepts obeys the limits, and an accepted command written back
/// in canonical form parses to the same command.
#[test]
fn fuzz_parser() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ_=0123456789 \t\nctxpudelaymsi-.:/+\0\xff";
    let (mut accepted, mut rejected) = (0, 0);
    for round in 0..200_000 {
        let mut input: Vec<u8> = if round % 3 == 2 {
            let f = &FAULTS[rng.below(FAULTS.len())];
            let target = match rng.below(3) {
                0 => POINTS[rng.below(POINTS.len())].name.to_string(),
                1 => format!("vfs_read+{}", rng.below(0x12000)),
                _ => format!("handle_irq_event+0x{:x}", rng.below(0x12000)),
            };
            format!(
                "{} at={target} count={} timeout_ms={} cpu={}",
                f.name,
                rng.below(5),
                rng.below(700_000),
                rng.below(4)
            )
            .into_bytes()
        } else if round % 3 == 0 {
            (0..rng.below(MAX_COMMAND_LEN + 16))
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect()
        } else {
            let f = &FAULTS[rng.below(FAULTS.len())];
            let ctxs: Vec<Context> = f.contexts.iter().collect();
            let ctx = ctxs[rng.below(ctxs.len())];
            format!(
                "{} ctx={} cpu={} delay_ms={} id=r{}",
                f.name,
                ctx.name(),
                rng.below(4),
                rng.below(70_000),
                rng.next() % 1000
            )
            .into_bytes()
        };
        for _ in 0..rng.below(4) {
            let at = rng.below(input.len() + 1);
            match rng.below(3) {
                0 if at < input.len() => {
                    input.remove(at);
                }
                1 => input.insert(at, alphabet[rng.below(alphabet.len())]),
                _ if at < input.len() => input[at] = rng.next() as u8,
                _ => {}
            }
        }
        match parse(&input) {
            Ok(c) => {
                accepted += 1;
                assert!(input.len() <= MAX_COMMAND_LEN);
                assert!(c.fault.contexts.contains(c.ctx));
                if let Some(at) = c.at {
                    assert!(at.offset <= MAX_OFFSET && (1..=MAX_COUNT).contains(&at.count));
                    assert!((1..=MAX_TIMEOUT_MS).contains(&at.timeout_ms));
                }
                assert!(c.delay_ms <= MAX_DELAY_MS);
                assert!(c.id.is_none_or(valid_id));
                let again = canonical(&c);
                let d = parse(again.as_bytes()).expect("canonical form parses");
                assert_eq!(canonical(&d), again);
            }
            Err(e) => {
                rejected += 1;
                assert!(!format!("{e}").is_empty());
            }
        }
    }
    // Both paths were exercised.
    assert!(
        accepted > 10_000 && rejected > 10_000,
        "{accepted} {rejected}"
    );
}

#[test]
fn shared_cases() {
    for (name, case) in cases::ALL {
        assert_eq!(case(), Ok(()), "{name}");
    }
}

fn name(input: &[u8]) -> &'static str {
    parse(input).unwrap().fault.name
}

#[test]
fn parses_names_with_white_space() {
    assert_eq!(name(b"BUG"), "BUG");
    assert_eq!(name(b"BUG\n"), "BUG");
    assert_eq!(name(b"  NULL_DEREF \t\n"), "NULL_DEREF");
    let c = parse(b"BUG\n").unwrap();
    assert_eq!(
        (c.ctx, c.cpu, c.delay_ms, c.id),
        (Context::Process, None, 0, None)
    );
}

#[test]
fn parses_options() {
    let c = parse(b"NULL_DEREF ctx=hardirq cpu=1 delay_ms=50 id=run-7.a:b_c\n").unwrap();
    assert_eq!(c.fault.name, "NULL_DEREF");
    assert_eq!(c.ctx, Context::Hardirq);
    assert_eq!(c.cpu, Some(1));
    assert_eq!(c.delay_ms, 50);
    assert_eq!(c.id, Some("run-7.a:b_c"));
    let c = parse(b"BUG id=x ctx=workqueue").unwrap();
    assert_eq!((c.ctx, c.id), (Context::Workqueue, Some("x")));
}

#[test]
fn rejects_bad_commands() {
    assert_eq!(parse(b"").unwrap_err(), ParseError::Empty);
    assert_eq!(parse(b"\n").unwrap_err(), ParseError::Empty);
    assert_eq!(parse(b" \t \n").unwrap_err(), ParseError::Empty);
    assert_eq!(parse(b"bug").unwrap_err(), ParseError::UnknownFault);
    assert_eq!(parse(b"BUGX").unwrap_err(), ParseError::UnknownFault);
    assert_eq!(parse(b"BUG now").unwrap_err(), ParseError::UnknownOption);
    assert_eq!(
        parse(b"BUG when=now").unwrap_err(),
        ParseError::UnknownOption
    );
    assert_eq!(parse(b"BUG\0").unwrap_err(), ParseError::NotText);
    assert_eq!(parse(b"\xff\xfe").unwrap_err(), ParseError::NotText);
    assert_eq!(parse(&[b'A'; 4096]).unwrap_err(), ParseError::TooLong(4096));
    assert_eq!(
        parse(&[b' '; MAX_COMMAND_LEN + 1]).unwrap_err(),
        ParseError::TooLong(MAX_COMMAND_LEN + 1)
    );
}

#[test]
fn rejects_bad_options() {
    let bad = |input: &[u8]| parse(input).unwrap_err();
    assert_eq!(bad(b"BUG ctx=nmi"), ParseError::BadValue("ctx"));
    assert_eq!(bad(b"BUG ctx="), ParseError::BadValue("ctx"));
    assert_eq!(bad(b"BUG cpu=-1"), ParseError::BadValue("cpu"));
    assert_eq!(bad(b"BUG cpu=one"), ParseError::BadValue("cpu"));
    assert_eq!(bad(b"BUG delay_ms=60001"), ParseError::BadValue("delay_ms"));
    assert_eq!(bad(b"BUG id="), ParseError::BadValue("id"));
    assert_eq!(bad(b"BUG id=a/b"), ParseError::BadValue("id"));
    assert_eq!(bad(b"BUG cpu=0 cpu=1"), ParseError::Repeated("cpu"));
    assert_eq!(
        bad(b"HUNG_TASK ctx=hardirq"),
        ParseError::ContextNotAllowed("HUNG_TASK", "hardirq")
    );
    assert_eq!(
        bad(b"MUTEX_RECURSION ctx=irqoff"),
        ParseError::ContextNotAllowed("MUTEX_RECURSION", "irqoff")
    );
    // Every error explains itself in one line.
    for e in [
        ParseError::Empty,
        ParseError::BadValue("ctx"),
        ParseError::BadValue("id"),
        ParseError::ContextNotAllowed("A", "b"),
    ] {
        let text = format!("{e}");
        assert!(!text.is_empty() && !text.contains('\n'), "{text}");
    }
}

#[test]
fn every_allowed_context_parses() {
    for f in FAULTS {
        for ctx in Context::ALL {
            let cmd = format!("{} ctx={}", f.name, ctx.name());
            assert_eq!(
                parse(cmd.as_bytes()).is_ok(),
                f.contexts.contains(ctx),
                "{cmd}"
            );
        }
        assert!(f.contexts.contains(Context::Process), "{}", f.name);
    }
}

#[test]
fn names_are_unique_and_plain() {
    assert!(FAULTS.len() >= 30);
    for (i, f) in FAULTS.iter().enumerate() {
        assert!(
            f.name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
            "{}",
            f.name
        );
        assert!(
            FAULTS[i + 1..].iter().all(|g| g.name != f.name),
            "{}",
            f.name
        );
        assert!(FAULTS[i + 1..].iter().all(|g| g.id != f.id), "{}", f.name);
        assert_eq!(name(f.name.as_bytes()), f.name);
        for need in f.needs {
            assert!(need.starts_with("CONFIG_"), "{}: {need}", f.name);
        }
    }
}

#[test]
fn patterns_use_the_portable_subset() {
    // \d, \s, \w, \b, (?...) and counted repetition differ between Rust's regex and busybox
    // grep -E, or are missing in one of them.
    for f in FAULTS {
        for arch in Arch::ALL {
            match f.expect(arch) {
                Expect::Lines(lines) => {
                    assert!(!lines.is_empty(), "{}", f.name);
                    for p in lines {
                        for bad in [r"\d", r"\s", r"\w", r"\b", "(?", "{", "}"] {
                            let allowed = bad.len() == 1 && p.contains(&format!("\\{bad}"));
                            assert!(
                                allowed || !p.contains(bad),
                                "{} {}: '{bad}' in {p}",
                                f.name,
                                arch.name()
                            );
                        }
                    }
                }
                Expect::Unsupported(why) => assert!(!why.is_empty()),
            }
        }
    }
}

#[test]
fn the_callers_are_panicgens_deferrals() {
    // Each context's first caller is a function of src/deferral.c (or the write path).
    let source = include_str!("../deferral.c");
    for ctx in Context::ALL {
        let first = ctx.callers()[0];
        assert!(
            first == "ksys_write" || source.contains(&format!(" {first}(")),
            "{first} is not defined in src/deferral.c"
        );
        assert_eq!(ctx.deferred(), first != "ksys_write", "{}", ctx.name());
    }
}

/// A template's pattern with `given`'s values in their fields, anchored at the end: the
/// selftest's way (the `lines` file's `{NAME:PATTERN}`, each replaced by its value or its
/// pattern) and the runner's (`Template::regex`), which must agree.
fn pattern(t: &'static template::Template, given: &[(&str, &str)]) -> regex::Regex {
    let text = t.pattern().to_string();
    let field = regex::Regex::new(r"\{([a-z_]+):([^}]*)\}").unwrap();
    let re = field.replace_all(&text, |c: &regex::Captures<'_>| {
        given
            .iter()
            .find(|(k, _)| *k == &c[1])
            .map_or(c[2].to_string(), |(_, v)| regex::escape(v))
    });
    assert_eq!(re, t.regex(given).to_string(), "{}", t.name);
    regex::Regex::new(&format!("{re}$")).unwrap_or_else(|e| panic!("{}: {e}", t.name))
}

/// The selftest's patterns (the module's `lines` file) match the lines the module formats,
/// with a field's value put in, and not with another value there.
#[test]
fn patterns_match_the_lines() {
    use line_cases::*;
    let console = |v: &dyn core::fmt::Display| format!("[   1.000] panicgen: {v}");
    let at = pattern(&lines::TRIGGER_AT, &[("fault", "WARN")]);
    assert!(at.is_match(&console(&TRIGGERS[2])));
    let trigger = pattern(&lines::TRIGGER, &[("fault", "BUG")]);
    assert!(trigger.is_match(&console(&TRIGGERS[0])));
    assert!(!trigger.is_match(&console(&TRIGGERS[0]).replace("BUG", "BUGX")));
    assert!(pattern(&lines::TRIGGER, &[]).is_match(&console(&TRIGGERS[1])));
    let hit = |t, fault| pattern(t, &[("function", "call_timer_fn"), ("fault", fault)]);
    assert!(hit(&lines::HIT_REFUSED, "SLEEP_IN_ATOMIC").is_match(&console(&HITS[1])));
    assert!(!hit(&lines::HIT_FIRING, "SLEEP_IN_ATOMIC").is_match(&console(&HITS[1])));
    assert!(!hit(&lines::HIT_REFUSED, "BUG").is_match(&console(&HITS[1])));
    assert!(pattern(&lines::HIT_FIRING, &[("reach", "hardirq")]).is_match(&console(&HITS[0])));
    let expired = pattern(&lines::EXPIRED, &[("timeout_ms", "2000")]);
    assert!(expired.is_match(&console(&EXPIRED)));
    let returned = pattern(&lines::RETURNED, &[("before", "off"), ("after", "off")]);
    assert!(returned.is_match(&console(&RETURNED)));
    let turned_on = Returned {
        irqs_off: (true, false),
        ..RETURNED
    };
    assert!(!returned.is_match(&console(&turned_on)));
    let rejected = pattern(&lines::REJECTED, &[]);
    assert!(rejected.is_match(&console(&lines::Rejected("x y"))));
    for t in lines::ALL {
        pattern(t, &[]);
    }
}
