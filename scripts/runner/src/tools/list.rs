// SPDX-License-Identifier: GPL-2.0

//! `list`: the faults and the contexts each allows, or (`--peers`) LKDTM's tests beside the
//! panicgen fault each matches.

use crate::{
    catalog::FAULTS,
    model::lkdtm::PEERS, //
};

/// Prints the list.
pub fn list(peers: bool) {
    if peers {
        for p in PEERS {
            println!("{} {}", p.fault.name, p.panicgen);
        }
        return;
    }
    for f in FAULTS {
        let ctxs: Vec<&str> = f.contexts.iter().map(|c| c.name()).collect();
        println!("{} {}", f.name, ctxs.join(","));
    }
}
