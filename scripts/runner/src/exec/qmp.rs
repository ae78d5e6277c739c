// SPDX-License-Identifier: GPL-2.0

//! A small QMP (QEMU Machine Protocol) client: enough to save a booted guest to a file
//! (`migrate` to `exec:`), to wait for `GUEST_PANICKED` and to `dump-guest-memory`.

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

use serde_json::{
    json,
    Value, //
};

/// Connects to a socket QEMU creates (`server=on,wait=off`), waiting up to `wait` for it.
pub fn connect_socket(path: &Path, wait: Duration, what: &str) -> Result<UnixStream, String> {
    let start = Instant::now();
    loop {
        match UnixStream::connect(path) {
            Ok(s) => return Ok(s),
            Err(e) if start.elapsed() >= wait => {
                return Err(format!("no {what} {}: {e}", path.display()))
            }
            Err(_) => thread::sleep(Duration::from_millis(20)),
        }
    }
}

pub struct Qmp {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl Qmp {
    /// Connects to QEMU's `-qmp unix:PATH,server=on,wait=off` socket, waiting up to `wait`
    /// for QEMU to create it, and leaves capabilities negotiation done.
    pub fn connect(path: &Path, wait: Duration) -> Result<Self, String> {
        let stream = connect_socket(path, wait, "QMP socket")?;
        let writer = stream.try_clone().map_err(|e| format!("QMP socket: {e}"))?;
        let mut qmp = Qmp {
            reader: BufReader::new(stream),
            writer,
        };
        let greeting = qmp.read(Duration::from_secs(10))?;
        if greeting.get("QMP").is_none() {
            return Err(format!("not a QMP greeting: {greeting}"));
        }
        qmp.execute("qmp_capabilities", json!({}), Duration::from_secs(10))?;
        Ok(qmp)
    }

    fn read(&mut self, timeout: Duration) -> Result<Value, String> {
        self.reader
            .get_ref()
            .set_read_timeout(Some(timeout.max(Duration::from_millis(1))))
            .map_err(|e| format!("QMP socket: {e}"))?;
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => Err("QEMU closed the QMP socket".into()),
            Ok(_) => serde_json::from_str(&line).map_err(|e| format!("bad QMP message: {e}")),
            Err(e) => Err(format!("no QMP answer: {e}")),
        }
    }

    /// Reads messages until `pick` makes something of one, for up to `timeout`.
    fn read_until<T>(
        &mut self,
        timeout: Duration,
        what: &str,
        mut pick: impl FnMut(&Value) -> Option<Result<T, String>>,
    ) -> Result<T, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!("{what}: nothing in {timeout:?}"));
            }
            let v = self.read(left)?;
            if let Some(r) = pick(&v) {
                return r;
            }
        }
    }

    /// Runs `command` and returns its `return` value; events that arrive meanwhile are dropped.
    pub fn execute(
        &mut self,
        command: &str,
        arguments: Value,
        timeout: Duration,
    ) -> Result<Value, String> {
        let msg = json!({ "execute": command, "arguments": arguments });
        writeln!(self.writer, "{msg}").map_err(|e| format!("QMP {command}: {e}"))?;
        self.read_until(timeout, &format!("QMP {command}"), |v| {
            if let Some(r) = v.get("return") {
                Some(Ok(r.clone()))
            } else {
                v.get("error").map(|e| {
                    Err(format!(
                        "QMP {command}: {}",
                        e["desc"].as_str().unwrap_or("error")
                    ))
                })
            }
        })
    }

    /// Waits for the event `name`.
    pub fn wait_event(&mut self, name: &str, timeout: Duration) -> Result<Value, String> {
        self.read_until(timeout, &format!("QMP event {name}"), |v| {
            (v["event"] == name).then(|| Ok(v.clone()))
        })
    }

    /// Waits until the guest runs (a guest started with `-incoming` first loads its state).
    pub fn wait_running(&mut self, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            let st = self.execute("query-status", json!({}), Duration::from_secs(10))?;
            if st["running"] == true {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "still '{}' after {timeout:?}",
                    st["status"].as_str().unwrap_or("?")
                ));
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Saves the running guest's whole state to `file` (QEMU's migration stream); the guest
    /// is stopped afterwards.
    pub fn save_state(&mut self, file: &Path, timeout: Duration) -> Result<(), String> {
        let uri = format!("exec:cat > '{}'", file.display());
        self.execute("migrate", json!({ "uri": uri }), Duration::from_secs(10))?;
        let deadline = Instant::now() + timeout;
        loop {
            let st = self.execute("query-migrate", json!({}), Duration::from_secs(10))?;
            match st["status"].as_str() {
                Some("completed") => return Ok(()),
                Some("failed") | Some("cancelled") => {
                    return Err(format!(
                        "saving the guest failed: {}",
                        st["error-desc"].as_str().unwrap_or("no reason given")
                    ))
                }
                _ if Instant::now() >= deadline => {
                    return Err(format!("saving the guest took over {timeout:?}"))
                }
                _ => thread::sleep(Duration::from_millis(50)),
            }
        }
    }
}
