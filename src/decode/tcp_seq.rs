//! TCP sequence numbers on lines as tcpdump prints them without `-S`: relative to the
//! first numbers a conversation showed with its ACK flag set.
//!
//! tcpdump's rule, kept exactly: the first segment with ACK of a conversation (both
//! directions share it), and any segment with SYN and ACK, records the bases and prints
//! its own numbers whole; later segments print their distance from the bases. Segments
//! without ACK (a first SYN) print whole and change nothing.

use std::collections::HashMap;
use std::net::IpAddr;

/// Conversations remembered at once. Past this, the memory starts again empty, so a
/// conversation seen before prints whole numbers once more (tcpdump's table only grows).
const MOST_CONVERSATIONS: usize = 65_536;

type End = (IpAddr, u16);

/// The bases of each conversation, keyed by its two ends in a fixed order.
#[derive(Clone, Debug, Default)]
pub struct RelativeSeqs {
    bases: HashMap<(End, End), (u32, u32), foldhash::fast::RandomState>,
}

impl RelativeSeqs {
    /// The (seq, ack) to print for a segment from `src` to `dst`, and the base its SACK
    /// blocks are measured from (which, as tcpdump's, is the new base when this segment
    /// sets one, so a first SACK prints relative while its ack prints whole).
    pub fn relative(
        &mut self,
        src: End,
        dst: End,
        seq: u32,
        ack: u32,
        flags: u16,
    ) -> (u32, u32, u32) {
        const SYN: u16 = 0x02;
        const ACK: u16 = 0x10;
        if flags & ACK == 0 {
            return (seq, ack, 0);
        }
        // Both directions of a conversation find the same entry; `reversed` says which
        // way this segment goes, so its seq is measured against its own side's base.
        let reversed = src > dst;
        let key = if reversed { (dst, src) } else { (src, dst) };
        match self.bases.get(&key) {
            Some(&(first_seq, first_ack)) if flags & SYN == 0 => {
                let (seq_base, ack_base) =
                    if reversed { (first_ack, first_seq) } else { (first_seq, first_ack) };
                (seq.wrapping_sub(seq_base), ack.wrapping_sub(ack_base), ack_base)
            }
            _ => {
                if self.bases.len() >= MOST_CONVERSATIONS && !self.bases.contains_key(&key) {
                    self.bases.clear();
                }
                let bases =
                    if reversed { (ack.wrapping_sub(1), seq) } else { (seq, ack.wrapping_sub(1)) };
                self.bases.insert(key, bases);
                (seq, ack, ack.wrapping_sub(1))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handshake_and_its_data_read_as_tcpdump_prints_them() {
        let client = ("198.18.0.1".parse().unwrap(), 30000);
        let server = ("198.18.3.232".parse().unwrap(), 22);
        let mut seqs = RelativeSeqs::default();
        // The numbers of the mix's first conversation, and tcpdump -nn's for them.
        assert_eq!(seqs.relative(client, server, 0, 0, 0x02), (0, 0, 0));
        assert_eq!(seqs.relative(server, client, 7, 1, 0x12), (7, 1, 0));
        assert_eq!(seqs.relative(client, server, 1, 8, 0x18), (1, 1, 7));
        assert_eq!(seqs.relative(server, client, 8, 60, 0x10), (1, 60, 0));
    }
}
