// SPDX-License-Identifier: GPL-2.0

//! Crash dumps: the vmcore disk the capture kernel writes, its extraction on the host, the
//! host-side dump over QMP, and reading a dump's facts with drgn (`scripts/vmcore-check.py`).
//! What the facts must show is decided in `verdict::dump`.

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
    path::{
        Path,
        PathBuf, //
    },
    process::Command,
    time::Duration,
};

use serde_json::{
    json,
    Value, //
};

use crate::{qmp::Qmp, symbols::demangle};

/// How a fatal run's memory is captured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DumpMode {
    /// No dump: the console alone decides.
    None,
    /// In the guest: a crashkernel= reservation, a capture kernel loaded with
    /// kexec_file_load, makedumpfile to a virtio disk.
    Kdump,
    /// On the host, for kernels without kdump: pvpanic stops the guest (`GUEST_PANICKED`)
    /// and QEMU writes its memory (`dump-guest-memory`, with `-device vmcoreinfo`).
    Qmp,
}

impl DumpMode {
    pub fn name(self) -> &'static str {
        match self {
            DumpMode::None => "none",
            DumpMode::Kdump => "kdump",
            DumpMode::Qmp => "qmp",
        }
    }
}

/// Memory the guest kernel reserves for the capture kernel (`crashkernel=`).
pub const CRASHKERNEL_SIZE: &str = "160M";

/// Why a run asked for a dump has none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MissingDump {
    /// The disk holds no valid header: the capture kernel never wrote a dump.
    NothingWritten,
    /// The header promises more than the disk holds.
    Truncated { copied: u64, size: u64 },
    /// The host could not read the disk or write the vmcore.
    Host(String),
    /// The host-side dump over QMP did not happen.
    Qmp(String),
}

impl std::fmt::Display for MissingDump {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MissingDump::NothingWritten => {
                write!(
                    f,
                    "no vmcore: the capture kernel wrote nothing to the vmcore disk"
                )
            }
            MissingDump::Truncated { copied, size } => write!(
                f,
                "no vmcore: truncated, {copied} of {size} bytes on the disk"
            ),
            MissingDump::Host(e) => write!(f, "no vmcore: {e}"),
            MissingDump::Qmp(e) => write!(f, "no vmcore: {e}"),
        }
    }
}

/// What a run asked for a dump ended with.
pub enum Evidence {
    /// drgn read the dump.
    Read(DumpFacts),
    /// There is no dump.
    Missing(MissingDump),
    /// A dump was written but drgn could not read it.
    Unreadable(String),
}

/// The host-side dump: waits for the guest's panic event, then has QEMU write the guest's
/// memory to `vmcore` as an ELF core with the guest's VMCOREINFO note, kept sparse.
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
    let done = sparse_copy(&full, vmcore);
    let _ = fs::remove_file(&full);
    done.map(|_| ()).map_err(MissingDump::Host)
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

/// What drgn read from the dump.
pub struct DumpFacts {
    pub release: String,
    pub dmesg: Vec<String>,
    /// The crashing thread first, then other threads with a panicgen frame.
    pub threads: Vec<Thread>,
    /// What the dump kept of every task.
    pub survey: Survey,
}

/// What a (filtered) dump kept of every task, as drgn found it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Survey {
    /// Tasks walked in the task list.
    pub tasks: u64,
    /// Of those, the ones whose stack unwound without an error.
    pub unwound: u64,
    /// The unwinding errors, most frequent first (message, count).
    pub errors: Vec<(String, u64)>,
    /// The error that cut the walk of the task list short (empty: walked to its end).
    pub task_list: String,
}

/// A thread of the dump and its stack.
#[derive(Default)]
pub struct Thread {
    pub pid: i64,
    pub comm: String,
    pub crashed: bool,
    /// Innermost first.
    pub frames: Vec<Frame>,
    /// Why drgn could not unwind (all) of it, if it could not.
    pub error: String,
}

/// One frame of a stack.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    /// The demangled symbol (or the DWARF name where no symbol is known).
    pub name: String,
    /// The DWARF name, which tells an inlined function from the symbol it was inlined into
    /// (empty when unknown).
    pub function: String,
    /// An interrupt or exception came in on this frame: the stack goes on into the code it
    /// interrupted.
    pub interrupted: bool,
}

impl Frame {
    /// A frame known by its symbol alone.
    #[cfg(test)]
    pub fn named(name: &str) -> Frame {
        Frame {
            name: name.to_string(),
            ..Frame::default()
        }
    }

    /// Whether the frame is `function`'s, inlined or not.
    pub fn is(&self, function: &str) -> bool {
        self.name == function || self.function == function
    }
}

/// The tools the checks need.
#[derive(Clone, Debug)]
pub struct Verifier {
    pub python: PathBuf,
    pub script: PathBuf,
    pub vmlinux: PathBuf,
    pub module: PathBuf,
}

impl Verifier {
    /// drgn's version line (`drgn 0.3.0`), if its Python runs.
    pub fn drgn_version(&self) -> Option<String> {
        let out = Command::new(&self.python)
            .args(["-c", "import drgn; print('drgn', drgn.__version__)"])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Runs `vmcore-check.py` on `vmcore`.
    pub fn read(&self, vmcore: &Path) -> Result<DumpFacts, String> {
        let out = Command::new(&self.python)
            .arg(&self.script)
            .arg(vmcore)
            .arg(&self.vmlinux)
            .arg(&self.module)
            .output()
            .map_err(|e| {
                format!(
                    "cannot run {}: {e} (run 'make setup')",
                    self.python.display()
                )
            })?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(format!(
                "drgn could not read the vmcore: {}",
                err.trim().lines().last().unwrap_or("no message")
            ));
        }
        let doc: Value = serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("vmcore-check.py printed no JSON: {e}"))?;
        Ok(parse_facts(&doc))
    }
}

fn parse_thread(v: &Value, crashed: bool) -> Thread {
    let raw = v["frames"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let frames = raw
        .iter()
        .map(|f| {
            let sym = f["symbol"].as_str().unwrap_or("");
            let function = f["function"].as_str().unwrap_or("").to_string();
            Frame {
                name: if sym.is_empty() {
                    if function.is_empty() {
                        "?".into()
                    } else {
                        function.clone()
                    }
                } else {
                    demangle(sym)
                },
                function,
                interrupted: f["interrupted"].as_bool().unwrap_or(false),
            }
        })
        .collect();
    Thread {
        pid: v["pid"].as_i64().unwrap_or(-1),
        comm: v["comm"].as_str().unwrap_or("").to_string(),
        crashed,
        frames,
        error: v["error"].as_str().unwrap_or("").to_string(),
    }
}

fn parse_facts(doc: &Value) -> DumpFacts {
    let mut threads = vec![parse_thread(&doc["crashed"], true)];
    if let Some(tasks) = doc["tasks"].as_array() {
        threads.extend(tasks.iter().map(|t| parse_thread(t, false)));
    }
    DumpFacts {
        release: doc["release"].as_str().unwrap_or("").to_string(),
        dmesg: doc["dmesg"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|l| l.as_str())
                    .flat_map(|l| l.lines().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        threads,
        survey: parse_survey(&doc["survey"]),
    }
}

fn parse_survey(v: &Value) -> Survey {
    let mut errors: Vec<(String, u64)> = v["errors"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    errors.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Survey {
        tasks: v["tasks"].as_u64().unwrap_or(0),
        unwound: v["unwound"].as_u64().unwrap_or(0),
        errors,
        task_list: v["task_list"].as_str().unwrap_or("").to_string(),
    }
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
