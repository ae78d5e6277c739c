// SPDX-License-Identifier: GPL-2.0

//! A LAVA job for panicgen's own guest on LAVA's `qemu` device type: no test shell, no
//! docker, no overlay. One boot runs the in-guest selftest, whose KTAP (and the module's
//! KUnit suite's) LAVA's `monitors` read; then one boot per fatal fault, a monitor passing
//! its case only when this fault's trigger line is followed by the kernel's own message for
//! it on the arch (the catalog's patterns, the same the runner holds consoles to). The
//! kernel command lines are the runner's.

use crate::catalog::{
    Arch,
    Expect,
    Fault, //
};

/// What the job runs.
pub struct Job<'a> {
    pub arch: Arch,
    /// The kernel and the initramfs, as URLs the dispatcher can fetch (`file://...` on its
    /// own disk).
    pub kernel: &'a str,
    pub initramfs: &'a str,
    /// The selftest's arguments (`None`: no selftest boot).
    pub selftest: Option<&'a str>,
    /// The faults fired, one boot each, in process context.
    pub faults: Vec<&'static Fault>,
    /// The kernel command line of a boot, from its init's words (the runner's own).
    pub append: &'a dyn Fn(&[String]) -> String,
}

/// A KTAP result line, anchored at its end (the console ends lines with `\r\r\n`; without
/// the anchor a line still arriving is matched cut short).
const KTAP_RESULT: &str =
    r"'(?P<result>ok|not ok) \d+ (?P<test_case_id>[^#\r\n]+?)(?: # [^\r\n]*)?[\r\n]'";

/// `s` as a single-quoted YAML scalar.
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The deploy and boot of one guest with the init told `words`.
fn boot(job: &Job<'_>, words: &[String], minutes: u32) -> String {
    let append = (job.append)(words);
    format!(
        "- deploy:\n    to: tmpfs\n    timeout: {{minutes: 5}}\n    images:\n      kernel:\n        \
         url: {kernel}\n        image_arg: {karg}\n      ramdisk:\n        url: {initramfs}\n        \
         image_arg: -initrd {{ramdisk}}\n- boot:\n    method: qemu\n    media: tmpfs\n    \
         timeout: {{minutes: {minutes}}}\n",
        kernel = quoted(job.kernel),
        karg = quoted(&format!("-kernel {{kernel}} -append \"{append}\"")),
        initramfs = quoted(job.initramfs),
    )
}

/// The selftest boot: KUnit's suite at insmod, then the selftest's KTAP.
fn selftest(job: &Job<'_>, args: &str) -> String {
    // LAVA's qemu command line keeps no quotes: the init reads commas as spaces.
    let words = vec![format!(
        "pg_selftest={}",
        args.split_whitespace().collect::<Vec<_>>().join(",")
    )];
    boot(job, &words, 10)
        + &format!(
            "- test:\n    timeout: {{minutes: 15}}\n    monitors:\n    - name: panicgen-kunit\n      \
             start: 'panicgen-init: booted'\n      end: '# Totals: '\n      pattern: {KTAP_RESULT}\n      \
             fixupdict: {{ok: pass, not ok: fail}}\n    - name: panicgen-selftest\n      \
             start: 'KTAP version 1'\n      end: 'panicgen-init: selftest exit'\n      \
             pattern: {KTAP_RESULT}\n      fixupdict: {{ok: pass, not ok: fail}}\n"
        )
}

/// The catalog's patterns of `fault` on the arch as one expression after its trigger line;
/// the case's result is the end of the message's line (so LAVA records `pass` only once
/// the whole message arrived).
fn fault_pattern(fault: &Fault, arch: Arch) -> Option<String> {
    let Expect::Lines(lines) = fault.expect(arch) else {
        return None;
    };
    let message = lines.join(r"[\s\S]*?");
    Some(format!(
        r"panicgen: trigger (?P<test_case_id>{}) [^\r\n]*[\s\S]*?{message}[^\r\n]*(?P<result>[\r\n])",
        fault.name
    ))
}

/// One fatal fault's boot and its monitor.
fn fault(job: &Job<'_>, fault: &Fault) -> Option<String> {
    let pattern = fault_pattern(fault, job.arch)?;
    let words = vec![format!(
        "pg_fault={},ctx=process,id=lava.{}",
        fault.name, fault.name
    )];
    Some(
        boot(job, &words, 5)
            + &format!(
        "- test:\n    timeout: {{minutes: 5}}\n    monitors:\n    - name: panicgen-{name}\n      \
         start: 'panicgen-init: firing {name}'\n      end: 'Kernel panic - not syncing'\n      \
         pattern: {pattern}\n      fixupdict: {{\"\\r\": pass, \"\\n\": pass}}\n",
        name = fault.name,
        pattern = quoted(&pattern),
    ),
    )
}

/// The job's YAML.
pub fn job(job: &Job<'_>) -> String {
    let (arch, cpu) = match job.arch {
        Arch::X86_64 => ("amd64", ""),
        Arch::Arm64 => ("arm64", "\n  cpu: max,pauth-impdef=on"),
    };
    let mut y = format!(
        "# panicgen's guest on LAVA's qemu device type (panicgen-runner lava-job).\n\
         device_type: qemu\njob_name: panicgen {name} guest\nvisibility: public\n\
         priority: medium\ntimeouts:\n  job: {{minutes: 60}}\n  action: {{minutes: 15}}\n  \
         connection: {{minutes: 5}}\ncontext:\n  arch: {arch}\n  no_kvm: true\n  memory: 512{cpu}\n  \
         extra_options: ['-no-reboot', '-smp 2']\nactions:\n",
        name = job.arch.name()
    );
    if let Some(args) = job.selftest {
        y += &selftest(job, args);
    }
    for f in &job.faults {
        if let Some(block) = fault(job, f) {
            y += &block;
        }
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;

    fn sample(arch: Arch) -> String {
        let append = |w: &[String]| format!("console=ttyS0 {}", w.join(" "));
        job(&Job {
            arch,
            kernel: "file:///k/bzImage",
            initramfs: "file:///k/initramfs.cpio",
            selftest: Some("--inputs WARN"),
            faults: vec![catalog::find("BUG").unwrap()],
            append: &append,
        })
    }

    #[test]
    fn a_selftest_boot_and_a_boot_per_fault() {
        let y = sample(Arch::X86_64);
        assert_eq!(y.matches("- deploy:").count(), 2);
        assert_eq!(y.matches("- boot:").count(), 2);
        assert!(
            y.contains(r#"-append "console=ttyS0 pg_selftest=--inputs,WARN"'"#),
            "{y}"
        );
        assert!(y.contains("start: 'panicgen-init: firing BUG'"));
        assert!(
            y.contains("panicgen: trigger (?P<test_case_id>BUG) "),
            "{y}"
        );
        assert!(y.contains("arch: amd64") && !y.contains("cpu:"));
        assert!(sample(Arch::Arm64).contains("cpu: max,pauth-impdef=on"));
    }

    #[test]
    fn the_fault_pattern_is_the_catalog_s_and_python_can_read_it() {
        let p = fault_pattern(catalog::find("BUG").unwrap(), Arch::X86_64).unwrap();
        assert!(p.contains(r"kernel BUG at "), "{p}");
        assert!(p.ends_with(r"(?P<result>[\r\n])"));
        assert_eq!(quoted("it's"), "'it''s'");
    }
}
