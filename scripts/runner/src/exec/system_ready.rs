// SPDX-License-Identifier: GPL-2.0

//! A booting distribution system made ready for a fault, through its guest agent: up in
//! multi-user mode, kdump-tools ready to capture (with the run's MAKEDUMP_ARGS if one is
//! asked for), panicgen loaded; and what it runs ([`SystemInfo`]). Both the system that is
//! saved and a run that boots its own system go through it.

use std::time::Duration;

use crate::exec::qga::Agent;

/// What the runner asked the system about its kernel and its capture.
#[derive(Clone, Debug, Default)]
pub struct SystemInfo {
    /// `uname -r`.
    pub release: String,
    /// `makedumpfile -v`'s first line.
    pub makedumpfile: String,
    /// kdump-tools' MAKEDUMP_ARGS (its default when unset).
    pub makedump_args: String,
}

impl SystemInfo {
    /// The makedumpfile dump level in MAKEDUMP_ARGS (`-d N`; makedumpfile's default 0).
    pub fn level(&self) -> String {
        let words: Vec<&str> = self.makedump_args.split_whitespace().collect();
        words
            .windows(2)
            .find(|w| w[0] == "-d")
            .map_or("0".into(), |w| w[1].to_string())
    }
}

/// How long a booting system may take for each step under TCG.
pub const STEP: Duration = Duration::from_secs(600);

/// Waits for the agent, a running system and kdump loaded; sets kdump-tools'
/// MAKEDUMP_ARGS if asked (before kdump-tools' service reads it: the wait for a running
/// system comes after); loads panicgen; asks what the system runs.
pub fn ready(a: &mut Agent, makedump_args: Option<&str>) -> Result<SystemInfo, String> {
    a.wait_ready(STEP)?;
    if let Some(args) = makedump_args {
        let set = format!(
            "sed -i '/^#*MAKEDUMP_ARGS=/c MAKEDUMP_ARGS=\"{args}\"' /etc/default/kdump-tools"
        );
        a.run(&["/bin/sh", "-c", &set], STEP)?;
    }
    let up = a.run(&["systemctl", "is-system-running", "--wait"], STEP)?;
    let kdump = a.run(&["kdump-config", "status"], STEP)?;
    if !kdump.stdout.contains("ready to kdump") {
        return Err(format!(
            "kdump-tools is not ready after the boot (system {}): {}",
            up.stdout.trim(),
            kdump.stdout.trim()
        ));
    }
    let modprobe = a.run(&["modprobe", "panicgen"], STEP)?;
    if modprobe.status != Some(0) {
        return Err(format!(
            "modprobe panicgen failed in the system: {}",
            modprobe.stderr.trim()
        ));
    }
    let mut ask = |command: &str| -> Result<String, String> {
        Ok(a.run(&["/bin/sh", "-c", command], STEP)?
            .stdout
            .trim()
            .to_string())
    };
    Ok(SystemInfo {
        release: ask("uname -r")?,
        makedumpfile: ask("makedumpfile -v 2>&1 | head -n 1")?,
        // kdump-config's own default when the file sets none.
        makedump_args: ask(". /etc/default/kdump-tools; echo \"${MAKEDUMP_ARGS:--c -d 31}\"")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_is_makedumpfiles() {
        let info = |args: &str| SystemInfo {
            makedump_args: args.into(),
            ..SystemInfo::default()
        };
        assert_eq!(info("-c -d 31").level(), "31");
        assert_eq!(info("-c -d 23 --message-level 7").level(), "23");
        assert_eq!(info("-c").level(), "0");
    }
}
