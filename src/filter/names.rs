//! Numbers, addresses and the names pcap-filter(7) knows: services, IP protocols,
//! ethertypes and the byte-offset constants (`tcpflags`, `tcp-syn`, `icmp-echo`, …).
//!
//! Service and protocol names come from a fixed table rather than /etc/services, so that
//! an expression means the same on every machine.

use std::net::Ipv4Addr;

use crate::decode::wifi;

/// A number as libpcap reads one: decimal, `0x` hex, or octal with a leading `0`.
pub fn number(text: &str) -> Option<u32> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16).ok();
    }
    if text.len() > 1 && text.starts_with('0') {
        return u32::from_str_radix(&text[1..], 8).ok();
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A dotted IPv4 address of one to four parts, left-aligned, and how many parts it had.
pub fn ipv4(text: &str) -> Option<(Ipv4Addr, u32)> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut value: u32 = 0;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let octet: u8 = part.parse().ok()?;
        value |= u32::from(octet) << (24 - 8 * i);
    }
    Some((Ipv4Addr::from(value), parts.len() as u32))
}

/// A MAC address: six groups of one or two hex digits split by `:`, `-` or `.`, or
/// three groups of four split by `.`.
pub fn mac(text: &str) -> Option<[u8; 6]> {
    let hex = |g: &str| u8::from_str_radix(g, 16).ok();
    let mut out = [0u8; 6];
    for sep in [':', '-', '.'] {
        let groups: Vec<&str> = text.split(sep).collect();
        if groups.len() == 6 && groups.iter().all(|g| (1..=2).contains(&g.len())) {
            for (slot, g) in out.iter_mut().zip(&groups) {
                *slot = hex(g)?;
            }
            return Some(out);
        }
    }
    let groups: Vec<&str> = text.split('.').collect();
    if groups.len() == 3 && groups.iter().all(|g| g.len() == 4) {
        for (i, g) in groups.iter().enumerate() {
            let v = u16::from_str_radix(g, 16).ok()?;
            out[2 * i..2 * i + 2].copy_from_slice(&v.to_be_bytes());
        }
        return Some(out);
    }
    None
}

/// A port number or a well-known service name.
pub fn port(text: &str) -> Option<u16> {
    if let Some(n) = number(text) {
        return u16::try_from(n).ok();
    }
    Some(match text {
        "echo" => 7,
        "discard" => 9,
        "daytime" => 13,
        "ftp-data" => 20,
        "ftp" => 21,
        "ssh" => 22,
        "telnet" => 23,
        "smtp" => 25,
        "time" => 37,
        "whois" => 43,
        "tacacs" => 49,
        "domain" => 53,
        "bootps" => 67,
        "bootpc" => 68,
        "tftp" => 69,
        "gopher" => 70,
        "finger" => 79,
        "http" | "www" => 80,
        "kerberos" => 88,
        "pop3" => 110,
        "sunrpc" => 111,
        "auth" => 113,
        "nntp" => 119,
        "ntp" => 123,
        "netbios-ns" => 137,
        "netbios-dgm" => 138,
        "netbios-ssn" => 139,
        "imap" | "imap2" => 143,
        "snmp" => 161,
        "snmp-trap" => 162,
        "bgp" => 179,
        "irc" => 194,
        "ldap" => 389,
        "https" => 443,
        "microsoft-ds" => 445,
        "isakmp" => 500,
        "syslog" => 514,
        "submission" => 587,
        "ldaps" => 636,
        "imaps" => 993,
        "pop3s" => 995,
        "openvpn" => 1194,
        "radius" => 1812,
        "nfs" => 2049,
        "mysql" => 3306,
        "rdp" | "ms-wbt-server" => 3389,
        "sip" => 5060,
        "mdns" => 5353,
        "postgresql" => 5432,
        "x11" => 6000,
        _ => return None,
    })
}

/// An IP protocol number by name (`tcp`, `udp`, `gre`, …).
pub fn ip_protocol(text: &str) -> Option<u8> {
    Some(match text {
        "icmp" => 1,
        "igmp" => 2,
        "ipip" => 4,
        "tcp" => 6,
        "egp" => 8,
        "udp" => 17,
        "ip6" | "ipv6" => 41,
        "rsvp" => 46,
        "gre" => 47,
        "esp" => 50,
        "ah" => 51,
        "icmp6" => 58,
        "ospf" => 89,
        "pim" => 103,
        "vrrp" => 112,
        "sctp" => 132,
        _ => return None,
    })
}

/// An ethertype by name (`ip`, `ip6`, `arp`, …).
pub fn ethertype(text: &str) -> Option<u16> {
    Some(match text {
        "ip" => 0x0800,
        "arp" => 0x0806,
        "rarp" => 0x8035,
        "ip6" => 0x86dd,
        "atalk" => 0x809b,
        "aarp" => 0x80f3,
        "decnet" => 0x6003,
        "lat" => 0x6004,
        "sca" => 0x6007,
        "moprc" => 0x6002,
        "mopdl" => 0x6001,
        "ipx" => 0x8137,
        _ => return None,
    })
}

/// The named constants of pcap-filter(7) for byte offsets and field values.
pub fn constant(text: &str) -> Option<u32> {
    Some(match text {
        "tcpflags" => 13,
        "tcp-fin" => 0x01,
        "tcp-syn" => 0x02,
        "tcp-rst" => 0x04,
        "tcp-push" => 0x08,
        "tcp-ack" => 0x10,
        "tcp-urg" => 0x20,
        "tcp-ece" => 0x40,
        "tcp-cwr" => 0x80,
        "icmptype" | "icmp6type" => 0,
        "icmpcode" | "icmp6code" => 1,
        "icmp-echoreply" => 0,
        "icmp-unreach" => 3,
        "icmp-sourcequench" => 4,
        "icmp-redirect" => 5,
        "icmp-echo" => 8,
        "icmp-routeradvert" => 9,
        "icmp-routersolicit" => 10,
        "icmp-timxceed" => 11,
        "icmp-paramprob" => 12,
        "icmp-tstamp" => 13,
        "icmp-tstampreply" => 14,
        "icmp-ireq" => 15,
        "icmp-ireqreply" => 16,
        "icmp-maskreq" => 17,
        "icmp-maskreply" => 18,
        "icmp6-destinationunreach" => 1,
        "icmp6-packettoobig" => 2,
        "icmp6-timeexceeded" => 3,
        "icmp6-parameterproblem" => 4,
        "icmp6-echo" => 128,
        "icmp6-echoreply" => 129,
        "icmp6-multicastlistenerquery" => 130,
        "icmp6-multicastlistenerreportv1" => 131,
        "icmp6-multicastlistenerdone" => 132,
        "icmp6-routersolicit" => 133,
        "icmp6-routeradvert" => 134,
        "icmp6-neighborsolicit" => 135,
        "icmp6-neighboradvert" => 136,
        "icmp6-redirect" => 137,
        "icmp6-routerrenum" => 138,
        "icmp6-nodeinformationquery" => 139,
        "icmp6-nodeinformationresponse" => 140,
        "icmp6-ineighbordiscoverysolicit" => 141,
        "icmp6-ineighbordiscoveryadvert" => 142,
        "icmp6-multicastlistenerreportv2" => 143,
        "icmp6-homeagentdiscoveryrequest" => 144,
        "icmp6-homeagentdiscoveryreply" => 145,
        "icmp6-mobileprefixsolicit" => 146,
        "icmp6-mobileprefixadvert" => 147,
        "icmp6-certpathsolicit" => 148,
        "icmp6-certpathadvert" => 149,
        "icmp6-multicastrouteradvert" => 151,
        "icmp6-multicastroutersolicit" => 152,
        "icmp6-multicastrouterterm" => 153,
        _ => return None,
    })
}

/// An 802.11 frame type by name (`type mgt`), as frame control's type bits (0x0c).
pub fn wlan_type(word: &str) -> Option<u8> {
    let kind = match word.to_ascii_lowercase().as_str() {
        "mgt" | "management" => wifi::TYPE_MGMT,
        "ctl" | "control" => wifi::TYPE_CTRL,
        "data" => wifi::TYPE_DATA,
        _ => return None,
    };
    Some(kind << 2)
}

/// An 802.11 subtype by name, within one type (`type data subtype qos-data`) or, when
/// `kind` is `None`, the first type that has it (`subtype beacon`): the type and subtype
/// bits of frame control's first byte.
pub fn wlan_subtype(kind: Option<u8>, word: &str) -> Option<u8> {
    let word = word.to_ascii_lowercase();
    // pcap-filter(7)'s other spellings.
    let word = match word.as_str() {
        "assocreq" => "assoc-req",
        "assocresp" => "assoc-resp",
        "reassocreq" => "reassoc-req",
        "reassocresp" => "reassoc-resp",
        "probereq" => "probe-req",
        "proberesp" => "probe-resp",
        "disassociation" => "disassoc",
        "authentication" => "auth",
        "deauthentication" => "deauth",
        other => other,
    };
    let kinds: &[u8] = match kind {
        Some(bits) => &[bits >> 2],
        None => &[wifi::TYPE_MGMT, wifi::TYPE_CTRL, wifi::TYPE_DATA],
    };
    kinds.iter().find_map(|&k| {
        wifi::SUBTYPE_NAMES
            .iter()
            .find(|(t, _, name)| *t == k && *name == word)
            .map(|(t, s, _)| (s << 4) | (t << 2))
    })
}

/// An 802.11 direction by name (`dir tods`): frame control's DS bits.
pub fn wlan_dir(word: &str) -> Option<u8> {
    Some(match word.to_ascii_lowercase().as_str() {
        "nods" => 0,
        "tods" => 1,
        "fromds" => 2,
        "dstods" => 3,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_three_bases() {
        assert_eq!(number("53"), Some(53));
        assert_eq!(number("0x86dd"), Some(0x86dd));
        assert_eq!(number("010"), Some(8));
        assert_eq!(number("0"), Some(0));
        assert_eq!(number("09"), None);
        assert_eq!(number("4294967296"), None);
    }

    #[test]
    fn short_addresses_are_left_aligned() {
        assert_eq!(ipv4("10"), Some((Ipv4Addr::new(10, 0, 0, 0), 1)));
        assert_eq!(ipv4("192.168.1"), Some((Ipv4Addr::new(192, 168, 1, 0), 3)));
        assert_eq!(ipv4("1.2.3.256"), None);
        assert_eq!(ipv4("1.2.3.4.5"), None);
    }

    #[test]
    fn mac_spellings() {
        let want = Some([0, 0x1b, 0x21, 0xaa, 0xbb, 0x0c]);
        assert_eq!(mac("00:1b:21:aa:bb:0c"), want);
        assert_eq!(mac("0:1b:21:aa:bb:c"), want);
        assert_eq!(mac("00-1b-21-aa-bb-0c"), want);
        assert_eq!(mac("001b.21aa.bb0c"), want);
        assert_eq!(mac("00:1b:21:aa:bb"), None);
    }
}
