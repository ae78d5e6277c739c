// SPDX-License-Identifier: GPL-2.0

//! The fault reference (Documentation/faults.rst), generated from the catalog.

use crate::catalog::{
    Alternative,
    Arch,
    Context,
    Expect,
    Fault,
    FAULTS, //
};

/// The syntax and refusals of `at=`; the crash points themselves are in
/// Documentation/crash-points.rst.
fn points_rst() -> String {
    String::from(
        "\nCrash points\n============\n\n\
         ``NAME at=FUNCTION[+OFFSET] [count=N] [timeout_ms=T]`` (or ``at=POINT``) arms a kprobe\n\
         on a kernel function and fires the fault from its handler on the N-th hit (default 1),\n\
         in whatever context the kernel runs that function; ``cpu=`` counts only hits on that\n\
         CPU, and ``ctx=`` and ``delay_ms=`` do not go with it. The probe is removed after it\n\
         fired, after the timeout (default 10 s, with a ``not reached in T ms`` warning) and at\n\
         unload. The module's line on the hit names the function, the context it ran in\n\
         (``hardirq``, ``softirq`` or ``task``) and the CPU; a fault that cannot run there is\n\
         not fired, with a warning. Refused before anything is armed, with an errno: a function\n\
         the kernel does not have (``ENOENT``: inlined, a static inline or misspelled), one that\n\
         cannot be probed (``EINVAL``: the kprobe blacklist, ``noinstr`` or ``notrace`` code),\n\
         an offset off an instruction boundary (``EILSEQ``), panicgen's own functions\n\
         (``EPERM``), a second probe while one is armed (``EBUSY``), a fault that must sleep or\n\
         run in the writer (``EINVAL``), and any ``at=`` on a kernel without ``CONFIG_KPROBES``\n\
         (``EOPNOTSUPP``). A run's dump proves it: its ``context`` check finds\n\
         ``panicgen_fire_at`` and then the hooked function among the fault's callers.\n\n\
         ``/sys/kernel/debug/panicgen/points`` lists the named points for the running kernel;\n\
         each stands for the first of its functions that the kernel has (LKDTM's fixed list,\n\
         brought up to date). Documentation/crash-points.rst has them, with what each reached on\n\
         each kernel target.\n",
    )
}

/// The page's head: how the fault table is read, in the module's listing and here.
const HEAD: &str = ".. SPDX-License-Identifier: GPL-2.0\n\
         .. Generated from src/catalog/faults.rs by `make docs`; do not edit.\n\n\
         ===============\n\
         panicgen faults\n\
         ===============\n\n\
         Write a name to ``/sys/kernel/debug/panicgen/trigger`` to fire the fault.\n\
         ``/sys/kernel/debug/panicgen/faults`` lists the same table for the running kernel, one\n\
         fault per line::\n\n    \
         name=<NAME> category=<CAT> kind=<KIND> contexts=<CTX,...> fatal=<yes|no>\n    \
         needs=<CONFIG_X:y|n,...> report=<main|instead|none> arch=<ARCH> expect=<REGEX>[ && ...]\n\n\
         Every field describes what the running kernel does with the fault (in process context).\n\
         ``expect=`` is the last field and runs to the end of the line: the patterns of the lines\n\
         the kernel prints, in order, joined by ``&&`` with a space either side. *report*:\n\
         ``main`` when the kernel has the fault's *needs*; ``instead`` when it lacks them but\n\
         reports the fault another way (below, *without the needs*; ``needs=`` then also lists\n\
         that report's options, and\n\
         *kind* and ``expect=`` are that report's); ``none`` when the catalog has no report for a\n\
         kernel without them (``expect=none: needs CONFIG_X, ...``: the host runner does not fire\n\
         it and reports a ``skip`` naming that option). *kind*: ``oops`` (fatal with\n\
         ``panic_on_oops`` or in interrupt context), ``panic`` (always fatal), ``warn`` (fatal with\n\
         ``panic_on_warn``), ``sanitizer`` (a memory-error detector's report, KASAN's or UBSAN's:\n\
         fatal with ``panic_on_warn``, KASAN's also with ``kasan.fault=panic``), ``lockdep`` (never fatal; lockdep reports\n\
         once per boot), ``hang`` (a detector report; fatal with its ``*_panic`` sysctl). *fatal*\n\
         is computed by the module from the running kernel's sysctls (``kasan.fault=panic`` on\n\
         the command line is not among them). Options after the name: ``ctx=`` (one of the fault's\n\
         contexts), ``cpu=``, ``delay_ms=`` and ``id=`` (echoed in the trigger line).\n\n\
         A run passes only when the expected lines appear, in order, after the module's\n\
         ``panicgen: trigger <NAME>`` line; for ``oops`` and ``panic`` faults the kernel must then\n\
         panic (the runner's guests boot with ``oops=panic``), with ``Fatal exception in\n\
         interrupt`` for an oops in softirq or hardirq context; where the crashing system's\n\
         settings send an oops to the capture kernel from ``die()`` first (a capture kernel\n\
         loaded, no ``crash_kexec_post_notifiers``: every stock kdump system), no panic line\n\
         comes and none is expected (:doc:`kdump`, *The stock path*). With the runner's\n\
         ``--fatal-reports``, a ``warn`` or ``sanitizer`` run boots with what makes it fatal\n\
         (``panic_on_warn=1``, ``kasan.fault=panic``) and must then panic with the kernel's line\n\
         for it, and its dump is checked like any fatal run's.\n\n\
         The expected messages are extended regular expressions (POSIX ERE, the same text for\n\
         the host runner's Rust ``regex`` and the guest's ``grep -E``).\n";

/// The fault reference, Documentation/faults.rst. `make docs` writes it; a unit test keeps
/// the committed copy in step with the catalog.
pub fn faults_rst() -> String {
    let mut out = String::from(HEAD);
    out.push_str(&contexts_rst());
    out.push_str(&points_rst());
    for fault in FAULTS {
        out.push_str(&fault_rst(fault));
    }
    out
}

/// The contexts, and the callers a dump's stack must show for each.
fn contexts_rst() -> String {
    let mut out = String::new();
    out.push_str(
        "\nContexts\n========\n\n\
         A crash dump of a run proves the context it ran in (the ``context`` check): in the\n\
         stack of the thread that ran the fault, the frames from the fault's out to the first one\n\
         an interrupt came in on hold these callers, innermost first, and no other context's\n\
         first one.\n\n",
    );
    for ctx in Context::ALL {
        let callers: Vec<String> = ctx.callers().iter().map(|c| format!("``{c}``")).collect();
        out.push_str(&format!(
            "- ``{}``: {}{}\n",
            ctx.name(),
            callers.join(" < "),
            if ctx.on_interrupt() {
                ", on an interrupt that came in on other kernel code or on user space (arm64 \
                 then ends the stack at its EL0 vector)"
            } else {
                ""
            }
        ));
    }
    out
}

/// One fault's section.
fn fault_rst(fault: &Fault) -> String {
    let mut out = String::new();
    let title = format!("``{}``", fault.name);
    out += &format!("\n{title}\n{}\n\n", "-".repeat(title.len()));
    out += &format!("{}.\n\n", capitalise(fault.description));
    let contexts: Vec<&str> = fault.contexts.iter().map(Context::name).collect();
    out += &format!(
        ":category: {}\n:kind: {}\n:contexts: {}\n",
        fault.category,
        fault.kind.name(),
        contexts.join(", ")
    );
    if !fault.needs.is_empty() {
        out += &format!(":needs: {}\n", fault.needs.join(", "));
    }
    expectations(&mut out, fault);
    for alt in fault.preempted_by {
        alternative_rst(&mut out, fault, alt, "First, before the fault's own report");
    }
    for alt in fault.otherwise {
        alternative_rst(&mut out, fault, alt, "Without the needs");
    }
    if !fault.needs.is_empty() {
        let elsewhere: Vec<String> = fault
            .contexts
            .iter()
            .filter(|c| !fault.otherwise.iter().any(|a| a.contexts.contains(*c)))
            .map(|c| c.name().to_string())
            .collect();
        let without = if fault.preempted_by.is_empty() {
            "Without the needs"
        } else {
            "Without the needs, and without what comes first"
        };
        if elsewhere.len() == fault.contexts.iter().count() {
            out += &format!("\n{without}: not fired (a ``skip`` naming the missing option).\n");
        } else if !elsewhere.is_empty() {
            out += &format!(
                "\n{without}, in {}: not fired (a ``skip`` naming the missing option).\n",
                elsewhere.join(", ")
            );
        }
    }
    out
}

/// Another report of `fault`, `lead` saying when the kernel makes it.
fn alternative_rst(out: &mut String, fault: &Fault, alt: &Alternative, lead: &str) {
    let contexts: Vec<&str> = alt.contexts.iter().map(Context::name).collect();
    *out += &format!(
        "\n{lead}, in {}: {}.\n\n:kind: {}\n:needs: {}\n",
        contexts.join(", "),
        alt.description,
        alt.kind.name(),
        alt.needs.join(", "),
    );
    expectations(out, &fault.instead(alt));
}

/// The boot arguments and per-arch expectations of `fault`.
fn expectations(out: &mut String, fault: &Fault) {
    if !fault.boot_args.is_empty() {
        *out += &format!(":boot args: ``{}``\n", fault.boot_args);
    }
    for arch in Arch::ALL {
        match fault.expect(arch) {
            Expect::Lines(lines) => {
                *out += &format!(":{}:\n", arch.name());
                for line in lines {
                    *out += &format!("   | {}\n", super::literal(line));
                }
            }
            Expect::Unsupported(why) => {
                *out += &format!(":{}: unsupported: {why}\n", arch.name());
            }
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::catalog::FAULTS;

    #[test]
    fn the_module_knows_every_needed_option() {
        // src/kconfig.rs answers `needs=` for the faults listing: it must list every option.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../src/kconfig.rs");
        let table = std::fs::read_to_string(path).unwrap();
        for fault in FAULTS {
            for need in fault
                .needs
                .iter()
                .chain(fault.alternatives().flat_map(|a| a.needs))
            {
                assert!(
                    table.contains(&format!("        {need},")),
                    "{need} (needed by {}) is missing from src/kconfig.rs",
                    fault.name
                );
            }
        }
    }

    #[test]
    fn committed_reference_matches_the_catalog() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../Documentation/faults.rst"
        );
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == super::faults_rst(),
            "Documentation/faults.rst is out of date with src/catalog/faults.rs: run 'make docs'"
        );
    }
}
