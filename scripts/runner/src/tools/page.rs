// SPDX-License-Identifier: GPL-2.0

//! `page`: one results page (`index.html`) for several result sets, e.g. both arches and
//! every kernel target of a `make run` or `make check`.

use std::{
    fs,
    path::{
        Path,
        PathBuf, //
    },
};

use crate::output::{
    html,
    json, //
};

/// Writes `out/index.html` from the `results.json` files `files`, in their order; returns
/// the page's path.
pub fn write_page(files: &[PathBuf], out: &Path) -> Result<PathBuf, String> {
    if files.is_empty() {
        return Err("no results.json to put on the page".into());
    }
    let sets = json::read_all(files)?;
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let dir = fs::canonicalize(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let path = dir.join("index.html");
    fs::write(&path, html::page(&sets, &dir))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}
