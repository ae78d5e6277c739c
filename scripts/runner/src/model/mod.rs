// SPDX-License-Identifier: GPL-2.0

//! The runner's model: everything that is decided, parsed or formatted without touching the
//! world. The guest protocol and the lines it reads, the plan, the facts a run produced, the
//! rules that judge them ([`verdict`]) and the results they make. Nothing here reads a file,
//! starts a process or looks at the clock: the unit tests feed it recorded consoles and drgn
//! outputs, and a test below keeps it that way.

pub mod crash;
pub mod elf_headers;
pub mod facts;
pub mod kconfig;
pub mod ktap;
pub mod lkdtm;
pub mod panic_settings;
pub mod plan;
pub mod protocol;
pub mod pstore;
pub mod results;
pub mod skew;
pub mod symbols;
pub mod timestamp;
pub mod title;
pub mod verdict;

#[cfg(test)]
mod tests {
    use std::{
        fs,
        path::Path, //
    };

    /// What the model's code (its tests aside) may not name: the world, and the layers above.
    const FORBIDDEN: [&str; 14] = [
        "std::fs",
        ".exists()",
        "metadata(",
        "fs::",
        "File::",
        "std::process",
        "Command::new",
        "std::net",
        "Instant",
        "SystemTime",
        "crate::exec",
        "crate::output",
        "crate::tools",
        "crate::cli",
    ];

    fn check(dir: &Path, found: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                check(&path, found);
                continue;
            }
            let text = fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (n, line) in code.lines().enumerate() {
                let line = line.split("//").next().unwrap_or_default();
                for word in FORBIDDEN.iter().filter(|w| line.contains(*w)) {
                    found.push(format!("{}:{}: {word}", path.display(), n + 1));
                }
            }
        }
    }

    #[test]
    fn the_model_does_no_io_and_imports_no_layer_above() {
        let mut found = Vec::new();
        check(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/model"),
            &mut found,
        );
        assert!(found.is_empty(), "{}", found.join("\n"));
    }
}
