//! A fixed script that reads every packet field, writes the writable ones, and hands the
//! edited packet on, run on fuzzed frames of every link type; the rebuilt frame is
//! decoded again.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;

use hark::decode::Packet;
use hark::script::Chain;
use hark::source::{Frame, Timestamp};

mod common;

const SCRIPT: &str = r#"
fn on_packet(pkt) {
    let seen = `${pkt.number} ${pkt.time} ${pkt.len} ${pkt.caplen} ${pkt.proto} ${pkt.src} ${pkt.dst}`;
    seen += `${pkt.sport} ${pkt.dport} ${pkt.flow} ${pkt.vlan} ${pkt.payload} ${pkt.iface}`;
    seen += `${pkt.dns} ${pkt.http} ${pkt.tls}`;
    if pkt.eth != () { seen += `${pkt.eth.src} ${pkt.eth.dst} ${pkt.eth.type}`; }
    if pkt.arp != () {
        seen += `${pkt.arp.op} ${pkt.arp.sender_mac} ${pkt.arp.target_mac} ${pkt.arp.sender_ip} ${pkt.arp.target_ip}`;
    }
    if pkt.ip != () {
        let ip = pkt.ip;
        seen += `${ip.version} ${ip.ttl} ${ip.proto} ${ip.id} ${ip.len} ${ip.tos} ${ip.checksum} ${ip.src} ${ip.dst}`;
        pkt.ip.ttl = 1;
    }
    if pkt.tcp != () {
        let t = pkt.tcp;
        seen += `${t.sport} ${t.dport} ${t.checksum} ${t.seq} ${t.ack_num} ${t.window} ${t.flags}`;
        seen += `${t.fin} ${t.syn} ${t.rst} ${t.psh} ${t.ack} ${t.urg}`;
        pkt.tcp.window = 7;
    }
    if pkt.udp != () {
        seen += `${pkt.udp.sport} ${pkt.udp.dport} ${pkt.udp.checksum} ${pkt.udp.len}`;
        pkt.dport = 9;
    }
    if pkt.icmp != () {
        let i = pkt.icmp;
        seen += `${i.checksum} ${i.type} ${i.code} ${i.id} ${i.seq}`;
    }
    this.last = seen.len();
    pkt
}
"#;

/// One chain for the whole run, as hark keeps one for a capture.
fn chain() -> &'static Mutex<Chain> {
    static CHAIN: OnceLock<Mutex<Chain>> = OnceLock::new();
    CHAIN.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("fields.rhai");
        std::fs::write(&path, SCRIPT).expect("the script written");
        let mut chain = Chain::load(&[path], None, 1.0).expect("the script compiles");
        chain.start();
        Mutex::new(chain)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((link, bytes)) = common::link_and_frame(data) else { return };
    let Ok(mut chain) = chain().lock() else { return };
    let frame = Frame { ts: Timestamp::default(), link, orig_len: bytes.len() as u32, data: bytes, iface: None };
    chain.packet(&frame, 1);
    if let Some((link, orig_len, data)) = chain.rewritten() {
        let again = Packet::new(Frame { ts: Timestamp::default(), link, orig_len, data, iface: None });
        let _ = again.layers().ip.is_some();
    }
    let _ = chain.take_events();
    chain.error_lines.clear();
});
