// SPDX-License-Identifier: GPL-2.0

//! The module's line, once loaded, of which trigger interfaces this kernel leaves open: the
//! debugfs file the mission names, or the misc device `/dev/panicgen` (root only, the same
//! parser and answers) that lockdown does not close. Under lockdown (`lockdown=integrity`
//! or `confidentiality`, or UEFI Secure Boot on Debian, Ubuntu and Fedora kernels) debugfs
//! refuses to open any file that can be written, so the selftest and the guests use the
//! device there.

use core::fmt;

use super::template::{
    Class::*,
    Piece::*,
    Template,
    Value, //
};

/// What the debugfs trigger is on this kernel (`PANICGEN_DEBUGFS_*` of `src/panicgen.h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Debugfs {
    /// Writable: it fires.
    Works = 0,
    /// Lockdown closes it.
    Locked = 1,
    /// No debugfs (`CONFIG_DEBUG_FS` off, or `debugfs=off`).
    Off = 2,
}

/// The kernel's lockdown level (`PANICGEN_LOCKDOWN_*` of `src/panicgen.h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lockdown {
    None = 0,
    Integrity = 1,
    Confidentiality = 2,
}

impl Debugfs {
    pub(crate) const ALL: [Debugfs; 3] = [Debugfs::Works, Debugfs::Locked, Debugfs::Off];

    pub(crate) const fn name(self) -> &'static str {
        match self {
            Debugfs::Works => "works",
            Debugfs::Locked => "locked",
            Debugfs::Off => "off",
        }
    }
}

impl Lockdown {
    pub(crate) const ALL: [Lockdown; 3] = [
        Lockdown::None,
        Lockdown::Integrity,
        Lockdown::Confidentiality,
    ];

    pub(crate) const fn name(self) -> &'static str {
        match self {
            Lockdown::None => "none",
            Lockdown::Integrity => "integrity",
            Lockdown::Confidentiality => "confidentiality",
        }
    }
}

/// Which interfaces fire faults on this kernel, and why.
pub(crate) const INTERFACES: Template = Template {
    name: "interfaces",
    logged: true,
    pieces: &[
        Text("triggers: debugfs "),
        Field("debugfs", Word),
        Text(", /dev/panicgen works; lockdown "),
        Field("lockdown", Word),
    ],
};

/// The [`INTERFACES`] line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Interfaces {
    pub(crate) debugfs: Debugfs,
    pub(crate) lockdown: Lockdown,
}

impl fmt::Display for Interfaces {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        INTERFACES.write(
            f,
            &[
                Value::Show(&self.debugfs.name()),
                Value::Show(&self.lockdown.name()),
            ],
        )
    }
}

impl Interfaces {
    /// Reads the line.
    pub(crate) fn parse(line: &str) -> Option<Self> {
        let f = INTERFACES.parse(line)?;
        let debugfs = f.get("debugfs")?;
        let lockdown = f.get("lockdown")?;
        Some(Interfaces {
            debugfs: *Debugfs::ALL.iter().find(|d| d.name() == debugfs)?,
            lockdown: *Lockdown::ALL.iter().find(|l| l.name() == lockdown)?,
        })
    }
}
