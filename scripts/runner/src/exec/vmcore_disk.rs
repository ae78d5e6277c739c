// SPDX-License-Identifier: GPL-2.0

//! The vmcore disk of a kdump run: a sparse raw disk per run, in whose slots the capture
//! kernel writes a dump each (the run's, then any more dump levels asked for) and after each
//! the one-line header that makes it valid (`PANICGEN-VMCORE 2 <format> <size> <offset MiB>
//! <level>`, see [`disk`]); the host copies the dumps off it, turning makedumpfile's
//! flattened stream back into a kdump-compressed file.

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

use crate::model::{
    facts::MissingDump,
    protocol::disk, //
};

/// How many dumps the disk holds.
pub const SLOTS: u64 = 8;

/// Size of the sparse vmcore disk: a slot per dump, each with room for an unfiltered ELF
/// dump of the 512 MiB guest (a filtered one is ~12 MB).
const DISK_BYTES: u64 = SLOTS * (disk::SLOT_MIB << 20);

/// A dump's header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// [`disk::FLAT`], [`disk::ELF`] or [`disk::NONE`].
    pub format: &'static str,
    /// The size of an ELF copy, makedumpfile's exit status for [`disk::NONE`], 0 for a
    /// flattened stream (self-delimiting).
    pub size: u64,
    /// Where the dump starts on the disk, in bytes.
    pub offset: u64,
    /// The dump level asked for (`elf`: unfiltered).
    pub level: String,
}

/// Creates the empty (sparse) vmcore disk for one run.
pub fn create(path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    File::create(path)
        .and_then(|f| f.set_len(DISK_BYTES))
        .map_err(|e| format!("cannot create the vmcore disk {}: {e}", path.display()))
}

/// Parses a slot's header.
fn parse_header(header: &[u8]) -> Option<Header> {
    let line = header.split(|&b| b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        [magic, version, format, size, offset, level]
            if *magic == disk::MAGIC && *version == disk::VERSION =>
        {
            let format = [disk::FLAT, disk::ELF, disk::NONE]
                .into_iter()
                .find(|f| f == format)?;
            let size: u64 = size.parse().ok()?;
            let offset: u64 = offset.parse().ok()?;
            (format != disk::ELF || size > 0).then(|| Header {
                format,
                size,
                offset: offset << 20,
                level: level.to_string(),
            })
        }
        _ => None,
    }
}

/// The headers of the dumps on `disk_file`, in slot order (the run's dump first).
pub fn headers(disk_file: &Path) -> Result<Vec<Header>, MissingDump> {
    let mut f = File::open(disk_file)
        .map_err(|e| MissingDump::Host(format!("cannot open {}: {e}", disk_file.display())))?;
    let mut found = Vec::new();
    for slot in 0..SLOTS {
        let mut header = [0u8; 512];
        let read = f
            .seek(SeekFrom::Start(slot * (disk::SLOT_MIB << 20)))
            .and_then(|_| f.read_exact(&mut header));
        match read.ok().and_then(|()| parse_header(&header)) {
            Some(h) => found.push(h),
            None => break,
        }
    }
    Ok(found)
}

/// makedumpfile's flattened format: a 4096-byte header (`makedumpfile`, type 1, version 1,
/// big-endian), then records of (offset, size) in big-endian and `size` bytes that belong at
/// `offset` of the dump file, up to a record of (-1, -1).
const FLAT_HEADER: usize = 4096;
const FLAT_SIGNATURE: &[u8] = b"makedumpfile\0";

/// Reassembles the flattened dump file `from` (as `makedumpfile -R` does) into `to`, or
/// copies it when it is not flattened (an ELF or kdump-compressed file); returns its size.
pub fn reassemble(from: &Path, to: &Path) -> Result<u64, String> {
    let mut input = std::io::BufReader::new(
        fs::File::open(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?,
    );
    let mut head = [0u8; 13];
    let flat = input.read_exact(&mut head).is_ok() && head == FLAT_SIGNATURE;
    if !flat {
        return fs::copy(from, to).map_err(|e| format!("cannot write {}: {e}", to.display()));
    }
    input.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    let mut out =
        fs::File::create(to).map_err(|e| format!("cannot write {}: {e}", to.display()))?;
    unflatten(&mut input, &mut out)
}

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

/// Copies the run's vmcore (the first slot's) off `disk_file` to `dest`; returns its size
/// and its format ([`disk::FLAT`] or [`disk::ELF`]).
pub fn extract(disk_file: &Path, dest: &Path) -> Result<(u64, &'static str), MissingDump> {
    let first = headers(disk_file)?
        .into_iter()
        .next()
        .ok_or(MissingDump::NothingWritten)?;
    extract_dump(disk_file, &first, dest).map(|size| (size, first.format))
}

/// Copies the dump of `header` off `disk_file` to `dest`; returns its size.
pub fn extract_dump(disk_file: &Path, header: &Header, dest: &Path) -> Result<u64, MissingDump> {
    let host = |what: &str, p: &Path, e: std::io::Error| {
        MissingDump::Host(format!("cannot {what} {}: {e}", p.display()))
    };
    if header.format == disk::NONE {
        return Err(MissingDump::Host(format!(
            "makedumpfile -d {} failed (exit {})",
            header.level, header.size
        )));
    }
    let mut f = File::open(disk_file).map_err(|e| host("open", disk_file, e))?;
    f.seek(SeekFrom::Start(header.offset))
        .map_err(|e| host("read", disk_file, e))?;
    let mut out = File::create(dest).map_err(|e| host("write", dest, e))?;
    if header.format == disk::FLAT {
        let mut input = std::io::BufReader::with_capacity(1 << 20, f);
        return unflatten(&mut input, &mut out)
            .map_err(|e| MissingDump::Host(format!("the flattened dump on the disk: {e}")));
    }
    let size = header.size;
    let copied = std::io::copy(&mut f.take(size), &mut out).map_err(|e| host("write", dest, e))?;
    if copied != size {
        return Err(MissingDump::Truncated { copied, size });
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip() {
        let h = parse_header(b"PANICGEN-VMCORE 2 flat 0 1 23\n\0\0").unwrap();
        assert_eq!(
            (h.format, h.size, h.offset, h.level.as_str()),
            ("flat", 0, 1 << 20, "23")
        );
        let h = parse_header(b"PANICGEN-VMCORE 2 elf 7 641 elf\n").unwrap();
        assert_eq!((h.format, h.size, h.offset), ("elf", 7, 641 << 20));
        let h = parse_header(b"PANICGEN-VMCORE 2 none 1 1281 31\n").unwrap();
        assert_eq!((h.format, h.size), ("none", 1));
        assert_eq!(parse_header(b"PANICGEN-VMCORE 2 tar 7 2 1\n"), None);
        assert_eq!(parse_header(&[0u8; 512]), None);
        assert_eq!(parse_header(b"PANICGEN-VMCORE 2 elf 0 1 elf\n"), None);
        assert_eq!(parse_header(b"PANICGEN-VMCORE 1 elf 5 1\n"), None);
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
        let mut data = b"PANICGEN-VMCORE 2 elf 3 1 1\n".to_vec();
        data.resize(1 << 20, 0);
        data.extend_from_slice(b"ELF");
        fs::write(&disk, &data).unwrap();
        assert_eq!(extract(&disk, &dir.join("vmcore")).unwrap(), (3, "elf"));
        assert_eq!(fs::read(dir.join("vmcore")).unwrap(), b"ELF");
        // The run's dump, then two dump levels, one of which makedumpfile failed.
        create(&disk).unwrap();
        let slot = disk::SLOT_MIB << 20;
        let mut f = fs::OpenOptions::new().write(true).open(&disk).unwrap();
        let mut put = |at: u64, bytes: &[u8]| {
            f.seek(SeekFrom::Start(at)).unwrap();
            f.write_all(bytes).unwrap();
        };
        put(0, b"PANICGEN-VMCORE 2 flat 0 1 23\n");
        put(1 << 20, &flat(&[(0, b"KDUMP")], true));
        put(slot, b"PANICGEN-VMCORE 2 elf 3 641 elf\n");
        put(slot + (1 << 20), b"ELF");
        put(2 * slot, b"PANICGEN-VMCORE 2 none 1 1281 31\n");
        assert_eq!(extract(&disk, &dir.join("vmcore")).unwrap(), (5, "flat"));
        assert_eq!(fs::read(dir.join("vmcore")).unwrap(), b"KDUMP");
        let all = headers(&disk).unwrap();
        let levels: Vec<&str> = all.iter().map(|h| h.level.as_str()).collect();
        assert_eq!(levels, ["23", "elf", "31"]);
        assert_eq!(extract_dump(&disk, &all[1], &dir.join("elf")), Ok(3));
        let failed = extract_dump(&disk, &all[2], &dir.join("31")).unwrap_err();
        assert!(failed.to_string().contains("exit 1"), "{failed}");
        let _ = fs::remove_dir_all(&dir);
    }
}
