// SPDX-License-Identifier: GPL-2.0

//! LKDTM, the peer `make bench` measures panicgen against: its tests that match panicgen's
//! faults, with what the kernel prints for them, so they go through the same runner, guests
//! and rules. LKDTM (a module of the same kernel, `CONFIG_LKDTM=m`) is fired through its
//! `provoke-crash/DIRECT` file and announces a test with `lkdtm: Performing direct entry`.

use crate::catalog::{
    messages::{
        CANARY,
        HUNG,
        HUNG_TIMEOUT,
        LOCKDEP_RECURSIVE,
        NULL_ARM64,
        NULL_X86,
        SOFT_LOCKUP,
        WATCHDOG, //
    },
    Context,
    Contexts,
    Expect,
    Fault,
    FaultId,
    Kind, //
};

/// LKDTM's line before it runs a test.
pub const TRIGGER_PREFIX: &str = "lkdtm: Performing direct entry ";

/// An LKDTM test with the panicgen fault it is the peer of.
pub struct Peer {
    /// The panicgen fault doing the same thing (its boot arguments are the peer's too).
    pub panicgen: &'static str,
    pub fault: Fault,
}

macro_rules! peer {
    ($name:literal, $panicgen:literal, $kind:expr, $boot:expr, $x86:expr, $arm64:expr $(,)?) => {
        Peer {
            panicgen: $panicgen,
            fault: Fault {
                name: $name,
                // Unused on the host: the module's dispatch key and function.
                id: FaultId::BUG,
                category: "lkdtm",
                function: "",
                description: "LKDTM's test of the same name",
                kind: $kind,
                contexts: Contexts::of(&[Context::Process]),
                needs: &[],
                boot_args: $boot,
                x86_64: Expect::Lines($x86),
                arm64: Expect::Lines($arm64),
                preempted_by: &[],
                otherwise: &[],
            },
        }
    };
}

/// The benchmark's LKDTM tests.
pub static PEERS: &[Peer] = &[
    peer!(
        "BUG",
        "BUG",
        Kind::Oops,
        "",
        &[r"kernel BUG at drivers/misc/lkdtm/bugs\.c:[0-9]+!"],
        &[r"kernel BUG at drivers/misc/lkdtm/bugs\.c:[0-9]+!"],
    ),
    peer!(
        "EXCEPTION",
        "NULL_DEREF",
        Kind::Oops,
        "",
        &[NULL_X86],
        &[NULL_ARM64]
    ),
    peer!(
        "PANIC",
        "PANIC",
        Kind::Panic,
        "",
        &[r"Kernel panic - not syncing: dumptest"],
        &[r"Kernel panic - not syncing: dumptest"],
    ),
    peer!(
        "WARNING",
        "WARN",
        Kind::Warn,
        "",
        &[r"WARNING: .*lkdtm.* at "],
        &[r"WARNING: .*lkdtm.* at "],
    ),
    peer!(
        "SOFTLOCKUP",
        "SOFTLOCKUP",
        Kind::Hang("softlockup_panic"),
        WATCHDOG,
        &[SOFT_LOCKUP],
        &[SOFT_LOCKUP],
    ),
    peer!(
        "HUNG_TASK",
        "HUNG_TASK",
        Kind::Hang("hung_task_panic"),
        HUNG_TIMEOUT,
        &[HUNG],
        &[HUNG],
    ),
    peer!(
        "CORRUPT_STACK_STRONG",
        "STACK_CANARY_STRONG",
        Kind::Panic,
        "",
        &[CANARY],
        &[CANARY],
    ),
    peer!(
        "SPINLOCKUP",
        "SPINLOCK_RECURSION",
        Kind::Lockdep,
        "",
        &[LOCKDEP_RECURSIVE],
        &[LOCKDEP_RECURSIVE],
    ),
];

/// The peer of the LKDTM test `name`.
pub fn find(name: &str) -> Option<&'static Peer> {
    PEERS.iter().find(|p| p.fault.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;

    #[test]
    fn every_peer_has_a_panicgen_fault_with_its_boot_args() {
        for p in PEERS {
            let f = catalog::find(p.panicgen)
                .unwrap_or_else(|| panic!("{} has no panicgen fault", p.fault.name));
            assert_eq!(f.kind.name(), p.fault.kind.name(), "{}", p.fault.name);
            assert_eq!(f.boot_args, p.fault.boot_args, "{}", p.fault.name);
        }
        assert!(find("BUG").is_some() && find("NOPE").is_none());
    }
}
