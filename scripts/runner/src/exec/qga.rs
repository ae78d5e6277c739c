// SPDX-License-Identifier: GPL-2.0

//! A small client of the QEMU guest agent (`qemu-guest-agent` in the guest, a virtio-serial
//! port on the host's side), the channel libvirt and CI tools drive systems through: run a
//! program and read its output (`guest-exec`), read a file (`guest-file-*`). Each call is
//! made after `guest-sync-delimited`, so nothing left in the channel from before (a
//! reboot, an earlier call given up) is taken for its answer.

use std::{
    io::{
        BufRead,
        BufReader,
        Write, //
    },
    os::unix::net::UnixStream,
    path::Path,
    thread,
    time::{
        Duration,
        Instant, //
    },
};

use base64::Engine;

use crate::exec::qmp::connect_socket;
use serde_json::{
    json,
    Value, //
};

/// The largest piece of a file asked for in one `guest-file-read`.
const READ_CHUNK: u64 = 4 << 20;

/// What a call says once QEMU has gone: nothing will answer again.
const CLOSED: &str = "QEMU closed the guest agent socket";

pub struct Agent {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

/// What a program run in the guest gave.
#[derive(Debug, Default)]
pub struct Output {
    pub status: Option<i64>,
    pub stdout: String,
    pub stderr: String,
}

impl Agent {
    /// Connects to the host side of the agent's port (a `-chardev socket,server=on`),
    /// waiting up to `wait` for QEMU to create it.
    pub fn connect(path: &Path, wait: Duration) -> Result<Self, String> {
        let stream = connect_socket(path, wait, "guest agent socket")?;
        let writer = stream
            .try_clone()
            .map_err(|e| format!("guest agent socket: {e}"))?;
        Ok(Agent {
            reader: BufReader::new(stream),
            writer,
        })
    }

    /// Waits until the agent in the guest answers, for up to `wait` (it starts late in a
    /// boot, and again after every reboot).
    pub fn wait_ready(&mut self, wait: Duration) -> Result<(), String> {
        let deadline = Instant::now() + wait;
        let mut token = std::process::id() as u64 * 1000;
        loop {
            token += 1;
            match self.sync(token) {
                Ok(()) => return Ok(()),
                // QEMU exited (its guest died, and was stopped): no agent will answer.
                Err(e) if e.contains(CLOSED) => return Err(e),
                Err(e) if Instant::now() >= deadline => {
                    return Err(format!("the guest agent did not answer in {wait:?}: {e}"))
                }
                Err(_) => thread::sleep(Duration::from_millis(500)),
            }
        }
    }

    /// `guest-sync-delimited`: the agent answers after a 0xff byte, so whatever came before
    /// it is skipped.
    fn sync(&mut self, token: u64) -> Result<(), String> {
        let msg = json!({ "execute": "guest-sync-delimited", "arguments": { "id": token } });
        let mut bytes = vec![0xff];
        bytes.extend_from_slice(format!("{msg}\n").as_bytes());
        self.writer.write_all(&bytes).map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => CLOSED.to_string(),
            _ => format!("guest agent: {e}"),
        })?;
        self.set_timeout(Duration::from_secs(3))?;
        let mut skipped = Vec::new();
        let n = self
            .reader
            .read_until(0xff, &mut skipped)
            .map_err(|e| format!("guest agent: {e}"))?;
        if n == 0 {
            return Err(CLOSED.into());
        }
        loop {
            let v = self.read_value()?;
            if v["return"].as_u64() == Some(token) {
                return Ok(());
            }
        }
    }

    fn set_timeout(&self, t: Duration) -> Result<(), String> {
        self.reader
            .get_ref()
            .set_read_timeout(Some(t.max(Duration::from_millis(1))))
            .map_err(|e| format!("guest agent: {e}"))
    }

    fn read_value(&mut self) -> Result<Value, String> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => Err(CLOSED.into()),
            Ok(_) => {
                serde_json::from_str(&line).map_err(|e| format!("bad guest agent answer: {e}"))
            }
            Err(e) => Err(format!("no guest agent answer: {e}")),
        }
    }

    /// Runs `command` in the guest and returns its `return` value.
    fn execute(
        &mut self,
        command: &str,
        arguments: Value,
        wait: Duration,
    ) -> Result<Value, String> {
        let msg = json!({ "execute": command, "arguments": arguments });
        writeln!(self.writer, "{msg}").map_err(|e| format!("guest agent {command}: {e}"))?;
        self.set_timeout(wait)?;
        let v = self.read_value()?;
        match (v.get("return"), v.get("error")) {
            (Some(r), _) => Ok(r.clone()),
            (None, Some(e)) => Err(format!(
                "guest agent {command}: {}",
                e["desc"].as_str().unwrap_or("error")
            )),
            (None, None) => Err(format!("guest agent {command}: unexpected answer {v}")),
        }
    }

    /// Starts `argv` in the guest without waiting for it (a program that crashes the
    /// guest never ends).
    pub fn spawn(&mut self, argv: &[&str]) -> Result<i64, String> {
        let r = self.execute(
            "guest-exec",
            json!({ "path": argv[0], "arg": &argv[1..], "capture-output": true }),
            Duration::from_secs(10),
        )?;
        r["pid"]
            .as_i64()
            .ok_or_else(|| format!("guest-exec gave no pid: {r}"))
    }

    /// Runs `argv` in the guest until it ends, for up to `wait`.
    pub fn run(&mut self, argv: &[&str], wait: Duration) -> Result<Output, String> {
        let pid = self.spawn(argv)?;
        let deadline = Instant::now() + wait;
        loop {
            let st = self.execute(
                "guest-exec-status",
                json!({ "pid": pid }),
                Duration::from_secs(10),
            )?;
            if st["exited"] == true {
                return Ok(Output {
                    status: st["exitcode"].as_i64(),
                    stdout: decode(&st["out-data"]),
                    stderr: decode(&st["err-data"]),
                });
            }
            if Instant::now() >= deadline {
                return Err(format!("'{}' did not end in {wait:?}", argv.join(" ")));
            }
            thread::sleep(Duration::from_millis(200));
        }
    }

    /// Copies the guest's file `path` to `out` on the host; returns its size.
    pub fn copy_file(&mut self, path: &str, out: &mut impl Write) -> Result<u64, String> {
        let handle = self.execute(
            "guest-file-open",
            json!({ "path": path, "mode": "r" }),
            Duration::from_secs(10),
        )?;
        let copied = self.read_all(&handle, out);
        let _ = self.execute(
            "guest-file-close",
            json!({ "handle": handle }),
            Duration::from_secs(10),
        );
        copied.map_err(|e| format!("reading {path} in the guest: {e}"))
    }

    fn read_all(&mut self, handle: &Value, out: &mut impl Write) -> Result<u64, String> {
        let mut total = 0;
        loop {
            let r = self.execute(
                "guest-file-read",
                json!({ "handle": handle, "count": READ_CHUNK }),
                Duration::from_secs(60),
            )?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(r["buf-b64"].as_str().unwrap_or(""))
                .map_err(|e| format!("bad base64 from the agent: {e}"))?;
            out.write_all(&bytes).map_err(|e| e.to_string())?;
            total += bytes.len() as u64;
            if r["eof"] == true || bytes.is_empty() {
                return Ok(total);
            }
        }
    }
}

/// A `guest-exec-status` output field (base64), as text.
fn decode(v: &Value) -> String {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap_or(""))
        .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Reads everything left in `r` (used by tests of the framing).
#[cfg(test)]
fn drain(mut r: impl std::io::Read) -> String {
    let mut s = String::new();
    let _ = r.read_to_string(&mut s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;

    /// An agent that skips a stale answer, then answers sync, exec and status.
    #[test]
    fn sync_skips_what_came_before() {
        let dir = std::env::temp_dir().join(format!("qga-test-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let sock = dir.join("qga.sock");
        let _ = std::fs::remove_file(&sock);
        let listener = UnixListener::bind(&sock).unwrap();
        let peer = thread::spawn(move || {
            let (s, _) = listener.accept().unwrap();
            let mut w = s.try_clone().unwrap();
            let mut r = BufReader::new(s);
            let mut line = Vec::new();
            r.read_until(b'\n', &mut line).unwrap();
            assert_eq!(line[0], 0xff);
            let sync: Value = serde_json::from_slice(&line[1..]).unwrap();
            let id = &sync["arguments"]["id"];
            w.write_all(b"{\"return\": 7}\n\xff").unwrap();
            writeln!(w, "{{\"return\": {id}}}").unwrap();
            line.clear();
            r.read_until(b'\n', &mut line).unwrap();
            writeln!(w, "{{\"return\": {{\"pid\": 42}}}}").unwrap();
            line.clear();
            r.read_until(b'\n', &mut line).unwrap();
            writeln!(
                w,
                "{{\"return\": {{\"exited\": true, \"exitcode\": 0, \"out-data\": \"aGkK\"}}}}"
            )
            .unwrap();
            drain(r)
        });
        let mut a = Agent::connect(&sock, Duration::from_secs(5)).unwrap();
        a.wait_ready(Duration::from_secs(5)).unwrap();
        let out = a.run(&["/bin/echo", "hi"], Duration::from_secs(5)).unwrap();
        assert_eq!(out.status, Some(0));
        assert_eq!(out.stdout, "hi\n");
        drop(a);
        let _ = peer.join();
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// QEMU gone (its guest died before it was ready, and was stopped): no waiting out.
    #[test]
    fn a_closed_socket_ends_the_wait_at_once() {
        let dir = std::env::temp_dir().join(format!("qga-closed-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let sock = dir.join("qga.sock");
        let _ = std::fs::remove_file(&sock);
        let listener = UnixListener::bind(&sock).unwrap();
        let peer = thread::spawn(move || drop(listener.accept().unwrap()));
        let mut a = Agent::connect(&sock, Duration::from_secs(5)).unwrap();
        let _ = peer.join();
        let t = Instant::now();
        let e = a.wait_ready(Duration::from_secs(60)).unwrap_err();
        assert!(e.contains(CLOSED), "{e}");
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
