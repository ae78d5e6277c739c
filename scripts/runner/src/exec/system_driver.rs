// SPDX-License-Identifier: GPL-2.0

//! One run in a distribution system, driven from the host while the console is read: fire
//! the fault through the guest agent, follow the system's own crash pipeline by QEMU's
//! `RESET` event (the capture kernel's reboot; the console shows the panic, and with a crash
//! kernel loaded pvpanic reports `crash loaded`, not a panic), wait for the system to come
//! back, and collect what it kept — kdump-tools' vmcore and dmesg file, the pstore archive,
//! the journal's boots — before QEMU is told to quit.

use std::{
    fs,
    path::{
        Path,
        PathBuf, //
    },
    process::Command,
    time::{
        Duration,
        Instant, //
    },
};

use serde_json::json;

use crate::{
    exec::{
        qga::Agent,
        qmp::Qmp,
        system_ready,
        vmcore_disk, //
    },
    model::{
        panic_settings::{
            self,
            PanicSettings, //
        },
        protocol,
        verdict::system::SystemFacts, //
    },
};

/// How long reading the panic settings through the agent may take.
const SETTINGS_WAIT: Duration = Duration::from_secs(30);

/// How a run's system starts.
#[derive(Clone, Debug)]
pub enum Start {
    /// Restored from a saved system: booted, kdump ready, panicgen loaded.
    Restored,
    /// Booted from the image for this run alone, made ready here with these MAKEDUMP_ARGS
    /// (`--no-snapshot`).
    Booted(Option<String>),
}

/// How one system run starts, and the time limits of its stages.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Restored or booted.
    pub start: Start,
    /// The fault fired → the capture kernel reboots the machine (the panic, the capture
    /// kernel's boot, makedumpfile).
    pub capture: Duration,
    /// The reboot → the system is up again, with its agent.
    pub back: Duration,
}

/// Where one run's files go on the host.
pub struct Paths<'a> {
    pub control: &'a Path,
    pub agent: &'a Path,
    pub dir: &'a Path,
    pub vmcore: &'a Path,
}

/// When each stage ended, from `start`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Times {
    /// A restored system runs again.
    pub resumed: Option<Duration>,
    /// A booted system is ready for the fault.
    pub up: Option<Duration>,
    pub fired: Option<Duration>,
    pub reset: Option<Duration>,
    pub back: Option<Duration>,
    pub collected: Option<Duration>,
}

/// What the driver found: the system's facts, the stage times, whether kdump-tools'
/// vmcore was copied to the run's vmcore path, and whether the capture ran out of time.
pub struct Driven {
    pub facts: SystemFacts,
    pub times: Times,
    pub vmcore: Result<(), String>,
    /// The fault fired and no capture kernel rebooted the machine within its limit (one
    /// that hung or panicked itself, e.g. TCG's "IO-APIC + timer doesn't work!"): the
    /// infrastructure's failure, as the lab guest's capture time limit is.
    pub capture_timed_out: bool,
    /// What the system said, just before the fault, decides how an oops ends there.
    pub settings: Option<PanicSettings>,
}

impl Driven {
    /// Nothing found yet, for `why`.
    pub fn unfollowed(why: &str) -> Self {
        Driven {
            facts: SystemFacts::default(),
            times: Times::default(),
            vmcore: Err(why.into()),
            capture_timed_out: false,
            settings: None,
        }
    }
}

/// Drives one system run (restored, or booted and made ready here) firing `command`, its
/// QEMU started at `start`.
pub fn drive(paths: &Paths<'_>, command: &str, limits: Limits, start: Instant) -> Driven {
    let mut d = Driven::unfollowed("the system was not followed to its capture");
    let at = || Some(start.elapsed());
    let mut qmp = match Qmp::connect(paths.control, Duration::from_secs(30)) {
        Ok(q) => q,
        Err(e) => return lost(d, format!("no QMP: {e}")),
    };
    if let Err(e) = qmp.wait_running(Duration::from_secs(120)) {
        return quit_lost(
            d,
            &mut qmp,
            format!("the system did not start running: {e}"),
        );
    }
    if let Start::Restored = limits.start {
        d.times.resumed = at();
    }
    let mut agent = match Agent::connect(paths.agent, Duration::from_secs(10)) {
        Ok(a) => a,
        Err(e) => return quit_lost(d, &mut qmp, e),
    };
    let ready = match &limits.start {
        Start::Restored => agent.wait_ready(Duration::from_secs(60)),
        Start::Booted(args) => system_ready::ready(&mut agent, args.as_deref()).map(|_| {
            d.times.up = at();
        }),
    };
    if let Err(e) = ready {
        return quit_lost(d, &mut qmp, format!("before the fault: {e}"));
    }
    // As the system stands now (kdump-config has set panic_on_oops, say): the verdict
    // expects what these settings make the kernel print.
    d.settings = PanicSettings::parse(&sh(&mut agent, &panic_settings::shell(), SETTINGS_WAIT));
    let fire = protocol::fire_shell(command);
    if let Err(e) = agent.spawn(&["/bin/sh", "-c", &fire]) {
        return quit_lost(d, &mut qmp, format!("firing through the guest agent: {e}"));
    }
    d.times.fired = at();
    // (A run the console rules end, one that does not panic, closes QMP first.)
    if let Err(e) = qmp.wait_event("RESET", limits.capture) {
        d.capture_timed_out = true;
        return quit_lost(
            d,
            &mut qmp,
            format!(
                "no capture kernel rebooted the machine within {} s of the fault \
                 (--capture-timeout; the console says how far the capture got; {e})",
                limits.capture.as_secs()
            ),
        );
    }
    d.times.reset = at();
    if let Err(e) = agent.wait_ready(limits.back) {
        return quit_lost(
            d,
            &mut qmp,
            format!(
                "the system did not answer within {} s of the capture kernel's reboot \
                 (--reboot-timeout): {e}",
                limits.back.as_secs()
            ),
        );
    }
    d.times.back = at();
    let t = Instant::now();
    collect(&mut agent, paths, &mut d);
    d.times.collected = Some(d.times.back.unwrap_or_default() + t.elapsed());
    quit(&mut qmp);
    d
}

fn lost(mut d: Driven, why: String) -> Driven {
    d.facts.lost = why.clone();
    d.vmcore = Err(why);
    d
}

fn quit_lost(d: Driven, qmp: &mut Qmp, why: String) -> Driven {
    quit(qmp);
    lost(d, why)
}

fn quit(qmp: &mut Qmp) {
    let _ = qmp.execute("quit", json!({}), Duration::from_secs(5));
}

/// Reads what the system kept, through its agent.
fn collect(agent: &mut Agent, paths: &Paths<'_>, d: &mut Driven) {
    let long = Duration::from_secs(300);
    let state = sh(agent, "systemctl is-system-running --wait", long);
    d.facts.state = state.trim().to_string();
    let status = sh(agent, "kdump-config status", long);
    d.facts.kdump_ready = status.contains("ready to kdump");
    d.facts.makedumpfile = Some(!sh(agent, "command -v makedumpfile", long).trim().is_empty());
    d.facts.boots = sh(agent, "journalctl --list-boots --no-pager -q", long)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    // kdump-tools' newest crash directory, and what it wrote there.
    let dir = sh(agent, "ls -1d /var/crash/2*/ 2>/dev/null | tail -n 1", long);
    d.facts.crash_dir = dir.trim().trim_end_matches('/').to_string();
    if !d.facts.crash_dir.is_empty() {
        let files = sh(agent, &format!("ls -1 {}", d.facts.crash_dir), long);
        let named = |prefix: &str| {
            files
                .lines()
                .find(|f| f.starts_with(prefix))
                .map(|f| format!("{}/{f}", d.facts.crash_dir))
        };
        if let Some(f) = named("dmesg.") {
            d.facts.kdump_dmesg = copy_text(agent, &f, &paths.dir.join("kdump-dmesg.txt"));
        }
        // makedumpfile's flattened stream (dump.<stamp>), or /proc/vmcore copied whole
        // where makedumpfile failed (vmcore.<stamp>): copied as written, then reassembled
        // (`makedumpfile -R`) into the run's vmcore.
        d.vmcore = match named("dump.").or_else(|| named("vmcore.")) {
            Some(f) => {
                let name = f.rsplit('/').next().unwrap_or("dump");
                let kept = paths.dir.join(name);
                fetch_dump(agent, &f, &kept).and_then(|()| {
                    let r = match fs::metadata(&kept).map(|m| m.len()) {
                        Ok(0) => Err(format!(
                            "kdump-tools wrote {f} empty and said it saved the vmcore \
                             (its makedumpfile failed; the pipe to its compressor hides that)"
                        )),
                        _ => vmcore_disk::reassemble(&kept, paths.vmcore).map(|_| ()),
                    };
                    let _ = fs::remove_file(&kept);
                    r
                })
            }
            None => Err(format!(
                "kdump-tools wrote no dump in {}: {}",
                d.facts.crash_dir,
                files.trim().replace('\n', ", ")
            )),
        };
    } else {
        d.vmcore = Err("kdump-tools wrote nothing to /var/crash".into());
    }
    d.facts.pstore = pstore(agent, paths.dir);
}

/// Copies the dump `from` to `to`. A whole-memory copy (`vmcore.<stamp>`: kdump-tools
/// without makedumpfile, or after it failed) is as large as the machine's memory, mostly free
/// pages: where the system has zstd it crosses the agent compressed (a fraction of the 4 MiB
/// chunks), and the host expands it.
fn fetch_dump(agent: &mut Agent, from: &str, to: &Path) -> Result<(), String> {
    let whole = from
        .rsplit('/')
        .next()
        .is_some_and(|n| n.starts_with("vmcore."));
    let packed = "/var/tmp/panicgen-vmcore.zst";
    let pack = format!(
        "command -v zstd >/dev/null && zstd -q -1 -T0 -f '{from}' -o {packed} && echo packed"
    );
    if !whole || sh(agent, &pack, Duration::from_secs(480)).trim() != "packed" {
        return copy(agent, from, to);
    }
    let zst = to.with_extension("zst");
    let copied = copy(agent, packed, &zst);
    sh(agent, &format!("rm -f {packed}"), Duration::from_secs(30));
    copied?;
    let out = Command::new("zstd")
        .args(["-q", "-d", "-f"])
        .arg(&zst)
        .arg("-o")
        .arg(to)
        .output()
        .map_err(|e| format!("zstd on the host: {e} (run 'make setup')"))?;
    let _ = fs::remove_file(&zst);
    if !out.status.success() {
        return Err(format!(
            "zstd -d {}: {}",
            zst.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(())
}

/// systemd-pstore's archive of the crash's dmesg records (or the records still in
/// /sys/fs/pstore), joined, oldest part first.
fn pstore(agent: &mut Agent, dir: &Path) -> Option<Vec<String>> {
    let list = sh(
        agent,
        "find /var/lib/systemd/pstore /sys/fs/pstore -name 'dmesg-*' -type f 2>/dev/null | sort",
        Duration::from_secs(30),
    );
    let mut lines = Vec::new();
    for (i, f) in list.lines().filter(|l| !l.is_empty()).enumerate() {
        let text = copy_text(agent, f, &dir.join(format!("pstore-{i}.txt")))?;
        lines.extend(text);
    }
    (!lines.is_empty()).then_some(lines)
}

/// Runs a shell command in the guest; its output, or empty when it failed to run.
fn sh(agent: &mut Agent, command: &str, wait: Duration) -> String {
    agent
        .run(&["/bin/sh", "-c", command], wait)
        .map(|o| o.stdout)
        .unwrap_or_default()
}

fn copy(agent: &mut Agent, from: &str, to: &Path) -> Result<(), String> {
    let mut f = fs::File::create(to).map_err(|e| format!("cannot write {}: {e}", to.display()))?;
    agent.copy_file(from, &mut f).map(|_| ())
}

/// Copies a text file of the guest to `to` and returns its lines.
fn copy_text(agent: &mut Agent, from: &str, to: &Path) -> Option<Vec<String>> {
    copy(agent, from, to).ok()?;
    let text = fs::read(to).ok()?;
    Some(
        String::from_utf8_lossy(&text)
            .lines()
            .map(str::to_string)
            .collect(),
    )
}

/// The socket paths of one run's system (short enough for `sun_path`).
pub fn sockets(tag: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir();
    let id = std::process::id();
    (
        dir.join(format!("panicgen-{id}-{tag}.ctl")),
        dir.join(format!("panicgen-{id}-{tag}.qga")),
    )
}
