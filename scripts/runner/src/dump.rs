// SPDX-License-Identifier: GPL-2.0

//! Crash dumps: the vmcore disk the capture kernel writes, its extraction on the host, and the
//! checks made on the dump with drgn (`scripts/vmcore-check.py` reads the facts; the rules that
//! decide live here, next to the console rules).

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

use crate::{
    catalog::{
        Fault,
        Kind, //
    },
    qmp::Qmp,
    verdict::{
        End,
        Matcher,
        Verdict, //
    },
};

/// How a fatal run's memory is captured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "none" => Some(DumpMode::None),
            "kdump" => Some(DumpMode::Kdump),
            "qmp" => Some(DumpMode::Qmp),
            _ => None,
        }
    }

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

/// Size of the sparse vmcore disk (a -d 31 dump of a 512 MiB guest is a few MiB).
const DISK_BYTES: u64 = 256 << 20;

/// The header the guest init writes at the start of the disk.
const MAGIC: &str = "PANICGEN-VMCORE";

/// Creates the empty (sparse) vmcore disk for one run.
pub fn create_disk(path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    File::create(path)
        .and_then(|f| f.set_len(DISK_BYTES))
        .map_err(|e| format!("cannot create the vmcore disk {}: {e}", path.display()))
}

/// Parses `PANICGEN-VMCORE 1 kdump <size> <offset MiB>`: (size, byte offset).
fn parse_header(header: &[u8]) -> Option<(u64, u64)> {
    let line = header.split(|&b| b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        [MAGIC, "1", "kdump", size, offset] => {
            let size: u64 = size.parse().ok()?;
            let offset: u64 = offset.parse().ok()?;
            (size > 0).then_some((size, offset << 20))
        }
        _ => None,
    }
}

/// Copies the vmcore the capture kernel wrote on `disk` to `dest`; returns its size.
pub fn extract(disk: &Path, dest: &Path) -> Result<u64, String> {
    let mut f = File::open(disk).map_err(|e| format!("no vmcore disk {}: {e}", disk.display()))?;
    let mut header = [0u8; 512];
    f.read_exact(&mut header)
        .map_err(|e| format!("cannot read {}: {e}", disk.display()))?;
    let (size, offset) = parse_header(&header)
        .ok_or("no vmcore: the capture kernel wrote nothing to the vmcore disk")?;
    f.seek(SeekFrom::Start(offset))
        .map_err(|e| format!("cannot read {}: {e}", disk.display()))?;
    let mut out =
        File::create(dest).map_err(|e| format!("cannot write {}: {e}", dest.display()))?;
    let copied = std::io::copy(&mut f.take(size), &mut out)
        .map_err(|e| format!("cannot copy the vmcore to {}: {e}", dest.display()))?;
    if copied != size {
        return Err(format!(
            "truncated vmcore: {copied} of {size} bytes on the disk"
        ));
    }
    Ok(size)
}

/// The host-side dump: waits for the guest's panic event, then has QEMU write the guest's
/// memory to `vmcore` as an ELF core with the guest's VMCOREINFO note, kept sparse.
///
/// Not QEMU's kdump formats: before QEMU 8.2 they come in makedumpfile's flattened stream
/// format, and libkdumpfile (drgn's reader) cannot tell the architecture of the result.
pub fn qmp_dump(qmp: &mut Qmp, vmcore: &Path) -> Result<(), String> {
    qmp.wait_event("GUEST_PANICKED", Duration::from_secs(20))
        .map_err(|e| format!("no vmcore: {e}"))?;
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
    .map_err(|e| format!("no vmcore: {e}"))?;
    let done = sparse_copy(&full, vmcore);
    let _ = fs::remove_file(&full);
    done.map(|_| ()).map_err(|e| format!("no vmcore: {e}"))
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
}

pub struct Thread {
    pub pid: i64,
    pub comm: String,
    pub crashed: bool,
    /// Demangled symbol names (or DWARF names where no symbol is known), innermost first.
    pub frames: Vec<String>,
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
    let frames = v["frames"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .map(|f| {
                    let sym = f["symbol"].as_str().unwrap_or("");
                    if sym.is_empty() {
                        f["function"].as_str().unwrap_or("?").to_string()
                    } else {
                        demangle(sym)
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Thread {
        pid: v["pid"].as_i64().unwrap_or(-1),
        comm: v["comm"].as_str().unwrap_or("").to_string(),
        crashed,
        frames,
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
    }
}

/// A Rust v0/legacy symbol demangled without its hash; other names unchanged.
pub fn demangle(sym: &str) -> String {
    match rustc_demangle::try_demangle(sym) {
        Ok(d) => format!("{d:#}"),
        Err(_) => sym.to_string(),
    }
}

/// The functions that implement `fault`: the Rust one (`faults::<category>::<name>`) and, for
/// faults with a C part, `panicgen_<name>`. A catalog test keeps the naming rule honest by
/// building the names; the dump check is where a wrong name would show.
pub fn sites(fault: &Fault) -> [String; 2] {
    let lower = fault.name.to_ascii_lowercase();
    [
        format!("faults::{}::{lower}", fault.category),
        format!("panicgen_{lower}"),
    ]
}

fn is_site(frame: &str, sites: &[String; 2]) -> bool {
    frame.ends_with(&sites[0]) || frame == sites[1]
}

/// One check on a dump.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

impl Check {
    fn new(name: &'static str, ok: bool, detail: String) -> Self {
        Check { name, ok, detail }
    }

    pub fn to_json(&self) -> Value {
        json!({ "ok": self.ok, "detail": self.detail })
    }
}

/// The check names, in report order.
pub const CHECKS: [&str; 4] = ["captured", "message", "stack", "trigger_id"];

/// Judges a dump: `facts` is what drgn read (or why there is nothing to read).
pub fn check(
    facts: &Result<DumpFacts, String>,
    matcher: &Matcher,
    fault: &Fault,
    id: &str,
) -> Vec<Check> {
    let facts = match facts {
        Ok(f) => f,
        Err(why) => {
            return CHECKS
                .iter()
                .map(|&name| {
                    let detail = if name == "captured" {
                        why.clone()
                    } else {
                        "no vmcore".to_string()
                    };
                    Check::new(name, false, detail)
                })
                .collect();
        }
    };
    let mut checks = vec![Check::new(
        "captured",
        true,
        format!("drgn read the dump of {}", facts.release),
    )];
    // The same rules as for the console, applied to the kernel log inside the dump.
    let j = matcher.judge(&facts.dmesg, &End::Exited(None));
    checks.push(Check::new(
        "message",
        j.verdict == Verdict::Pass,
        if j.verdict == Verdict::Pass {
            j.observed.replace('\n', " / ")
        } else {
            format!("in the dump's log: {}", j.reason)
        },
    ));
    // The crashing thread runs the fault's function; a detector (lockup, hung task, RCU
    // stall) panics on another task, so there any task's stack may show it.
    let sites = sites(fault);
    let wanted = |t: &&Thread| t.crashed || matches!(fault.kind, Kind::Hang(_));
    let found = facts
        .threads
        .iter()
        .filter(wanted)
        .find_map(|t| t.frames.iter().find(|f| is_site(f, &sites)).map(|f| (t, f)));
    checks.push(match found {
        Some((t, f)) => Check::new(
            "stack",
            true,
            format!(
                "{} in the stack of {}{} (pid {})",
                f,
                t.comm,
                if t.crashed { ", the crashing task" } else { "" },
                t.pid
            ),
        ),
        None => {
            let crashed = &facts.threads[0];
            let top: Vec<&str> = crashed.frames.iter().take(8).map(String::as_str).collect();
            Check::new(
                "stack",
                false,
                format!(
                    "no {} frame in the crashing task {} (pid {}): {}",
                    sites[0],
                    crashed.comm,
                    crashed.pid,
                    if top.is_empty() {
                        "no frames".to_string()
                    } else {
                        top.join(" < ")
                    }
                ),
            )
        }
    });
    checks.push(match matcher.trigger_with_id(&facts.dmesg, id) {
        Some(l) => Check::new("trigger_id", true, l.trim().to_string()),
        None => Check::new(
            "trigger_id",
            false,
            format!(
                "the dump's log has no 'panicgen: trigger {} ... id={id}' line: not this run's dump",
                fault.name
            ),
        ),
    });
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{
        self,
        Arch,
        Context, //
    };

    #[test]
    fn header_round_trip() {
        assert_eq!(
            parse_header(b"PANICGEN-VMCORE 1 kdump 12345 1\n\0\0"),
            Some((12345, 1 << 20))
        );
        assert_eq!(parse_header(&[0u8; 512]), None);
        assert_eq!(parse_header(b"PANICGEN-VMCORE 1 kdump 0 1\n"), None);
        assert_eq!(parse_header(b"PANICGEN-VMCORE 2 kdump 5 1\n"), None);
    }

    #[test]
    fn extract_reads_what_the_guest_wrote() {
        let dir = std::env::temp_dir().join(format!("panicgen-dump-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let disk = dir.join("disk");
        create_disk(&disk).unwrap();
        assert!(extract(&disk, &dir.join("none"))
            .unwrap_err()
            .contains("no vmcore"));
        let mut data = b"PANICGEN-VMCORE 1 kdump 5 1\n".to_vec();
        data.resize(1 << 20, 0);
        data.extend_from_slice(b"KDUMP");
        fs::write(&disk, &data).unwrap();
        assert_eq!(extract(&disk, &dir.join("vmcore")).unwrap(), 5);
        assert_eq!(fs::read(dir.join("vmcore")).unwrap(), b"KDUMP");
        let _ = fs::remove_dir_all(&dir);
    }

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

    #[test]
    fn demangles_rust_v0_symbols() {
        assert_eq!(
            demangle("_RNvNtNtCsedwKYiE0uvy_13panicgen_main6faults4bugs4warn"),
            "panicgen_main::faults::bugs::warn"
        );
        assert_eq!(demangle("panic"), "panic");
    }

    fn facts(dmesg: &[&str], frames: &[&str]) -> Result<DumpFacts, String> {
        Ok(DumpFacts {
            release: "7.3.4".into(),
            dmesg: dmesg.iter().map(|s| s.to_string()).collect(),
            threads: vec![Thread {
                pid: 60,
                comm: "sh".into(),
                crashed: true,
                frames: frames.iter().map(|s| s.to_string()).collect(),
            }],
        })
    }

    fn bug_checks(dmesg: &[&str], frames: &[&str], id: &str) -> Vec<Check> {
        let fault = catalog::find("BUG").unwrap();
        let m = Matcher::new(fault, Context::Process, Arch::X86_64).unwrap();
        check(&facts(dmesg, frames), &m, fault, id)
    }

    const DMESG: &[&str] = &[
        "panicgen: trigger BUG ctx=process id=r1",
        "kernel BUG at src/faults/bugs.rs:48!",
        "Oops: invalid opcode: 0000 [#1] SMP NOPTI",
        "Kernel panic - not syncing: Fatal exception",
    ];

    #[test]
    fn a_good_dump_passes_every_check() {
        let c = bug_checks(DMESG, &["panicgen_main::faults::bugs::bug", "write"], "r1");
        assert!(c.iter().all(|c| c.ok), "{c:?}");
        assert_eq!(c.iter().map(|c| c.name).collect::<Vec<_>>(), CHECKS);
    }

    #[test]
    fn each_check_can_fail() {
        // Another run's dump.
        let c = bug_checks(DMESG, &["panicgen_main::faults::bugs::bug"], "r2");
        assert!(!c[3].ok);
        // The right message, the wrong function on the stack.
        let c = bug_checks(DMESG, &["panicgen_main::faults::bugs::warn"], "r1");
        assert!(!c[2].ok && c[1].ok);
        // No message in the log.
        let c = bug_checks(&DMESG[..1], &["panicgen_main::faults::bugs::bug"], "r1");
        assert!(!c[1].ok);
        // No dump at all: every check fails, "no vmcore".
        let fault = catalog::find("BUG").unwrap();
        let m = Matcher::new(fault, Context::Process, Arch::X86_64).unwrap();
        let c = check(&Err("no vmcore: nothing written".into()), &m, fault, "r1");
        assert!(c.iter().all(|c| !c.ok));
        assert!(c[0].detail.starts_with("no vmcore"));
    }

    #[test]
    fn c_parts_count_as_the_site() {
        let fault = catalog::find("STACK_CANARY").unwrap();
        let s = sites(fault);
        assert!(is_site("panicgen_stack_canary", &s));
        assert!(is_site("panicgen_main::faults::memory::stack_canary", &s));
        assert!(!is_site("panicgen_stack_canary_strong", &s));
    }
}
