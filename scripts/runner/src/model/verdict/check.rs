// SPDX-License-Identifier: GPL-2.0

//! What the dump checks share: a check's result, and where in a dump's threads the fault's own
//! function is (the frame the `stack` and `context` checks start from).

use crate::{
    catalog::{
        Fault,
        Kind, //
    },
    model::facts::Thread,
};

/// One check on a dump.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

impl Check {
    pub(super) fn new(name: &'static str, ok: bool, detail: String) -> Self {
        Check { name, ok, detail }
    }
}

/// The functions that implement `fault`: the Rust one (`faults::<category>::<function>`, which
/// the module's dispatch calls, so the compiler holds the catalog to it) and, for faults with a
/// C part, `panicgen_<function>`.
pub fn sites(fault: &Fault) -> [String; 2] {
    [
        format!("faults::{}::{}", fault.category, fault.function),
        format!("panicgen_{}", fault.function),
    ]
}

fn is_site(frame: &str, sites: &[String; 2]) -> bool {
    frame.ends_with(&sites[0]) || frame == sites[1]
}

/// The thread that ran the fault and the index of the fault's frame in its stack: the
/// crashing thread; for a fault a detector (lockup, hung task, RCU stall) reports, which
/// panics on another task, any task whose stack shows it.
pub(super) fn site<'a>(fault: &Fault, threads: &'a [Thread]) -> Option<(&'a Thread, usize)> {
    let sites = sites(fault);
    let wanted = |t: &&Thread| t.crashed || matches!(fault.kind, Kind::Hang(_));
    threads.iter().filter(wanted).find_map(|t| {
        t.frames
            .iter()
            .position(|f| is_site(&f.name, &sites))
            .map(|i| (t, i))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;

    #[test]
    fn c_parts_count_as_the_site() {
        let fault = catalog::find("STACK_CANARY").unwrap();
        let s = sites(fault);
        assert!(is_site("panicgen_stack_canary", &s));
        assert!(is_site("panicgen_main::faults::memory::stack_canary", &s));
        assert!(!is_site("panicgen_stack_canary_strong", &s));
    }
}
