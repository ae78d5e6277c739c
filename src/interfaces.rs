// SPDX-License-Identifier: GPL-2.0

//! The line, once loaded, of which trigger interfaces work on this kernel and why
//! ([`catalog::interfaces`]).

use kernel::prelude::*;

use crate::{
    catalog::interfaces::{
        Debugfs,
        Interfaces,
        Lockdown, //
    },
    glue::Show,
};

mod ffi {
    use kernel::ffi::c_int;

    // lockdown.c
    unsafe extern "C" {
        pub(super) fn panicgen_debugfs_state() -> c_int;
        pub(super) fn panicgen_lockdown_level() -> c_int;
    }
}

/// Says which triggers work: debugfs unless lockdown closes it (or there is none), and
/// `/dev/panicgen` always.
pub(crate) fn report() {
    // SAFETY: Both only read the kernel's lockdown level and debugfs' state; either may be
    // called from process context at any time.
    let (debugfs, lockdown) = unsafe {
        (
            ffi::panicgen_debugfs_state(),
            ffi::panicgen_lockdown_level(),
        )
    };
    let debugfs = match debugfs {
        0 => Debugfs::Works,
        1 => Debugfs::Locked,
        _ => Debugfs::Off,
    };
    let lockdown = match lockdown {
        1 => Lockdown::Integrity,
        2 => Lockdown::Confidentiality,
        _ => Lockdown::None,
    };
    pr_info!("{}\n", Show(Interfaces { debugfs, lockdown }));
}
