// SPDX-License-Identifier: GPL-2.0

//! A cancelled runner (Ctrl-C, a CI job's SIGTERM): the signal is noted, the guests running
//! are stopped by their console loops, runs not yet started are reported as not run, and the
//! results of the finished ones are written before the runner exits with 128 + the signal.
//! A second signal ends the runner at once (the default action; its guests die with it).

use std::sync::atomic::{
    AtomicI32,
    Ordering, //
};

/// The signal that cancelled the runner (0: none).
static SIGNAL: AtomicI32 = AtomicI32::new(0);

extern "C" fn note(signal: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    SIGNAL.store(signal, Ordering::SeqCst);
}

/// Notes SIGINT and SIGTERM instead of dying of them (once: the handler resets itself).
pub fn install() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value; the handler
        // only stores to an atomic, which is async-signal-safe; SA_RESETHAND restores the
        // default action after the first delivery.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = note as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESETHAND;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

/// The signal that cancelled the runner, if one did.
pub fn requested() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}
