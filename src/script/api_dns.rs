//! DNS for scripts: `dns_query(name, type)` builds a query, `dns(blob)` reads a message as
//! `pkt.dns` reads one, `dns_reply(pkt, answers)` answers a query, and `pkt.dns.answers =
//! …` puts other answers in a response passing through.

use std::net::IpAddr;

use rhai::{Array, Blob, Dynamic, Engine, EvalAltResult, ImmutableString, Map};

use super::api_build::answer;
use super::api_edit::replace_payload;
use super::api_packet::ScriptPacket;
use crate::decode::{dns, dns_message, reply};

/// What `pkt.dns` and `dns(blob)` hold: the header and first question, the response code,
/// and the A and AAAA addresses among the answers.
pub fn dns_map(message: &[u8]) -> Option<Map> {
    let q = dns::parse(message)?;
    let mut map = Map::new();
    map.insert("id".into(), Dynamic::from(i64::from(q.id)));
    map.insert("qr".into(), Dynamic::from(q.qr));
    map.insert("qname".into(), ImmutableString::from(q.qname).into());
    map.insert("qtype".into(), Dynamic::from(i64::from(q.qtype)));
    map.insert("answers".into(), Dynamic::from(i64::from(q.answers)));
    let rcode = dns_message::rcode(message).unwrap_or(0);
    map.insert("rcode".into(), Dynamic::from(i64::from(rcode)));
    let addrs: Array = if q.qr && q.answers > 0 {
        dns_message::addresses(message).iter().map(|a| Dynamic::from(a.to_string())).collect()
    } else {
        Array::new()
    };
    map.insert("addrs".into(), Dynamic::from_array(addrs));
    Some(map)
}

type Outcome<T> = Result<T, Box<EvalAltResult>>;

/// Registers the DNS functions and `pkt.dns`'s setter.
pub fn register(engine: &mut Engine) {
    engine.register_fn("dns_query", |name: &str, qtype: Dynamic| build_query(name, &qtype, 0));
    engine.register_fn("dns_query", |name: &str, qtype: Dynamic, id: i64| {
        let id = u16::try_from(id)
            .map_err(|_| format!("dns_query: id {id} is out of range (0 to 65535)"))?;
        build_query(name, &qtype, id)
    });
    engine.register_fn("dns", |message: Blob| {
        dns_map(&message).map_or(Dynamic::UNIT, Dynamic::from_map)
    });
    engine.register_fn("dns_reply", |request: &mut ScriptPacket, answers: Dynamic| {
        let table = Answers::from_script("dns_reply", &answers)?;
        answer("dns_reply", request, |p| reply::dns_reply(p, |name| table.lookup(name)))
    });
    engine.register_set("dns", |p: &mut ScriptPacket, edited: Map| set_answers(p, &edited));
}

fn build_query(name: &str, qtype: &Dynamic, id: u16) -> Outcome<Blob> {
    let number = if let Ok(n) = qtype.as_int() {
        u16::try_from(n).ok()
    } else {
        qtype.clone().into_immutable_string().ok().and_then(|t| dns_message::type_number(&t))
    };
    let number = number.ok_or_else(|| {
        format!(
            "dns_query: {qtype} is not a record type (A, AAAA, PTR, MX, TXT, ANY, … or a number)"
        )
    })?;
    dns_message::query(name, number, id).map_err(|e| format!("dns_query: {e}").into())
}

/// The answers a script gives: one address or a list for every name, or a map from names
/// to an address or a list.
enum Answers {
    Everyone(Vec<IpAddr>),
    ByName(Vec<(String, Vec<IpAddr>)>),
}

impl Answers {
    fn from_script(helper: &str, value: &Dynamic) -> Outcome<Answers> {
        if let Some(map) = value.read_lock::<Map>() {
            let mut names = Vec::new();
            for (name, addrs) in map.iter() {
                names.push((canonical(name), addresses(helper, addrs)?));
            }
            return Ok(Answers::ByName(names));
        }
        Ok(Answers::Everyone(addresses(helper, value)?))
    }

    fn lookup(&self, name: &str) -> Option<Vec<IpAddr>> {
        match self {
            Answers::Everyone(addrs) => Some(addrs.clone()),
            Answers::ByName(names) => {
                let name = canonical(name);
                names.iter().find(|(n, _)| *n == name).map(|(_, addrs)| addrs.clone())
            }
        }
    }
}

/// Names compare as DNS compares them: without case, with or without the final dot.
fn canonical(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// An address as text, or an array of them.
fn addresses(helper: &str, value: &Dynamic) -> Outcome<Vec<IpAddr>> {
    let one = |v: &Dynamic| -> Outcome<IpAddr> {
        v.clone()
            .into_immutable_string()
            .ok()
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| format!("{helper}: {v} is not an IP address").into())
    };
    match value.read_lock::<Array>() {
        Some(list) => list.iter().map(one).collect(),
        None => Ok(vec![one(value)?]),
    }
}

/// `pkt.dns.answers = address or list`: the response's answers replaced.
fn set_answers(pkt: &mut ScriptPacket, edited: &Map) -> Outcome<()> {
    let Some(answers) = edited.get("answers") else { return Ok(()) };
    if answers.is_int() {
        // Read back unchanged (the count): nothing to write.
        return Ok(());
    }
    let addrs = addresses("pkt.dns.answers", answers)?;
    let view = pkt.view();
    let message = view.dns_message().ok_or("pkt.dns.answers: the packet carries no DNS message")?;
    let over_tcp = matches!(view.layers().transport, crate::decode::Transport::Tcp(_));
    let written = dns_message::with_answers(message, &addrs)
        .map_err(|e| format!("pkt.dns.answers = {answers}: {e}"))?;
    drop(view);
    let payload: Blob = if over_tcp {
        let len = u16::try_from(written.len())
            .map_err(|_| "pkt.dns.answers: the response is too long")?;
        len.to_be_bytes().into_iter().chain(written).collect()
    } else {
        written
    };
    replace_payload(pkt, &payload)
}
