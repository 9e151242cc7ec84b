//! The first question of a DNS message (RFC 1035 §4.1), read from one packet.
//!
//! Only the header and the first question are read; a name that runs past the packet's
//! bytes or loops through compression pointers yields nothing rather than a guess.

/// Most labels and pointer hops a name may take before hark calls it malformed.
const MAX_HOPS: usize = 128;
/// RFC 1035 §2.3.4: a name is at most 255 octets on the wire.
const MAX_NAME_LEN: usize = 255;

/// A DNS message's header fields and its first question, borrowed from the packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsQuestion {
    pub id: u16,
    /// True for a response.
    pub qr: bool,
    /// The first query name, dotted, without the final dot; `<Root>` for the root.
    pub qname: String,
    pub qtype: u16,
    /// The answer count from the header.
    pub answers: u16,
}

/// Reads the header and first question of a DNS message.
pub fn parse(msg: &[u8]) -> Option<DnsQuestion> {
    let header = msg.get(..12)?;
    let qdcount = u16::from_be_bytes([header[4], header[5]]);
    if qdcount == 0 {
        return None;
    }
    let (qname, end) = read_name(msg, 12)?;
    let qtype = msg.get(end..end + 2).map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
    Some(DnsQuestion {
        id: u16::from_be_bytes([header[0], header[1]]),
        qr: header[2] & 0x80 != 0,
        qname,
        qtype,
        answers: u16::from_be_bytes([header[6], header[7]]),
    })
}

/// Reads a possibly compressed name at `start`; returns it and the offset after it.
fn read_name(msg: &[u8], start: usize) -> Option<(String, usize)> {
    let mut name = String::new();
    let mut at = start;
    let mut end = None;
    for _ in 0..MAX_HOPS {
        let len = *msg.get(at)?;
        match len >> 6 {
            0 if len == 0 => {
                if name.is_empty() {
                    name.push_str("<Root>");
                }
                return Some((name, end.unwrap_or(at + 1)));
            }
            0 => {
                let label = msg.get(at + 1..at + 1 + usize::from(len))?;
                if !name.is_empty() {
                    name.push('.');
                }
                push_label(&mut name, label);
                if name.len() > MAX_NAME_LEN * 4 {
                    return None;
                }
                at += 1 + usize::from(len);
            }
            3 => {
                let low = *msg.get(at + 1)?;
                end.get_or_insert(at + 2);
                at = usize::from(u16::from_be_bytes([len & 0x3f, low]));
            }
            // 01 and 10 label types are reserved or obsolete (RFC 6891 §5).
            _ => return None,
        }
    }
    None
}

/// Appends a label as text; bytes that are not printable ASCII are written `\xNN`.
fn push_label(name: &mut String, label: &[u8]) {
    for &b in label {
        if b.is_ascii_graphic() || b == b' ' {
            name.push(char::from(b));
        } else {
            name.push_str(&format!("\\x{b:02x}"));
        }
    }
}

/// Whether a port carries DNS or its multicast cousin.
pub fn is_dns_port(port: u16) -> bool {
    port == 53 || port == 5353
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A query for example.com, type A, as `dig` sends it (without EDNS).
    pub(crate) static QUERY: [u8; 29] = [
        0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 7, b'e', b'x',
        b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0, 0x00, 0x01, 0x00, 0x01,
    ];

    #[test]
    fn reads_a_query() {
        let q = parse(&QUERY).unwrap();
        assert_eq!(
            q,
            DnsQuestion {
                id: 0x1234,
                qr: false,
                qname: "example.com".into(),
                qtype: 1,
                answers: 0
            }
        );
    }

    #[test]
    fn root_and_pointers() {
        let mut root = QUERY[..12].to_vec();
        root.extend_from_slice(&[0, 0, 2, 0, 1]);
        assert_eq!(parse(&root).unwrap().qname, "<Root>");

        // A question whose name points back at itself must end, not loop.
        let mut looped = QUERY[..12].to_vec();
        looped.extend_from_slice(&[0xc0, 12]);
        assert_eq!(parse(&looped), None);
    }

    #[test]
    fn every_cut_is_safe() {
        for len in 0..QUERY.len() {
            let q = parse(&QUERY[..len]);
            if len < 25 {
                assert_eq!(q, None, "cut at {len}");
            }
        }
    }
}
