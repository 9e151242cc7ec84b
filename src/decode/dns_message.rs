//! Whole DNS messages, written and read with `simple-dns`: the queries `dns_query()`
//! builds, the responses `dns_reply()` derives from a query, the answers a script puts in
//! a response passing through, and the addresses a response carries.
//!
//! `dns.rs` reads the first question of every DNS packet a script asks about, by hand,
//! without allocating for what it skips; this module is for the rarer whole-message work.

use std::net::IpAddr;

use simple_dns::rdata::{A, AAAA, RData};
use simple_dns::{
    CLASS, Name, Packet, PacketFlag, QCLASS, QTYPE, Question, RCODE, ResourceRecord, TYPE,
};

/// The TTL of the answers hark writes, in seconds.
pub const ANSWER_TTL: u32 = 60;

/// The record types a query may name by text; others by number.
const TYPES: [(&str, u16); 11] = [
    ("A", 1),
    ("NS", 2),
    ("CNAME", 5),
    ("SOA", 6),
    ("PTR", 12),
    ("MX", 15),
    ("TXT", 16),
    ("AAAA", 28),
    ("SRV", 33),
    ("HTTPS", 65),
    ("ANY", 255),
];

/// The number of a record type named as dig names it (`A`, `AAAA`, `MX`, …, any case).
pub fn type_number(name: &str) -> Option<u16> {
    TYPES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|&(_, number)| number)
}

/// A standard query for `name`, recursion desired, as Scapy's `DNS(rd=1, qd=DNSQR(…))`.
pub fn query(name: &str, qtype: u16, id: u16) -> Result<Vec<u8>, String> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let qname = Name::new(name).map_err(|_| format!("'{name}' is not a domain name"))?;
    let qtype = QTYPE::try_from(qtype).map_err(|_| format!("{qtype} is not a query type"))?;
    let mut packet = Packet::new_query(id);
    packet.set_flags(PacketFlag::RECURSION_DESIRED);
    packet.questions.push(Question::new(qname, qtype, QCLASS::CLASS(CLASS::IN), false));
    packet.build_bytes_vec().map_err(|e| format!("the query cannot be written: {e}"))
}

/// The response to `query`: its id, question and recursion flag kept; for each address
/// that `lookup` finds for the asked name of the asked type (A or AAAA), one answer;
/// NXDOMAIN when `lookup` knows no such name.
pub fn answer(
    query: &[u8],
    lookup: impl Fn(&str) -> Option<Vec<IpAddr>>,
) -> Result<Vec<u8>, String> {
    let asked = Packet::parse(query).map_err(|_| "the DNS message cannot be read".to_string())?;
    if asked.has_flags(PacketFlag::RESPONSE) {
        return Err("the DNS message is a response, not a query".into());
    }
    let question = asked.questions.first().ok_or("the DNS query has no question")?;
    let mut reply = Packet::new_reply(asked.id());
    let mut flags = PacketFlag::AUTHORITATIVE_ANSWER | PacketFlag::RECURSION_AVAILABLE;
    if asked.has_flags(PacketFlag::RECURSION_DESIRED) {
        flags |= PacketFlag::RECURSION_DESIRED;
    }
    reply.set_flags(flags);
    reply.questions.push(question.clone());
    match lookup(&question.qname.to_string()) {
        None => *reply.rcode_mut() = RCODE::NameError,
        Some(addresses) => {
            reply.answers = records(&question.qname, question.qtype, &addresses);
        }
    }
    reply.build_bytes_vec_compressed().map_err(|e| format!("the response cannot be written: {e}"))
}

/// `response` with its answers replaced by `addresses` for its first question's name:
/// A records for the IPv4 ones and AAAA for the IPv6 ones, whichever the question asked.
pub fn with_answers(response: &[u8], addresses: &[IpAddr]) -> Result<Vec<u8>, String> {
    let mut packet =
        Packet::parse(response).map_err(|_| "the DNS message cannot be read".to_string())?;
    if !packet.has_flags(PacketFlag::RESPONSE) {
        return Err("the DNS message is a query; only a response has answers".into());
    }
    let question = packet.questions.first().ok_or("the DNS response has no question")?.clone();
    packet.answers = records(&question.qname, question.qtype, addresses);
    *packet.rcode_mut() = RCODE::NoError;
    packet.build_bytes_vec_compressed().map_err(|e| format!("the response cannot be written: {e}"))
}

/// The A and AAAA addresses among a message's answers, in order.
pub fn addresses(message: &[u8]) -> Vec<IpAddr> {
    let Ok(packet) = Packet::parse(message) else { return Vec::new() };
    packet
        .answers
        .iter()
        .filter_map(|record| match &record.rdata {
            RData::A(a) => Some(IpAddr::from(a.address.to_be_bytes())),
            RData::AAAA(a) => Some(IpAddr::from(a.address.to_be_bytes())),
            _ => None,
        })
        .collect()
}

/// The response code of a message (0 no error, 3 NXDOMAIN, …).
pub fn rcode(message: &[u8]) -> Option<u8> {
    message.get(3).map(|b| b & 0x0f)
}

/// One record per address that fits the question's type (ANY takes both).
fn records<'a>(name: &Name<'a>, qtype: QTYPE, addresses: &[IpAddr]) -> Vec<ResourceRecord<'a>> {
    let wants = |ty: TYPE| qtype == QTYPE::ANY || qtype == QTYPE::TYPE(ty);
    addresses
        .iter()
        .filter_map(|address| {
            let rdata = match address {
                IpAddr::V4(a) if wants(TYPE::A) => RData::A(A { address: u32::from(*a) }),
                IpAddr::V6(a) if wants(TYPE::AAAA) => RData::AAAA(AAAA { address: u128::from(*a) }),
                _ => return None,
            };
            Some(ResourceRecord::new(name.clone(), CLASS::IN, ANSWER_TTL, rdata))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::decode::dns::tests::QUERY as DIG_QUERY;

    #[test]
    fn a_query_is_what_dig_sends() {
        assert_eq!(query("example.com.", 1, 0x1234).unwrap(), DIG_QUERY);
        assert_eq!(type_number("aaaa"), Some(28));
        assert!(query(&"x".repeat(64), 1, 0).is_err(), "a label is at most 63 bytes");
    }

    #[test]
    fn an_answer_keeps_the_id_and_question_and_carries_the_addresses() {
        let addrs: Vec<IpAddr> =
            vec!["198.18.0.9".parse().unwrap(), "2001:db8::9".parse().unwrap()];
        let reply =
            answer(&DIG_QUERY, |name| (name == "example.com").then(|| addrs.clone())).unwrap();
        let read = super::super::dns::parse(&reply).unwrap();
        assert_eq!(
            (read.id, read.qr, read.qname.as_str(), read.qtype, read.answers),
            (0x1234, true, "example.com", 1, 1)
        );
        assert_eq!(addresses(&reply), [addrs[0]]);
        assert_eq!(rcode(&reply), Some(0));
        let missing = answer(&DIG_QUERY, |_| None).unwrap();
        assert_eq!((rcode(&missing), addresses(&missing).len()), (Some(3), 0));
        let changed = with_answers(&reply, &["198.18.0.1".parse().unwrap()]).unwrap();
        assert_eq!(addresses(&changed), ["198.18.0.1".parse::<IpAddr>().unwrap()]);
    }

    #[test]
    fn messages_cut_anywhere_are_refused_not_a_panic() {
        let reply = answer(&DIG_QUERY, |_| Some(vec!["198.18.0.9".parse().unwrap()])).unwrap();
        for cut in 0..reply.len() {
            let _ = answer(&reply[..cut], |_| None);
            let _ = with_answers(&reply[..cut], &[]);
            let _ = addresses(&reply[..cut]);
        }
    }
}
