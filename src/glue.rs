// SPDX-License-Identifier: GPL-2.0

//! What the module's files share between the `core`-only catalog and the kernel crate: the
//! architecture this module was built for, the kernel's formatting of catalog values, and an
//! error code the kernel crate does not name.

use kernel::{
    bindings,
    ffi::c_int,
    fmt,
    prelude::*, //
};

use crate::catalog::Arch;

/// The architecture this module was built for.
#[cfg(target_arch = "x86_64")]
pub(crate) const ARCH: Arch = Arch::X86_64;
#[cfg(target_arch = "aarch64")]
pub(crate) const ARCH: Arch = Arch::Arm64;

/// Displays a value of the catalog, which is `core`-only, through the kernel's formatting
/// macros, which take `kernel::fmt::Display`.
pub(crate) struct Show<T>(pub(crate) T);

impl<T: core::fmt::Display> fmt::Display for Show<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        core::fmt::Display::fmt(&self.0, f)
    }
}

/// `-EOPNOTSUPP`, which `kernel::error::code` names only from Linux 7.3 on.
pub(crate) fn eopnotsupp() -> Error {
    Error::from_errno(-(bindings::EOPNOTSUPP as c_int))
}
