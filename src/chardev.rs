// SPDX-License-Identifier: GPL-2.0

//! `/dev/panicgen`: the trigger as a misc character device, for kernels whose lockdown
//! closes debugfs (`lockdown=integrity` or `confidentiality`, UEFI Secure Boot). Root only
//! (the device is `0600`, and a write needs `CAP_SYS_ADMIN` as the debugfs file's does);
//! writing a command fires it through the same parser with the same answers, reading lists
//! the fault names.

use kernel::{
    fs::{
        File,
        Kiocb, //
    },
    iov::{
        IovIterDest,
        IovIterSource, //
    },
    miscdevice::{
        MiscDevice,
        MiscDeviceOptions,
        MiscDeviceRegistration, //
    },
    prelude::*,
    str::CString,
};

use crate::{
    catalog,
    glue::Show, //
};

/// The device's name under `/dev`.
pub(crate) const OPTIONS: MiscDeviceOptions = MiscDeviceOptions { name: c"panicgen" };

/// An open `/dev/panicgen`: it holds nothing.
pub(crate) struct Trigger;

#[vtable]
impl MiscDevice for Trigger {
    type Ptr = ();

    fn open(_file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result<()> {
        Ok(())
    }

    fn read_iter(mut kiocb: Kiocb<'_, ()>, iov: &mut IovIterDest<'_>) -> Result<usize> {
        let names = CString::try_from_fmt(fmt!("{}", Show(crate::Names)))?;
        iov.simple_read_from_buffer(kiocb.ki_pos_mut(), names.to_bytes())
    }

    fn write_iter(_kiocb: Kiocb<'_, ()>, iov: &mut IovIterSource<'_>) -> Result<usize> {
        let len = crate::admit(iov.len())?;
        let mut buf = [0u8; catalog::MAX_COMMAND_LEN];
        if iov.copy_from_iter(&mut buf[..len]) != len {
            return Err(EFAULT);
        }
        crate::accept(&buf[..len])?;
        Ok(len)
    }
}
