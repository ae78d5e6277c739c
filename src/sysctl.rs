// SPDX-License-Identifier: GPL-2.0

//! Reading `kernel.*` sysctls (`panic_on_oops`, `panic_on_warn`, ...): the variables behind
//! them are not exported to modules, so they are read the way user space reads them.

use kernel::{
    bindings,
    error::from_err_ptr, //
};

/// The integer value of `/proc/sys/kernel/<name>`, if it can be read. May sleep.
pub(crate) fn read_kernel_int(name: &str) -> Option<i32> {
    const PREFIX: &[u8] = b"/proc/sys/kernel/";
    let mut path = [0u8; 64];
    let end = PREFIX.len() + name.len();
    if end >= path.len() {
        return None;
    }
    path[..PREFIX.len()].copy_from_slice(PREFIX);
    path[PREFIX.len()..end].copy_from_slice(name.as_bytes());
    // SAFETY: `path` is NUL-terminated (zero-filled past `end`); opening a file only needs a
    // process context that may sleep, which reading a debugfs file is.
    let file = from_err_ptr(unsafe {
        bindings::filp_open(path.as_ptr().cast(), bindings::O_RDONLY as i32, 0)
    })
    .ok()?;
    let mut buf = [0u8; 24];
    let mut pos: bindings::loff_t = 0;
    // SAFETY: `file` was opened above and `buf` is writable for `buf.len()` bytes.
    let n = unsafe { bindings::kernel_read(file, buf.as_mut_ptr().cast(), buf.len(), &mut pos) };
    // SAFETY: `file` was opened above and is not used after this.
    unsafe { bindings::filp_close(file, core::ptr::null_mut()) };
    let text = core::str::from_utf8(buf.get(..usize::try_from(n).ok()?)?).ok()?;
    text.trim().parse().ok()
}
