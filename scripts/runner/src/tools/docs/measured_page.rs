// SPDX-License-Identifier: GPL-2.0

//! A page generated from the code and from test runs (Documentation/dump-levels.rst,
//! crash-points.rst). What runs measured differs from run to run (dump sizes, addresses, the
//! path that reached a probe first), so it follows a marker line, after everything the code
//! says. `make docs` regenerates the part before the marker and keeps the rest
//! (`--keep-measured`); `make check` compares that with the tracked page, so it fails on a
//! page the code has moved away from and never on a run's timing; `make dump-levels-doc` and
//! `make points-doc` write the measured part from new results.

use std::{
    fs,
    path::{
        Path,
        PathBuf, //
    },
};

use crate::{
    model::results::Results,
    output::json, //
};

/// The line between what the code says and what runs measured (an rST comment).
pub const MARKER: &str = ".. Measured: below, what test runs found, which differs from run to \
                          run; make check compares only what is above this line.";

/// The arguments of a page's subcommand.
#[derive(clap::Args, Debug)]
pub struct PageArgs {
    /// Keep the measured part of this page as it stands and regenerate only what comes from
    /// the code (`make docs`, and `make check`'s comparison).
    #[arg(
        long,
        value_name = "PAGE",
        conflicts_with = "files",
        required_unless_present = "files"
    )]
    pub keep_measured: Option<PathBuf>,
    /// The results.json files of the runs the page reports, in the page's order.
    pub files: Vec<PathBuf>,
}

/// A generated page.
pub struct Page {
    /// Everything the code says: the page up to the marker.
    pub code: fn() -> String,
    /// The measured part, from the runs' results.
    pub measured: fn(&[Results]) -> String,
    /// What writes the measured part of the page, for a page that has none.
    pub remedy: &'static str,
}

/// The page: the code's part, the marker, the measured part.
pub fn join(code: &str, measured: &str) -> String {
    format!("{code}{MARKER}\n\n{measured}")
}

/// The measured part of a page: what follows its marker.
pub fn measured_part(page: &str) -> Option<&str> {
    let (_, rest) = page.split_once(&format!("{MARKER}\n"))?;
    Some(rest.strip_prefix('\n').unwrap_or(rest))
}

fn keep(path: &Path, remedy: &str) -> Result<String, String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    measured_part(&text).map(str::to_string).ok_or_else(|| {
        format!(
            "{} has no measured part (no line '{MARKER}'): {remedy}",
            path.display()
        )
    })
}

impl PageArgs {
    /// The page, its measured part from the results or kept from the page named.
    pub fn render(&self, page: &Page) -> Result<String, String> {
        let measured = match &self.keep_measured {
            Some(path) => keep(path, page.remedy)?,
            None => (page.measured)(&json::read_all(&self.files)?),
        };
        Ok(join(&(page.code)(), &measured))
    }

    /// Prints the page.
    pub fn print(&self, page: &Page) -> Result<bool, String> {
        print!("{}", self.render(page)?);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::results::tests::sample;

    const PAGE: Page = Page {
        code: || "Title\n=====\n\n".to_string(),
        measured: |sets| format!("{} sets, first {}\n", sets.len(), sets[0].arch),
        remedy: "run make measure",
    };

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("panicgen-page-{}-{name}", std::process::id()))
    }

    #[test]
    fn the_measured_part_follows_the_marker() {
        let page = join("code\n\n", "measured\n");
        assert_eq!(page, format!("code\n\n{MARKER}\n\nmeasured\n"));
        assert_eq!(measured_part(&page), Some("measured\n"));
        assert_eq!(measured_part("code\n\nmeasured\n"), None);
    }

    #[test]
    fn the_code_part_is_new_and_the_measured_part_kept() {
        let old = temp("old.rst");
        fs::write(
            &old,
            join("Old title\n=========\n\n", "4 sets, first arm64\n"),
        )
        .unwrap();
        let args = PageArgs {
            keep_measured: Some(old.clone()),
            files: Vec::new(),
        };
        assert_eq!(
            args.render(&PAGE).unwrap(),
            join("Title\n=====\n\n", "4 sets, first arm64\n")
        );
        fs::write(&old, "Old title\n").unwrap();
        let err = args.render(&PAGE).unwrap_err();
        assert!(err.contains("no measured part") && err.ends_with("run make measure"));
        let _ = fs::remove_file(&old);
    }

    #[test]
    fn results_make_a_new_measured_part() {
        let dir = temp("results");
        json::write(&sample(), &dir).unwrap();
        let args = PageArgs {
            keep_measured: None,
            files: vec![dir.join("results.json")],
        };
        assert_eq!(
            args.render(&PAGE).unwrap(),
            join("Title\n=====\n\n", "1 sets, first x86_64\n")
        );
        let _ = fs::remove_dir_all(&dir);
    }
}
