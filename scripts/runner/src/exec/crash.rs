// SPDX-License-Identifier: GPL-2.0

//! Running crash on a vmcore: unstable's crash from its cached chroot (`scripts/debian/
//! chroot.sh`'s `crash` kind), run on the host through that tree's loader, in batch mode with
//! a command file and `exit` last, its input closed, killed at a time limit (crash with an
//! open input never ends). What it printed is judged in [`crate::model::verdict::crash`].

use std::{
    collections::HashSet,
    fs,
    path::{
        Path,
        PathBuf, //
    },
    process::Stdio,
    time::{
        Duration,
        Instant, //
    },
};

use crate::{
    exec::tree_tool,
    model::crash::{
        self,
        CrashFacts, //
    },
};

/// The command file's name, in the run's directory.
const COMMANDS: &str = "crash.commands";

/// How long one crash session may take.
const LIMIT: Duration = Duration::from_secs(180);

/// crash in its tree (a host program, whatever the dumps' arch), and its version line.
#[derive(Clone, Debug)]
pub struct Crash {
    pub root: PathBuf,
    /// Its path in the tree (`usr/bin/crash`; a build for another arch's dumps elsewhere).
    pub program: String,
    /// `crash --version`'s first line (`crash 9.0.2`).
    pub version: String,
    /// The runs whose dump it reads (`--crash-dumps one-per-fault` or `one-per-category`:
    /// [`crate::model::plan::crash_sample`]); `None`: every dump.
    pub only: Option<HashSet<String>>,
}

/// Which dumps crash reads (`--crash-dumps`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CrashDumps {
    /// Every dump drgn could open.
    All,
    /// Each fault's first fatal run's dump (drgn and makedumpfile still read every dump).
    OnePerFault,
    /// Each category's first fatal run's dump (the same).
    OnePerCategory,
}

impl Crash {
    /// The crash `program` of the tree `root`, which must run.
    pub fn find(root: &Path, program: &str) -> Result<Crash, String> {
        let out = tree_tool::command(root, tree_tool::host_arch(), program)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run crash from {}: {e}", root.display()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let version = text
            .lines()
            .map(str::trim)
            .find(|l| crash::version(l).is_some())
            .ok_or_else(|| format!("{}/{program} does not say its version", root.display()))?;
        Ok(Crash {
            root: fs::canonicalize(root).map_err(|e| format!("{}: {e}", root.display()))?,
            program: program.to_string(),
            version: version.to_string(),
            only: None,
        })
    }

    /// Whether crash reads the dump of the run `name`.
    pub fn reads(&self, name: &str) -> bool {
        self.only.as_ref().is_none_or(|o| o.contains(name))
    }

    /// crash's session on `vmcore` with the kernel's `vmlinux`; its files go to `dir`.
    pub fn read(&self, vmlinux: &Path, vmcore: &Path, dir: &Path) -> CrashFacts {
        match self.session(vmlinux, vmcore, dir) {
            Ok((out, err)) => crash::parse(&out, &err),
            Err(why) => CrashFacts {
                error: why,
                ..CrashFacts::default()
            },
        }
    }

    fn session(
        &self,
        vmlinux: &Path,
        vmcore: &Path,
        dir: &Path,
    ) -> Result<(String, String), String> {
        let commands = dir.join(COMMANDS);
        fs::write(&commands, crash::command_file())
            .map_err(|e| format!("cannot write {}: {e}", commands.display()))?;
        // Both to files: a pipe nobody reads until crash exits could fill and stop it.
        let out_path = dir.join("crash.out");
        let err_path = dir.join("crash.err");
        let out = fs::File::create(&out_path).map_err(|e| format!("{e}"))?;
        let err = fs::File::create(&err_path).map_err(|e| format!("{e}"))?;
        // crash reads `NAME@ADDRESS` as a raw memory file at an address: a crash point's
        // run directory (`BUG@SCHEDULE`) is named to crash from inside it, no `@` left.
        let (Some(file), true) = (vmcore.file_name(), vmcore.parent() == Some(dir)) else {
            return Err(format!("{} is not in {}", vmcore.display(), dir.display()));
        };
        let vmlinux =
            fs::canonicalize(vmlinux).map_err(|e| format!("{}: {e}", vmlinux.display()))?;
        let mut child = tree_tool::command(&self.root, tree_tool::host_arch(), &self.program)
            .current_dir(dir)
            .args(crash::OPTIONS)
            .arg("-i")
            .arg(COMMANDS)
            .arg(vmlinux)
            .arg(file)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot run crash: {e}"))?;
        let started = Instant::now();
        let timed_out = loop {
            match child.try_wait() {
                Ok(Some(_)) => break false,
                Ok(None) if started.elapsed() > LIMIT => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break true;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(100)),
                Err(e) => return Err(format!("waiting for crash: {e}")),
            }
        };
        if timed_out {
            return Err(format!("crash did not finish in {} s", LIMIT.as_secs()));
        }
        let read =
            |p: &Path| String::from_utf8_lossy(&fs::read(p).unwrap_or_default()).into_owned();
        Ok((read(&out_path), read(&err_path)))
    }
}
