// SPDX-License-Identifier: GPL-2.0

//! `lava-job`: the LAVA job of panicgen's guest ([`crate::output::lava`]), for a kernel and
//! initramfs at URLs the dispatcher can fetch, with the runner's kernel command lines.

use crate::{
    catalog::{
        self,
        Arch, //
    },
    exec::vm::command::kernel_append,
    output::lava::{
        self,
        Job, //
    },
};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// x86_64 or arm64.
    #[arg(long, value_parser = crate::model::plan::arch)]
    pub arch: Arch,
    /// The kernel image's URL (`file:///...` on the dispatcher).
    #[arg(long)]
    pub kernel: String,
    /// The initramfs's URL (scripts/mkinitramfs.sh's, with panicgen.ko and its init).
    #[arg(long)]
    pub initramfs: String,
    /// The in-guest selftest's arguments.
    #[arg(long, default_value = "--inputs", allow_hyphen_values = true)]
    pub selftest: String,
    /// Fatal faults to fire, one boot each (default: BUG, NULL_DEREF, PANIC).
    pub faults: Vec<String>,
}

/// Prints the job.
pub fn print(args: &Args) -> Result<bool, String> {
    let names: Vec<&str> = if args.faults.is_empty() {
        vec!["BUG", "NULL_DEREF", "PANIC"]
    } else {
        args.faults.iter().map(String::as_str).collect()
    };
    let faults = names
        .iter()
        .map(|n| {
            let f = catalog::find(n).ok_or_else(|| format!("no fault '{n}' in the catalog"))?;
            if f.kind.panics_test_guest() {
                Ok(f)
            } else {
                Err(format!(
                    "{n} does not panic the guest: the selftest boot fires it"
                ))
            }
        })
        .collect::<Result<Vec<_>, String>>()?;
    let arch = args.arch;
    let append = move |words: &[String]| kernel_append(arch, words);
    print!(
        "{}",
        lava::job(&Job {
            arch,
            kernel: &args.kernel,
            initramfs: &args.initramfs,
            selftest: Some(&args.selftest),
            faults,
            append: &append,
        })
    );
    Ok(true)
}
