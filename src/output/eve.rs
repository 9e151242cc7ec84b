//! EVE JSON lines, in Suricata's key names and a fixed key order.
//!
//! One function per `event_type` appends one line to a reused buffer. Keys are written by
//! hand in a fixed order; strings go through serde_json for escaping.

use std::io::Write;

use crate::decode::summary::{push_ip, push_mac, push_padded, push_u64};
use crate::decode::wifi::{Field, Wifi};
use crate::decode::{Packet, ProtoName};
use crate::event::{Alert, Notice};
use crate::output::stats::Stats;
use crate::source::Timestamp;

/// Formats timestamps as `2026-11-22T10:00:00.123456+0000`, reusing the date part within
/// a second (the calendar arithmetic is most of the cost).
///
/// It also carries the capture interface's name, which every packet's event names as
/// `in_iface` when capturing live.
#[derive(Default)]
pub struct Clock {
    second: Option<i64>,
    prefix: Vec<u8>,
    /// `"in_iface":"NAME",` ready to append, when capturing live.
    in_iface: Vec<u8>,
}

impl Clock {
    /// Names `interface` in every event about a packet from now on.
    pub fn set_interface(&mut self, interface: &str) {
        self.in_iface.clear();
        self.in_iface.extend_from_slice(b",\"in_iface\":");
        push_str(&mut self.in_iface, interface);
    }

    /// Appends the EVE timestamp of `ts` (UTC, microseconds).
    pub fn write(&mut self, out: &mut Vec<u8>, ts: Timestamp) {
        if self.second != Some(ts.secs) {
            self.second = Some(ts.secs);
            self.prefix.clear();
            let stamp =
                jiff::Timestamp::from_second(ts.secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
            let _ = write!(self.prefix, "{}", stamp.strftime("%Y-%m-%dT%H:%M:%S"));
        }
        out.extend_from_slice(&self.prefix);
        out.push(b'.');
        push_padded(out, ts.nanos / 1000, 6);
        out.extend_from_slice(b"+0000");
    }
}

/// Writes the keys every event shares: timestamp, event_type, pcap_cnt and the flow's
/// addresses, ports and protocol where the packet has them.
fn write_common(
    out: &mut Vec<u8>,
    clock: &mut Clock,
    pkt: &Packet<'_>,
    number: u64,
    event_type: &str,
) {
    out.extend_from_slice(b"{\"timestamp\":\"");
    clock.write(out, pkt.frame().ts);
    out.extend_from_slice(b"\",\"event_type\":\"");
    out.extend_from_slice(event_type.as_bytes());
    out.extend_from_slice(b"\",\"pcap_cnt\":");
    push_u64(out, number);
    out.extend_from_slice(&clock.in_iface);
    let ports = pkt.ports();
    if let Some(src) = pkt.src_ip() {
        out.extend_from_slice(b",\"src_ip\":\"");
        push_ip(out, src);
        out.push(b'"');
    }
    if let Some((sport, _)) = ports {
        out.extend_from_slice(b",\"src_port\":");
        push_u64(out, u64::from(sport));
    }
    if let Some(dst) = pkt.dst_ip() {
        out.extend_from_slice(b",\"dest_ip\":\"");
        push_ip(out, dst);
        out.push(b'"');
    }
    if let Some((_, dport)) = ports {
        out.extend_from_slice(b",\"dest_port\":");
        push_u64(out, u64::from(dport));
    }
    match pkt.proto_name() {
        Some(ProtoName::Named(name)) => {
            out.extend_from_slice(b",\"proto\":\"");
            out.extend_from_slice(name.as_bytes());
            out.push(b'"');
        }
        Some(ProtoName::Number(n)) => {
            out.extend_from_slice(b",\"proto\":\"");
            push_u64(out, u64::from(n));
            out.push(b'"');
        }
        None => {}
    }
}

/// Appends an `event_type:"packet"` line.
pub fn write_packet(out: &mut Vec<u8>, clock: &mut Clock, pkt: &Packet<'_>, number: u64) {
    write_common(out, clock, pkt, number, "packet");
    let frame = pkt.frame();
    out.extend_from_slice(b",\"len\":");
    push_u64(out, u64::from(frame.orig_len));
    out.extend_from_slice(b",\"caplen\":");
    push_u64(out, frame.data.len() as u64);
    let layers = pkt.layers();
    if let Some(wifi) = pkt.wifi() {
        write_wifi(out, &wifi);
    }
    if let Some(eth) = &layers.eth {
        out.extend_from_slice(b",\"eth_src\":\"");
        push_mac(out, &eth.source());
        out.extend_from_slice(b"\",\"eth_dst\":\"");
        push_mac(out, &eth.destination());
        out.push(b'"');
    }
    if !layers.vlans.is_empty() {
        out.extend_from_slice(b",\"vlan\":[");
        for (i, tag) in layers.vlans.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_u64(out, u64::from(tag.id));
        }
        out.push(b']');
    }
    if let Some(arp) = pkt.arp() {
        out.extend_from_slice(b",\"arp_op\":");
        push_u64(out, u64::from(arp.operation));
    }
    if let Some(ttl) = pkt.ip_ttl() {
        out.extend_from_slice(b",\"ip_ttl\":");
        push_u64(out, u64::from(ttl));
    }
    if let Some(flags) = pkt.tcp_flags() {
        out.extend_from_slice(b",\"tcp_flags\":\"");
        push_hex(out, flags);
        out.push(b'"');
    }
    if let Some(seq) = pkt.tcp_seq() {
        out.extend_from_slice(b",\"tcp_seq\":");
        push_u64(out, u64::from(seq));
    }
    if let Some((t, code)) = pkt.icmp_type_code() {
        out.extend_from_slice(b",\"icmp_type\":");
        push_u64(out, u64::from(t));
        if let Some(c) = code {
            out.extend_from_slice(b",\"icmp_code\":");
            push_u64(out, u64::from(c));
        }
    }
    out.extend_from_slice(if pkt.truncated() {
        b",\"truncated\":true"
    } else {
        b",\"truncated\":false"
    });
    if let Some(q) = pkt.dns() {
        out.extend_from_slice(b",\"dns\":{\"rrname\":");
        push_str(out, &q.qname);
        out.push(b'}');
    }
    if let Some(host) = pkt.http().and_then(|r| r.host) {
        out.extend_from_slice(b",\"http\":{\"hostname\":");
        push_str(out, host);
        out.push(b'}');
    }
    if let Some(sni) = pkt.tls_sni() {
        out.extend_from_slice(b",\"tls\":{\"sni\":");
        push_str(out, sni);
        out.push(b'}');
    }
    out.extend_from_slice(b"}\n");
}

/// Appends the `wifi` object: hark's own key, named as scripts name the fields.
fn write_wifi(out: &mut Vec<u8>, wifi: &Wifi<'_>) {
    let fields = wifi.fields();
    if fields.is_empty() {
        return;
    }
    out.extend_from_slice(b",\"wifi\":{");
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_str(out, name);
        out.push(b':');
        match value {
            Field::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
            Field::Float(x) => out.extend_from_slice(format!("{x:?}").as_bytes()),
            Field::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Field::Text(t) => push_str(out, t),
            Field::Bytes(b) => push_str(out, &String::from_utf8_lossy(b)),
            Field::Mac(m) => {
                out.push(b'"');
                push_mac(out, m);
                out.push(b'"');
            }
        }
    }
    out.push(b'}');
}

/// Appends an `event_type:"alert"` line in the shape Suricata's schema accepts: hark's own
/// keys only inside `alert.metadata` and `alert.context`.
pub fn write_alert(out: &mut Vec<u8>, clock: &mut Clock, at: AlertPlace<'_, '_>, alert: &Alert) {
    match at {
        AlertPlace::Packet(pkt, number) => write_common(out, clock, pkt, number, "alert"),
        AlertPlace::Time(ts) => {
            out.extend_from_slice(b"{\"timestamp\":\"");
            clock.write(out, ts);
            out.extend_from_slice(b"\",\"event_type\":\"alert\"");
        }
    }
    out.extend_from_slice(b",\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":");
    push_u64(out, u64::from(alert.signature_id));
    out.extend_from_slice(b",\"rev\":");
    push_u64(out, u64::from(alert.rev));
    out.extend_from_slice(b",\"signature\":");
    push_str(out, &alert.signature);
    out.extend_from_slice(b",\"category\":");
    push_str(out, &alert.category);
    let _ = write!(out, ",\"severity\":{}", alert.severity);
    out.extend_from_slice(b",\"metadata\":");
    let _ = serde_json::to_writer(&mut *out, &alert.metadata);
    out.extend_from_slice(b",\"context\":{\"script\":");
    push_str(out, &alert.script);
    out.extend_from_slice(b",\"script_sha256\":");
    push_str(out, &alert.script_sha256);
    out.extend_from_slice(b"}}}\n");
}

/// Appends an `event_type:"hark"` line: a script reloaded, added or removed.
pub fn write_notice(out: &mut Vec<u8>, clock: &mut Clock, ts: Timestamp, notice: &Notice) {
    out.extend_from_slice(b"{\"timestamp\":\"");
    clock.write(out, ts);
    out.extend_from_slice(b"\",\"event_type\":\"hark\",\"hark\":{\"event\":\"");
    out.extend_from_slice(notice.kind.name().as_bytes());
    out.extend_from_slice(b"\",\"script\":");
    push_str(out, &notice.script);
    let _ = write!(out, ",\"ok\":{}", notice.error.is_none());
    if let Some(error) = &notice.error {
        out.extend_from_slice(b",\"error\":");
        push_str(out, error);
    }
    if let Some((sha256, rev)) = &notice.version {
        out.extend_from_slice(b",\"script_sha256\":");
        push_str(out, sha256);
        out.extend_from_slice(b",\"rev\":");
        push_u64(out, u64::from(*rev));
    }
    out.extend_from_slice(b"}}\n");
}

/// What an alert is about: the packet that raised it, or only a time (from `on_tick`,
/// `on_start`, `on_stop`).
#[derive(Clone, Copy)]
pub enum AlertPlace<'p, 'a> {
    Packet(&'p Packet<'a>, u64),
    Time(Timestamp),
}

/// Appends the final `event_type:"stats"` line.
pub fn write_stats(out: &mut Vec<u8>, clock: &mut Clock, ts: Timestamp, stats: &Stats) {
    out.extend_from_slice(b"{\"timestamp\":\"");
    clock.write(out, ts);
    let _ = write!(
        out,
        "\",\"event_type\":\"stats\",\"stats\":{{\"packets\":{},\"bytes\":{},\"dropped\":{},\"truncated\":{},\"alerts\":{}",
        stats.packets, stats.bytes, stats.dropped, stats.truncated, stats.alerts
    );
    if let Some(bytes) = stats.peak_rss {
        let _ = write!(out, ",\"peak_rss_bytes\":{bytes}");
    }
    if let Some((sent, failed)) = stats.injected {
        let _ = write!(out, ",\"injected\":{sent},\"inject_errors\":{failed}");
    }
    if let Some(counts) = stats.alerts_out {
        let _ = write!(
            out,
            ",\"alerts_out\":{{\"sent\":{},\"dropped\":{}}}",
            counts.sent, counts.dropped
        );
    }
    if let Some((packets, drops)) = stats.kernel {
        // Suricata's names for the same counters.
        let _ =
            write!(out, ",\"capture\":{{\"kernel_packets\":{packets},\"kernel_drops\":{drops}}}");
    }
    if !stats.scripts.is_empty() {
        out.extend_from_slice(b",\"scripts\":[");
        for (i, s) in stats.scripts.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"script\":");
            push_str(out, &s.script);
            let _ = write!(
                out,
                ",\"calls\":{},\"errors\":{},\"alerts\":{},\"evictions\":{},\"time_us\":{},\"reloads\":{},\"reload_errors\":{},\"sends_dropped\":{},\"memory_bytes\":{},\"over_budget\":{},\"refused\":{}}}",
                s.calls,
                s.errors,
                s.alerts,
                s.evictions,
                s.time_us,
                s.reloads,
                s.reload_errors,
                s.sends_dropped,
                s.memory_bytes,
                s.over_budget,
                s.refused
            );
        }
        out.push(b']');
    }
    out.extend_from_slice(b"}}\n");
}

/// Appends a JSON string with escapes.
fn push_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\') {
        // Names are nearly always plain ASCII, which needs no escaping.
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// Appends `n` in lower-case hex with at least two digits, as Suricata writes TCP flags.
fn push_hex(out: &mut Vec<u8>, n: u16) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digits = [(n >> 8) & 15, (n >> 4) & 15, n & 15];
    let skip = if digits[0] == 0 { 1 } else { 0 };
    out.extend(digits[skip..].iter().map(|&d| HEX[usize::from(d)]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_match_suricata_shape() {
        let mut clock = Clock::default();
        let mut out = Vec::new();
        clock.write(&mut out, Timestamp { secs: 1_795_860_000, nanos: 123_456_789 });
        assert_eq!(String::from_utf8(out).unwrap(), "2026-11-28T10:00:00.123456+0000");
    }

    #[test]
    fn strings_and_flags_are_escaped_and_padded() {
        let mut out = Vec::new();
        push_str(&mut out, "plain.example");
        push_str(&mut out, "quote\"back\\slash\u{1}");
        push_hex(&mut out, 0x12);
        push_hex(&mut out, 0x1c2);
        push_hex(&mut out, 0);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#""plain.example""quote\"back\\slash\u0001"121c200"#
        );
    }

    #[test]
    fn the_same_second_reuses_the_date() {
        let mut clock = Clock::default();
        let mut a = Vec::new();
        clock.write(&mut a, Timestamp { secs: 0, nanos: 1_000 });
        clock.write(&mut a, Timestamp { secs: 0, nanos: 2_000 });
        assert_eq!(
            String::from_utf8(a).unwrap(),
            "1970-01-01T00:00:00.000001+00001970-01-01T00:00:00.000002+0000"
        );
    }
}
