// SPDX-License-Identifier: GPL-2.0

//! Rust symbols made readable: v0/legacy names demangled with their crate hash dropped, in a
//! dump's frames, in titles and in the symbolised console (`console/*.sym.log`).

use std::sync::LazyLock;

use regex::Regex;

static SYMBOL_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"_R[0-9A-Za-z_]+").expect("symbol pattern compiles"));

/// A Rust v0/legacy symbol demangled without its hash; other names unchanged.
pub fn demangle(sym: &str) -> String {
    match rustc_demangle::try_demangle(sym) {
        Ok(d) => format!("{d:#}"),
        Err(_) => sym.to_string(),
    }
}

/// The console with every Rust v0 symbol demangled (hash dropped).
pub fn symbolise(lines: &[String]) -> String {
    let mut out = String::new();
    for l in lines {
        out += &SYMBOL_RE.replace_all(l, |c: &regex::Captures| demangle(&c[0]));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demangles_rust_v0_symbols() {
        assert_eq!(
            demangle("_RNvNtNtCsedwKYiE0uvy_13panicgen_main6faults4bugs4warn"),
            "panicgen_main::faults::bugs::warn"
        );
        assert_eq!(demangle("panic"), "panic");
    }

    #[test]
    fn symbolised_console_demangles() {
        let out = symbolise(&[
            "RIP: 0010:_RNvNtNtCsedwKYiE0uvy_13panicgen_main6faults4bugs3bug+0x2/0x10".to_string(),
        ]);
        assert_eq!(out, "RIP: 0010:panicgen_main::faults::bugs::bug+0x2/0x10\n");
    }
}
