// SPDX-License-Identifier: GPL-2.0

//! The numbers the module's C side shares with the catalog, held to it at compile time: each
//! `#define` of `src/panicgen.h` below is read from the header as the compiler sees it, and
//! must equal the catalog's value, so that neither side can change alone (the module and the
//! runner both fail to build).

use super::{
    interfaces::{
        Debugfs,
        Lockdown, //
    },
    Context,
    MAX_SYMBOL_LEN, //
};

/// The C header, as the module's C files include it.
const HEADER: &[u8] = include_bytes!("../panicgen.h");

/// Whether `text[at..]` starts with `prefix`, then `name` in upper case, then a blank.
const fn defines_at(text: &[u8], at: usize, prefix: &[u8], name: &[u8]) -> bool {
    let end = at + prefix.len() + name.len();
    if end >= text.len() {
        return false;
    }
    let mut i = 0;
    while i < prefix.len() {
        if text[at + i] != prefix[i] {
            return false;
        }
        i += 1;
    }
    let mut j = 0;
    while j < name.len() {
        if text[at + prefix.len() + j] != name[j].to_ascii_uppercase() {
            return false;
        }
        j += 1;
    }
    text[end] == b' ' || text[end] == b'\t'
}

/// The decimal value of `#define <prefix><NAME> <value>` in [`HEADER`], `NAME` being `name`
/// in upper case. A header without it fails the build.
const fn define(prefix: &[u8], name: &[u8]) -> u32 {
    let mut at = 0;
    while at < HEADER.len() {
        if (at == 0 || HEADER[at - 1] == b'\n') && defines_at(HEADER, at, prefix, name) {
            let mut i = at + prefix.len() + name.len();
            while HEADER[i] == b' ' || HEADER[i] == b'\t' {
                i += 1;
            }
            let mut value = 0;
            let mut digits = 0;
            while i < HEADER.len() && HEADER[i].is_ascii_digit() {
                value = value * 10 + (HEADER[i] - b'0') as u32;
                digits += 1;
                i += 1;
            }
            assert!(
                digits > 0,
                "a #define of src/panicgen.h has no decimal value"
            );
            return value;
        }
        at += 1;
    }
    panic!("src/panicgen.h lacks a #define the catalog shares with it")
}

// Every context's number (`PANICGEN_CTX_<NAME>`), and the longest function name `at=` takes.
const _: () = {
    let mut i = 0;
    while i < Context::ALL.len() {
        let ctx = Context::ALL[i];
        assert!(
            define(b"#define PANICGEN_CTX_", ctx.name().as_bytes()) == ctx.number(),
            "a context's number differs between the catalog and src/panicgen.h"
        );
        i += 1;
    }
    assert!(define(b"#define PANICGEN_AT_SYMBOL_", b"max") as usize == MAX_SYMBOL_LEN);
    // The debugfs trigger's states and the lockdown levels (lockdown.c), by their names.
    assert!(define(b"#define PANICGEN_DEBUGFS_", b"open") == Debugfs::Works as u32);
    assert!(define(b"#define PANICGEN_DEBUGFS_", b"locked") == Debugfs::Locked as u32);
    assert!(define(b"#define PANICGEN_DEBUGFS_", b"off") == Debugfs::Off as u32);
    let mut i = 0;
    while i < Lockdown::ALL.len() {
        let level = Lockdown::ALL[i];
        assert!(
            define(b"#define PANICGEN_LOCKDOWN_", level.name().as_bytes()) == level as u32,
            "a lockdown level's number differs between the catalog and src/panicgen.h"
        );
        i += 1;
    }
};
