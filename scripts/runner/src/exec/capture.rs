// SPDX-License-Identifier: GPL-2.0

//! Taking a crash dump from the host: the guest's memory written by QEMU over QMP, for kernels
//! without kdump (a kdump run's dump comes off its vmcore disk, [`super::vmcore_disk`]).

use std::{
    fs::{
        self,
        File, //
    },
    io::{
        Read,
        Seek,
        SeekFrom, //
    },
    path::Path,
    time::Duration,
};

use serde_json::json;

use crate::{
    exec::qmp::Qmp,
    model::{
        elf_headers,
        facts::MissingDump, //
    },
};

/// Memory the guest kernel reserves for the capture kernel (`crashkernel=`).
pub const CRASHKERNEL_SIZE: &str = "160M";

/// The host-side dump: waits for the guest's panic event, then has QEMU write the guest's
/// memory to `vmcore` as an ELF core with the guest's VMCOREINFO note, kept sparse, its
/// headers laid out as makedumpfile reads them.
///
/// Not QEMU's kdump formats: before QEMU 8.2 they come in makedumpfile's flattened stream
/// format, and libkdumpfile (drgn's reader) cannot tell the architecture of the result.
pub fn qmp_dump(qmp: &mut Qmp, vmcore: &Path) -> Result<(), MissingDump> {
    qmp.wait_event("GUEST_PANICKED", Duration::from_secs(20))
        .map_err(MissingDump::Qmp)?;
    let full = vmcore.with_extension("full");
    qmp.execute(
        "dump-guest-memory",
        json!({
            "paging": false,
            "protocol": format!("file:{}", full.display()),
            "format": "elf",
        }),
        Duration::from_secs(300),
    )
    .map_err(MissingDump::Qmp)?;
    let done = sparse_copy(&full, vmcore).and_then(|_| program_headers_first(vmcore));
    let _ = fs::remove_file(&full);
    done.map_err(MissingDump::Host)
}

/// Lays `vmcore`'s ELF headers out as makedumpfile reads them ([`elf_headers`]).
fn program_headers_first(vmcore: &Path) -> Result<(), String> {
    let err = |e: std::io::Error| format!("{}: {e}", vmcore.display());
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(vmcore)
        .map_err(err)?;
    let mut head = vec![0u8; 4096];
    let n = file.read(&mut head).map_err(err)?;
    head.truncate(n);
    if elf_headers::program_headers_first(&mut head) {
        file.seek(SeekFrom::Start(0)).map_err(err)?;
        std::io::Write::write_all(&mut file, &head).map_err(err)?;
    }
    Ok(())
}

/// Copies `from` to `to`, leaving holes where whole 64 KiB blocks are zero (most of a
/// guest's memory): the dump reads the same and takes a fraction of the disk.
pub fn sparse_copy(from: &Path, to: &Path) -> Result<u64, String> {
    let mut input = File::open(from).map_err(|e| format!("{}: {e}", from.display()))?;
    let mut output = File::create(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let err = |e: std::io::Error| format!("{}: {e}", to.display());
    let mut buf = vec![0u8; 64 << 10];
    let mut len = 0u64;
    loop {
        let mut n = 0;
        while n < buf.len() {
            match input.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) => return Err(format!("{}: {e}", from.display())),
            }
        }
        if n == 0 {
            break;
        }
        if buf[..n].iter().all(|&b| b == 0) {
            output.seek(SeekFrom::Current(n as i64)).map_err(err)?;
        } else {
            std::io::Write::write_all(&mut output, &buf[..n]).map_err(err)?;
        }
        len += n as u64;
    }
    output.set_len(len).map_err(err)?;
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_copy_keeps_the_bytes() {
        let dir = std::env::temp_dir().join(format!("panicgen-sparse-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let mut data = vec![0u8; 200 << 10];
        data[70 << 10] = 7;
        data.extend_from_slice(b"tail");
        fs::write(dir.join("full"), &data).unwrap();
        assert_eq!(
            sparse_copy(&dir.join("full"), &dir.join("sparse")).unwrap(),
            data.len() as u64
        );
        assert_eq!(fs::read(dir.join("sparse")).unwrap(), data);
        let _ = fs::remove_dir_all(&dir);
    }
}
