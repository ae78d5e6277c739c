// SPDX-License-Identifier: GPL-2.0

//! The vmcore disk of a kdump run: a sparse raw disk per run, on which the capture kernel
//! writes the dump and then the one-line header that makes it valid
//! (`PANICGEN-VMCORE 1 <format> <size> <offset MiB>`, see [`disk`]); the host copies the dump
//! off it, turning makedumpfile's flattened stream back into a kdump-compressed file.

use std::{
    fs::{
        self,
        File, //
    },
    io::{
        Read,
        Seek,
        SeekFrom,
        Write, //
    },
    path::Path,
};

use crate::{dump::MissingDump, protocol::disk};

/// Size of the sparse vmcore disk: room for an unfiltered ELF dump of the 512 MiB guest (a
/// filtered one is ~12 MB).
const DISK_BYTES: u64 = 1 << 30;

/// Creates the empty (sparse) vmcore disk for one run.
pub fn create(path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    File::create(path)
        .and_then(|f| f.set_len(DISK_BYTES))
        .map_err(|e| format!("cannot create the vmcore disk {}: {e}", path.display()))
}

/// Parses the header: (format, size, byte offset). A flattened stream is self-delimiting
/// (size 0); an ELF copy has its size.
fn parse_header(header: &[u8]) -> Option<(&'static str, u64, u64)> {
    let line = header.split(|&b| b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        [magic, version, format, size, offset]
            if *magic == disk::MAGIC && *version == disk::VERSION =>
        {
            let format = [disk::FLAT, disk::ELF].into_iter().find(|f| f == format)?;
            let size: u64 = size.parse().ok()?;
            let offset: u64 = offset.parse().ok()?;
            (format == disk::FLAT || size > 0).then_some((format, size, offset << 20))
        }
        _ => None,
    }
}

/// What a dump on the disk is, for people.
pub fn describe_format(format: &str) -> &'static str {
    if format == disk::ELF {
        "unfiltered ELF: makedumpfile could not read this kernel"
    } else {
        "kdump-compressed, filtered by makedumpfile"
    }
}

/// makedumpfile's flattened format: a 4096-byte header (`makedumpfile`, type 1, version 1,
/// big-endian), then records of (offset, size) in big-endian and `size` bytes that belong at
/// `offset` of the dump file, up to a record of (-1, -1).
const FLAT_HEADER: usize = 4096;
const FLAT_SIGNATURE: &[u8] = b"makedumpfile\0";

/// Writes the dump the flattened stream `input` holds to `out`; returns its size.
fn unflatten(input: &mut impl Read, out: &mut (impl Write + Seek)) -> Result<u64, String> {
    let mut header = vec![0u8; FLAT_HEADER];
    input
        .read_exact(&mut header)
        .map_err(|e| format!("no flattened header: {e}"))?;
    let be = |b: &[u8]| i64::from_be_bytes(b.try_into().expect("8 bytes"));
    if !header.starts_with(FLAT_SIGNATURE) || be(&header[16..24]) != 1 || be(&header[24..32]) != 1 {
        return Err("not makedumpfile's flattened format (type 1, version 1)".into());
    }
    let mut size = 0u64;
    let mut buf = Vec::new();
    loop {
        let mut record = [0u8; 16];
        input
            .read_exact(&mut record)
            .map_err(|e| format!("the stream ends without its end record: {e}"))?;
        let (offset, len) = (be(&record[..8]), be(&record[8..]));
        if offset == -1 && len == -1 {
            return Ok(size);
        }
        let (Ok(offset), Ok(len)) = (u64::try_from(offset), usize::try_from(len)) else {
            return Err(format!("a bad record: offset {offset}, size {len}"));
        };
        buf.resize(len, 0);
        input
            .read_exact(&mut buf)
            .map_err(|e| format!("a record of {len} bytes is cut short: {e}"))?;
        out.seek(SeekFrom::Start(offset))
            .and_then(|_| out.write_all(&buf))
            .map_err(|e| e.to_string())?;
        size = size.max(offset + len as u64);
    }
}

/// Copies the vmcore the capture kernel wrote on `disk_file` to `dest`; returns its size
/// and its format ([`disk::FLAT`] or [`disk::ELF`]).
pub fn extract(disk_file: &Path, dest: &Path) -> Result<(u64, &'static str), MissingDump> {
    let host = |what: &str, p: &Path, e: std::io::Error| {
        MissingDump::Host(format!("cannot {what} {}: {e}", p.display()))
    };
    let mut f = File::open(disk_file).map_err(|e| host("open", disk_file, e))?;
    let mut header = [0u8; 512];
    f.read_exact(&mut header)
        .map_err(|e| host("read", disk_file, e))?;
    let (format, size, offset) = parse_header(&header).ok_or(MissingDump::NothingWritten)?;
    f.seek(SeekFrom::Start(offset))
        .map_err(|e| host("read", disk_file, e))?;
    let mut out = File::create(dest).map_err(|e| host("write", dest, e))?;
    if format == disk::FLAT {
        let mut input = std::io::BufReader::with_capacity(1 << 20, f);
        let size = unflatten(&mut input, &mut out)
            .map_err(|e| MissingDump::Host(format!("the flattened dump on the disk: {e}")))?;
        return Ok((size, format));
    }
    let copied = std::io::copy(&mut f.take(size), &mut out).map_err(|e| host("write", dest, e))?;
    if copied != size {
        return Err(MissingDump::Truncated { copied, size });
    }
    Ok((size, format))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip() {
        assert_eq!(
            parse_header(b"PANICGEN-VMCORE 1 flat 0 1\n\0\0"),
            Some(("flat", 0, 1 << 20))
        );
        assert_eq!(
            parse_header(b"PANICGEN-VMCORE 1 elf 7 2\n"),
            Some(("elf", 7, 2 << 20))
        );
        assert_eq!(parse_header(b"PANICGEN-VMCORE 1 tar 7 2\n"), None);
        assert_eq!(parse_header(&[0u8; 512]), None);
        assert_eq!(parse_header(b"PANICGEN-VMCORE 1 elf 0 1\n"), None);
        assert_eq!(parse_header(b"PANICGEN-VMCORE 2 elf 5 1\n"), None);
    }

    /// A flattened stream as makedumpfile writes it: records out of order, then the end.
    fn flat(records: &[(i64, &[u8])], end: bool) -> Vec<u8> {
        let mut s = vec![0u8; FLAT_HEADER];
        s[..FLAT_SIGNATURE.len()].copy_from_slice(FLAT_SIGNATURE);
        s[16..24].copy_from_slice(&1i64.to_be_bytes());
        s[24..32].copy_from_slice(&1i64.to_be_bytes());
        for (offset, data) in records {
            s.extend_from_slice(&offset.to_be_bytes());
            s.extend_from_slice(&(data.len() as i64).to_be_bytes());
            s.extend_from_slice(data);
        }
        if end {
            s.extend_from_slice(&[0xff; 16]);
        }
        s
    }

    #[test]
    fn a_flattened_stream_becomes_the_file() {
        let stream = flat(&[(0, b"KDUMP   "), (12, b"pages"), (8, b"bits")], true);
        let mut out = std::io::Cursor::new(Vec::new());
        assert_eq!(unflatten(&mut stream.as_slice(), &mut out), Ok(17));
        assert_eq!(out.into_inner(), b"KDUMP   bitspages");
        let cut = flat(&[(0, b"KDUMP")], false);
        let err = unflatten(&mut cut.as_slice(), &mut std::io::Cursor::new(Vec::new()));
        assert!(err.unwrap_err().contains("without its end record"));
        let mut bad = flat(&[], true);
        bad[0] = b'M';
        let err = unflatten(&mut bad.as_slice(), &mut std::io::Cursor::new(Vec::new()));
        assert!(err
            .unwrap_err()
            .contains("not makedumpfile's flattened format"));
    }

    #[test]
    fn extract_reads_what_the_guest_wrote() {
        let dir = std::env::temp_dir().join(format!("panicgen-disk-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let disk = dir.join("disk");
        create(&disk).unwrap();
        assert_eq!(
            extract(&disk, &dir.join("none")),
            Err(MissingDump::NothingWritten)
        );
        assert!(MissingDump::NothingWritten
            .to_string()
            .starts_with("no vmcore"));
        let mut data = b"PANICGEN-VMCORE 1 elf 3 1\n".to_vec();
        data.resize(1 << 20, 0);
        data.extend_from_slice(b"ELF");
        fs::write(&disk, &data).unwrap();
        assert_eq!(extract(&disk, &dir.join("vmcore")).unwrap(), (3, "elf"));
        assert_eq!(fs::read(dir.join("vmcore")).unwrap(), b"ELF");
        let mut data = b"PANICGEN-VMCORE 1 flat 0 1\n".to_vec();
        data.resize(1 << 20, 0);
        data.extend(flat(&[(0, b"KDUMP")], true));
        fs::write(&disk, &data).unwrap();
        assert_eq!(extract(&disk, &dir.join("vmcore")).unwrap(), (5, "flat"));
        assert_eq!(fs::read(dir.join("vmcore")).unwrap(), b"KDUMP");
        let _ = fs::remove_dir_all(&dir);
    }
}
