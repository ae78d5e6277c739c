// SPDX-License-Identifier: GPL-2.0

//! A host-side dump's ELF headers laid out as makedumpfile reads them. QEMU (7.2) writes
//! `dump-guest-memory`'s section headers first and its program headers after them;
//! makedumpfile up to 1.7.x looks for the program headers right after the ELF header and
//! fails ("Can't get the number of PT_LOAD"), and so would a distribution's kdump tests on
//! such a dump. Swapping the two tables (the same bytes, every offset into the memory and
//! notes unchanged) makes the dump one every reader takes.

/// The ELF64 header's size.
const EHSIZE: usize = 64;

fn u16_at(h: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes([h[at], h[at + 1]]))
}

fn u64_at(h: &[u8], at: usize) -> usize {
    let mut b = [0u8; 8];
    b.copy_from_slice(&h[at..at + 8]);
    usize::try_from(u64::from_le_bytes(b)).unwrap_or(usize::MAX)
}

/// Moves the program headers of the little-endian ELF64 file starting with `head` to right
/// after the ELF header, the section headers after them, when the section headers come
/// first and both tables lie in `head`; returns whether it moved them.
pub fn program_headers_first(head: &mut [u8]) -> bool {
    if head.len() < EHSIZE || head[..4] != *b"\x7fELF" || head[4] != 2 || head[5] != 1 {
        return false;
    }
    let (phoff, shoff) = (u64_at(head, 32), u64_at(head, 40));
    let (phentsize, phnum) = (u16_at(head, 54), u16_at(head, 56));
    let (shentsize, shnum) = (u16_at(head, 58), u16_at(head, 60));
    let (ph_len, sh_len) = (phentsize * phnum, shentsize * shnum);
    // PN_XNUM: the count is in the first section header, which must stay readable where
    // the tools look for it; such a dump is left as it is.
    if phnum == 0xffff || shoff != EHSIZE || phoff != EHSIZE + sh_len || phoff + ph_len > head.len()
    {
        return false;
    }
    let ph = head[phoff..phoff + ph_len].to_vec();
    let sh = head[shoff..shoff + sh_len].to_vec();
    head[EHSIZE..EHSIZE + ph_len].copy_from_slice(&ph);
    head[EHSIZE + ph_len..EHSIZE + ph_len + sh_len].copy_from_slice(&sh);
    head[32..40].copy_from_slice(&(EHSIZE as u64).to_le_bytes());
    head[40..48].copy_from_slice(&((EHSIZE + ph_len) as u64).to_le_bytes());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QEMU's layout: 2 section headers (64 bytes each) at 64, 3 program headers (56 bytes
    /// each) at 192.
    fn qemu_head() -> Vec<u8> {
        let mut h = vec![0u8; 4096];
        h[..6].copy_from_slice(b"\x7fELF\x02\x01");
        h[32..40].copy_from_slice(&192u64.to_le_bytes());
        h[40..48].copy_from_slice(&64u64.to_le_bytes());
        h[54..56].copy_from_slice(&56u16.to_le_bytes());
        h[56..58].copy_from_slice(&3u16.to_le_bytes());
        h[58..60].copy_from_slice(&64u16.to_le_bytes());
        h[60..62].copy_from_slice(&2u16.to_le_bytes());
        h[64..192].fill(0xaa);
        h[192..360].fill(0xbb);
        h
    }

    #[test]
    fn section_headers_first_are_swapped_and_nothing_else_moves() {
        let mut h = qemu_head();
        assert!(program_headers_first(&mut h));
        assert_eq!(u64_at(&h, 32), 64);
        assert_eq!(u64_at(&h, 40), 64 + 168);
        assert!(h[64..232].iter().all(|&b| b == 0xbb));
        assert!(h[232..360].iter().all(|&b| b == 0xaa));
        assert!(h[360..].iter().all(|&b| b == 0));
        assert!(!program_headers_first(&mut h), "already in order");
    }

    #[test]
    fn anything_else_is_left_alone() {
        let mut h = qemu_head();
        h[56..58].copy_from_slice(&0xffffu16.to_le_bytes());
        let before = h.clone();
        assert!(!program_headers_first(&mut h));
        assert_eq!(h, before);
        assert!(!program_headers_first(&mut b"not an elf".to_vec()));
    }
}
