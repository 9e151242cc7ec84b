#!/usr/bin/env python3
"""Writes a capture of the packets whose lines tcpdump prints with the most care, for the
line conformance test: TCP options, DNS and mDNS of many record types, ICMP and ICMPv6
errors with what they quote, neighbour discovery, IPv6 extension headers, IPv4 and IPv6
fragments, IPv4 options, text protocols, cut-short and damaged packets.

usage: tcpdump_cases.py OUT.pcap"""
import struct
import sys

from scapy.all import (
    ARP, DNS, DNSQR, DNSRR, DNSRRMX, DNSRROPT, DNSRRSOA, DNSRRSRV, Dot1AD, Dot1Q, EDNS0TLV,
    ICMP, ICMPv6DestUnreach, ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6MLReport2,
    ICMPv6MLDMultAddrRec, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6ND_RS,
    ICMPv6NDOptMTU, ICMPv6NDOptPrefixInfo, ICMPv6NDOptRDNSS, ICMPv6NDOptSrcLLAddr,
    ICMPv6NDOptDstLLAddr, ICMPv6PacketTooBig, ICMPv6TimeExceeded, IP, IPOption_RR,
    IPOption_Router_Alert, IPOption_Timestamp, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
    IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, IPv6ExtHdrSegmentRouting, Ether, Raw,
    RouterAlert, TCP, UDP, VXLAN, fragment, raw,
)
from scapy.contrib.mpls import MPLS
from scapy.contrib.nsh import NSH
from scapy.layers.eap import EAP, EAPOL

C4, S4 = "198.18.0.7", "198.18.0.1"
C6, S6 = "2001:db8::7", "2001:db8::1"
MAC_C, MAC_S = "02:00:00:00:00:07", "02:00:00:00:00:01"
eth = Ether(src=MAC_C, dst=MAC_S)
back = Ether(src=MAC_S, dst=MAC_C)
frames = []  # (bytes, captured length or None)


def add(pkt, caplen=None):
    frames.append((raw(pkt), caplen))


# TCP: a handshake with every common option, SACK after it, odd and broken options.
add(eth / IP(src=C4, dst=S4) / TCP(sport=40000, dport=80, flags="S", seq=1000,
    options=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("NOP", None), ("WScale", 7)]))
add(back / IP(src=S4, dst=C4) / TCP(sport=80, dport=40000, flags="SA", seq=5000, ack=1001,
    options=[("MSS", 1400), ("NOP", None), ("NOP", None), ("SAckOK", b""), ("NOP", None), ("WScale", 9)]))
add(eth / IP(src=C4, dst=S4) / TCP(sport=40000, dport=80, flags="A", seq=1001, ack=5001))
add(eth / IP(src=C4, dst=S4) / TCP(sport=40000, dport=80, flags="PA", seq=1001, ack=5001) /
    Raw(b"GET /a HTTP/1.1\r\nHost: lab.example\r\nAccept: */*\r\n\r\n"))
add(back / IP(src=S4, dst=C4) / TCP(sport=80, dport=40000, flags="PA", seq=5001, ack=1050) /
    Raw(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"))
add(back / IP(src=S4, dst=C4) / TCP(sport=80, dport=40000, flags="A", seq=5044, ack=1050) / Raw(b"\x00\x01binary"))
add(eth / IP(src=C4, dst=S4) / TCP(sport=40000, dport=80, flags="A", seq=1050, ack=5001,
    options=[("NOP", None), ("NOP", None), ("SAck", (5100, 5200, 5300, 5400))]))
add(eth / IP(src=C4, dst=S4) / TCP(sport=40001, dport=80, flags="S", seq=7,
    options=[("TFO", b"")]))
add(eth / IP(src=C4, dst=S4) / TCP(sport=40002, dport=80, flags="S", seq=8,
    options=[("TFO", b"\x01\x02\x03\x04\x05\x06\x07\x08"), ("EOL", None)]))
add(eth / IP(src=C4, dst=S4) / TCP(sport=40003, dport=179, flags="S", seq=9,
    options=[("MD5", b"\xaa" * 16), ("UTO", 600)]))
add(eth / IP(src=C4, dst=S4) / TCP(sport=40004, dport=80, flags="S", seq=10,
    options=[(99, b"\x01\x02"), ("NOP", None)]))
add(eth / IP(src=C4, dst=S4) / TCP(sport=40005, dport=80, flags="S", seq=11, dataofs=6) / Raw(b"\x02\x09\x05\xb4"))
add(eth / IP(src=C4, dst=S4) / TCP(sport=40005, dport=80, flags="S", seq=12, dataofs=7) / Raw(b"\x08\x0a\x00\x00\x00\x01\x00\x00"))
add(eth / IP(src=C4, dst=S4) / TCP(sport=40006, dport=80, flags="RA", seq=1, ack=1) / Raw(b"connection refused by policy\r\n"))
add(eth / IP(src=C4, dst=S4) / TCP(sport=40007, dport=80, flags="FPU", seq=1, urgptr=3) / Raw(b"abc"))
add(eth / IP(src=C4, dst=S4) / TCP(sport=40008, dport=80, flags="S", dataofs=3))
add(eth / IP(src=C4, dst=S4) / TCP(sport=40009, dport=80, flags="S", seq=13,
    options=[("MSS", 1460), ("Timestamp", (7, 8))]), caplen=14 + 20 + 26)
add(eth / IP(src=C4, dst=S4) / TCP(sport=40010, dport=80, flags="PA", chksum=0x1234) / Raw(b"GET / HTTP/1.0\r\n\r\n"))
# Multipath TCP's option, each subtype, and one too short for what it says.
mp = lambda flags, body: eth / IP(src=C4, dst=S4) / TCP(sport=40020, dport=80, flags=flags, options=[(30, body)])
add(mp("S", b"\x01\x81" + b"\x11" * 8))
add(mp("S", b"\x11\x05" + b"\x00\x00\x00\x07" + b"\x00\x00\x00\x09"))
add(mp("SA", b"\x10\x05" + b"\x22" * 8 + b"\x00\x00\x00\x09"))
add(mp("A", b"\x10\x00" + b"\x33" * 20))
add(mp("A", b"\x20\x1f" + b"\x00" * 7 + b"\x09" + b"\x00" * 7 + b"\x07" + b"\x00\x00\x00\x01\x00\x64\xab\xcd"))
add(mp("A", b"\x20\x05" + b"\x00\x00\x00\x09" + b"\x00\x00\x00\x07" + b"\x00\x00\x00\x01\x00\x64"))
add(mp("A", b"\x31\x02" + bytes([198, 18, 0, 9]) + b"\x1f\x90" + b"\x44" * 8))
add(mp("A", b"\x30\x03" + b"\x20\x01\x0d\xb8" + b"\x00" * 11 + b"\x09"))
add(mp("A", b"\x40\x01\x02\x03"))
add(mp("A", b"\x51\x04"))
add(mp("A", b"\x60\x00" + b"\x00" * 7 + b"\x05"))
add(mp("A", b"\x70\x00" + b"\x55" * 8))
add(mp("A", b"\x80\x00"))
add(mp("A", b"\x20\x01\x00"))
# Text protocols and SSH on their ports.
add(back / IP(src=S4, dst=C4) / TCP(sport=25, dport=40011, flags="PA") / Raw(b"220 mail.lab.example ESMTP ready\r\n"))
add(eth / IP(src=C4, dst=S4) / TCP(sport=40011, dport=25, flags="PA") / Raw(b"EHLO client\r\nMAIL FROM:<a@b>\r\n"))
add(back / IP(src=S4, dst=C4) / TCP(sport=21, dport=40012, flags="PA") / Raw(b"220 FTP server ready\r\n"))
add(back / IP(src=S4, dst=C4) / TCP(sport=22, dport=40013, flags="PA") / Raw(b"SSH-2.0-OpenSSH_9.6\r\n"))
add(eth / IP(src=C4, dst=S4) / TCP(sport=40013, dport=22, flags="PA") / Raw(b"\x00\x00\x01\x0c\x0a\x14"))
add(eth / IP(src=C4, dst=S4) / TCP(sport=40014, dport=554, flags="PA") / Raw(b"OPTIONS rtsp://lab/a RTSP/1.0\r\nCSeq: 1\r\n\r\n"))
add(eth / IP(src=C4, dst=S4) / TCP(sport=40015, dport=8080, flags="PA") / Raw(b"POST /upload HTTP/1.1\r\nHost: x\r\n"), caplen=14 + 20 + 20 + 20)
# Two claimed ports: tcpdump's order of checks decides (SSH before HTTP, HTTP before DNS,
# mDNS before VXLAN).
add(eth / IP(src=C4, dst=S4) / TCP(sport=22, dport=80, flags="PA") / Raw(b"SSH-2.0-lab\r\n"))
add(eth / IP(src=C4, dst=S4) / TCP(sport=53, dport=8080, flags="PA") / Raw(b"GET / HTTP/1.1\r\n\r\n"))
add(eth / IP(src=C4, dst=S4) / UDP(sport=4789, dport=5353) / DNS(id=1, qd=DNSQR(qname="x.local")))

# DNS: queries and answers of many types, EDNS, errors, over UDP and TCP.
dq = lambda **kw: DNS(id=0x1234, rd=1, **kw)
add(eth / IP(src=C4, dst=S4) / UDP(sport=40100, dport=53) / dq(qd=DNSQR(qname="lab.example", qtype="AAAA")))
add(back / IP(src=S4, dst=C4) / UDP(sport=53, dport=40100) / DNS(id=0x1234, qr=1, aa=1, ra=1, qd=DNSQR(qname="lab.example", qtype=255),
    an=DNSRR(rrname="lab.example", type="A", rdata="198.18.0.10") / DNSRR(rrname="lab.example", type="AAAA", rdata="2001:db8::10") /
    DNSRR(rrname="www.lab.example", type="CNAME", rdata="lab.example") / DNSRRMX(rrname="lab.example", preference=10, exchange="mx.lab.example") /
    DNSRR(rrname="lab.example", type="TXT", rdata=[b"v=spf1 -all", b"second"]) /
    DNSRRSRV(rrname="_sip._udp.lab.example", priority=1, weight=2, port=5060, target="sip.lab.example") /
    DNSRR(rrname="10.0.18.198.in-addr.arpa", type="PTR", rdata="lab.example"),
    ns=DNSRRSOA(rrname="lab.example", mname="ns.lab.example", rname="admin.lab.example", serial=7, refresh=3600, retry=600, expire=86400, minimum=60),
    ar=DNSRROPT(rclass=1232, z=0x8000, rdata=[EDNS0TLV(optcode=10, optdata=b"\x01" * 8), EDNS0TLV(optcode=8, optdata=b"\x00\x01\x18\x00\xc6\x12\x00")])))
add(back / IP(src=S4, dst=C4) / UDP(sport=53, dport=40101) / DNS(id=9, qr=1, rcode=3, ra=1, qd=DNSQR(qname="missing.lab.example")))
add(back / IP(src=S4, dst=C4) / UDP(sport=53, dport=40102) / DNS(id=10, qr=1, rcode=2, tc=1, ad=1, qd=DNSQR(qname="lab.example", qtype="MX")))
add(eth / IP(src=C4, dst=S4) / UDP(sport=40103, dport=53) / DNS(id=11, rd=0, cd=1, opcode=4, qd=DNSQR(qname="lab.example", qtype="SOA", qclass="CH")))
add(eth / IP(src=C4, dst=S4) / UDP(sport=40104, dport=53) / dq(qd=DNSQR(qname="a" * 63 + "." + "b" * 63 + ".example")), caplen=14 + 20 + 8 + 40)
add(eth / IP(src=C4, dst=S4) / UDP(sport=40105, dport=53) / Raw(b"\x00\x01\x00"))
add(eth / IP(src=C4, dst=S4) / UDP(sport=40106, dport=53) / Raw(b"\x00\x02\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01"))
dns_tcp = raw(dq(qd=DNSQR(qname="tcp.lab.example", qtype="TXT")))
add(eth / IP(src=C4, dst=S4) / TCP(sport=40107, dport=53, flags="PA", seq=1, ack=1) / Raw(struct.pack(">H", len(dns_tcp)) + dns_tcp))
add(eth / IP(src=C4, dst=S4) / TCP(sport=40108, dport=53, flags="PA", seq=1, ack=1) / Raw(b"\x00\x09" + dns_tcp))
# mDNS: a unicast-response question, an answer flushing the cache.
add(eth / IP(src=C4, dst="224.0.0.251") / UDP(sport=5353, dport=5353) / DNS(id=0, qd=DNSQR(qname="_ipp._tcp.local", qtype="PTR", unicastresponse=1)))
add(eth / IPv6(src="fe80::7", dst="ff02::fb") / UDP(sport=5353, dport=5353) / DNS(id=0, qr=1, aa=1,
    an=DNSRR(rrname="printer.local", type="A", rclass=0x8001, rdata="198.18.0.20")))

# ICMP: echo, errors quoting what caused them, and the rest of the types.
add(eth / IP(src=C4, dst=S4) / ICMP(type=8, id=7, seq=1) / Raw(b"ping" * 8))
quoted_udp = IP(src=C4, dst=S4, ttl=1) / UDP(sport=33434, dport=33435) / Raw(b"x" * 12)
add(back / IP(src=S4, dst=C4) / ICMP(type=3, code=3) / raw(quoted_udp))
add(back / IP(src=S4, dst=C4) / ICMP(type=3, code=1) / raw(quoted_udp))
add(back / IP(src=S4, dst=C4) / ICMP(type=3, code=4, nexthopmtu=1400) / raw(IP(src=C4, dst=S4, flags="DF") / TCP(sport=40200, dport=443)))
add(back / IP(src="198.18.0.254", dst=C4) / ICMP(type=11, code=0) / raw(quoted_udp))
add(back / IP(src="198.18.0.254", dst=C4) / ICMP(type=5, code=1, gw="198.18.0.253") / raw(quoted_udp))
add(back / IP(src=S4, dst=C4) / ICMP(type=12, code=0, ptr=20) / raw(quoted_udp))
add(back / IP(src=S4, dst=C4) / ICMP(type=14, id=1, seq=2, ts_ori=1000, ts_rx=3_600_000, ts_tx=3_600_500))
add(back / IP(src=S4, dst=C4) / ICMP(type=13, id=3, seq=4))
add(back / IP(src=S4, dst=C4) / ICMP(type=42, code=0) / Raw(b"\x00" * 4))
add(back / IP(src=S4, dst=C4) / ICMP(type=0, id=7, seq=1, chksum=0xdead) / Raw(b"pong"))
# IPv4 fragments, options, damaged headers.
for piece in fragment(eth / IP(src=C4, dst=S4, id=77) / UDP(sport=40300, dport=9) / Raw(b"f" * 100), fragsize=48):
    add(piece)
add(eth / IP(src=C4, dst=S4, options=[IPOption_RR(routers=["198.18.0.2", "0.0.0.0"])]) / UDP(sport=40301, dport=9) / Raw(b"rr"))
add(eth / IP(src=C4, dst=S4, options=[IPOption_Router_Alert()]) / UDP(sport=40302, dport=9))
add(eth / IP(src=C4, dst=S4, options=[IPOption_Timestamp(flg=0, timestamp=[1, 2])]) / UDP(sport=40303, dport=9))
add(eth / IP(src=C4, dst=S4, tos=0x03, ttl=0, flags="MF+DF") / UDP(sport=40304, dport=9))
add(eth / IP(src=C4, dst=S4, chksum=0x0101) / UDP(sport=40305, dport=9) / Raw(b"bad ip sum"))
add(eth / IP(src=C4, dst=S4) / UDP(sport=40306, dport=9, chksum=0x4242) / Raw(b"bad udp sum"))
add(eth / IP(src=C4, dst=S4) / UDP(sport=40307, dport=9, len=4))
add(eth / IP(src=C4, dst=S4) / UDP(sport=40308, dport=9, len=200) / Raw(b"short"))
add(eth / IP(src=C4, dst=S4, ihl=4) / Raw(b"\x00" * 20))
add(eth / IP(src=C4, dst=S4, len=1000) / UDP(sport=40309, dport=9) / Raw(b"claims more"))
add(eth / IP(src=C4, dst=S4, proto=99) / Raw(b"unknown protocol"))
add(eth / IP(src=C4, dst=S4) / UDP(sport=40310, dport=9) / Raw(b"cut"), caplen=14 + 10)
add(eth / IP(src=C4, dst=S4) / TCP(sport=40311, dport=80), caplen=14 + 20 + 2)
add(eth / IP(src=C4, dst=S4) / TCP(sport=40312, dport=80), caplen=14 + 20 + 12)

# IPv6: extension headers, fragments, ICMPv6 and neighbour discovery.
add(eth / IPv6(src=C6, dst=S6, fl=0x12345, tc=0x28) / TCP(sport=40400, dport=80, flags="S"))
add(eth / IPv6(src=C6, dst="ff02::16") / IPv6ExtHdrHopByHop(options=[RouterAlert()]) /
    ICMPv6MLReport2(records=[ICMPv6MLDMultAddrRec(dst="ff02::fb", sources=["2001:db8::9"])]))
add(eth / IPv6(src=C6, dst=S6) / IPv6ExtHdrDestOpt() / UDP(sport=40401, dport=9) / Raw(b"dst opts"))
add(eth / IPv6(src=C6, dst=S6) / IPv6ExtHdrRouting(addresses=["2001:db8::a", "2001:db8::b"], segleft=2) / ICMPv6EchoRequest(id=1, seq=2))
add(eth / IPv6(src=C6, dst=S6) / IPv6ExtHdrSegmentRouting(addresses=["2001:db8::c"]) / UDP(sport=40402, dport=9))
for piece in [eth / IPv6(src=C6, dst=S6) / IPv6ExtHdrFragment(offset=0, m=1, id=5) / UDP(sport=40403, dport=9, len=108) / Raw(b"g" * 40),
              eth / IPv6(src=C6, dst=S6) / IPv6ExtHdrFragment(offset=6, m=0, id=5, nh=17) / Raw(b"g" * 52)]:
    add(piece)
add(eth / IPv6(src=C6, dst=S6) / ICMPv6EchoRequest(id=3, seq=4, data=b"ping6"))
add(back / IPv6(src=S6, dst=C6) / ICMPv6EchoReply(id=3, seq=4, data=b"ping6"))
add(back / IPv6(src=S6, dst=C6) / ICMPv6DestUnreach(code=4) / raw(IPv6(src=C6, dst=S6) / UDP(sport=40404, dport=33434)))
add(back / IPv6(src=S6, dst=C6) / ICMPv6DestUnreach(code=0) / raw(IPv6(src=C6, dst=S6) / UDP(sport=40405, dport=9)))
add(back / IPv6(src=S6, dst=C6) / ICMPv6PacketTooBig(mtu=1280) / raw(IPv6(src=C6, dst=S6) / UDP(sport=40406, dport=9)))
add(back / IPv6(src="2001:db8::fe", dst=C6) / ICMPv6TimeExceeded(code=0) / raw(IPv6(src=C6, dst=S6, hlim=1) / UDP(sport=40407, dport=9)))
add(eth / IPv6(src="fe80::7", dst="ff02::2") / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=MAC_C))
add(back / IPv6(src="fe80::1", dst="ff02::1") / ICMPv6ND_RA(M=1, routerlifetime=1800) / ICMPv6NDOptSrcLLAddr(lladdr=MAC_S) /
    ICMPv6NDOptMTU(mtu=1500) / ICMPv6NDOptPrefixInfo(prefix="2001:db8::", prefixlen=64) / ICMPv6NDOptRDNSS(dns=["2001:db8::53"]))
add(eth / IPv6(src="fe80::7", dst="ff02::1:ff00:1") / ICMPv6ND_NS(tgt="fe80::1") / ICMPv6NDOptSrcLLAddr(lladdr=MAC_C))
add(back / IPv6(src="fe80::1", dst="fe80::7") / ICMPv6ND_NA(tgt="fe80::1", R=1, S=1, O=0) / ICMPv6NDOptDstLLAddr(lladdr=MAC_S))

# Link layers: VLAN, QinQ, MPLS, VXLAN, ARP of several kinds, an unknown ethertype.
add(eth / Dot1Q(vlan=10, prio=5) / IP(src=C4, dst=S4) / UDP(sport=40500, dport=9))
add(eth / Dot1AD(vlan=100) / Dot1Q(vlan=20, id=1) / IP(src=C4, dst=S4) / UDP(sport=40501, dport=9))
add(Ether(src=MAC_C, dst=MAC_S, type=0x8847) / MPLS(label=100, s=0, ttl=9) / MPLS(label=200, s=1, ttl=8) / IP(src=C4, dst=S4) / UDP(sport=40502, dport=9))
add(eth / IP(src=C4, dst=S4) / UDP(sport=40503, dport=4789) / VXLAN(vni=42) / Ether(src="02:00:00:00:01:01", dst="02:00:00:00:01:02") /
    IP(src="10.1.0.1", dst="10.1.0.2") / ICMP(id=9, seq=9))
add(Ether(src=MAC_C, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=MAC_C, psrc=C4, pdst=S4))
add(back / ARP(op=2, hwsrc=MAC_S, psrc=S4, hwdst=MAC_C, pdst=C4))
add(Ether(src=MAC_C, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=MAC_C, psrc=C4, pdst=S4, hwdst="02:00:00:00:00:99"))
add(Ether(src=MAC_C, dst="ff:ff:ff:ff:ff:ff", type=0x8035) / ARP(op=3, hwsrc=MAC_C, hwdst=MAC_C))
add(Ether(src=MAC_C, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwlen=8, plen=4, hwsrc=b"\x01" * 8, hwdst=b"\x00" * 8, psrc=C4, pdst=S4))
add(Ether(src=MAC_C, dst=MAC_S, type=0x88b5) / Raw(b"local experimental"))
# Vendor headers before the network layer: NSH (IPv4, Ethernet inside, cut), Arista's
# timestamps (64-bit, 48-bit with a VLAN tag, MPLS, an unknown subtype).
syn = IP(src=C4, dst=S4, ttl=9) / TCP(sport=40600, dport=80, flags="S", seq=1)
add(eth / NSH(mdtype=2, nextproto=1, length=2, spi=0x1234, si=254) / syn)
add(eth / NSH(mdtype=1, nextproto=3) / Ether(src="02:00:00:00:00:09", dst="02:00:00:00:00:0a") / syn)
add(eth / NSH(mdtype=1, nextproto=1) / syn, caplen=14 + 12)
arista = lambda fmt: struct.pack(">HBB", 1, 1, fmt << 4) + (b"\0\0\0\x05\0\0\0\x07" if fmt == 1 else b"\0\x05\0\0\0\x07")
add(Ether(src=MAC_C, dst=MAC_S, type=0xd28b) / Raw(arista(1) + b"\x08\x00" + raw(syn)))
add(Ether(src=MAC_C, dst=MAC_S, type=0xd28b) / Raw(arista(2) + b"\x81\x00" + raw(Dot1Q(vlan=7) / syn)))
add(Ether(src=MAC_C, dst=MAC_S, type=0xd28b) / Raw(arista(1) + b"\x88\x47" + raw(MPLS(label=100, s=1) / syn)))
add(Ether(src=MAC_C, dst=MAC_S, type=0xd28b) / Raw(b"\x00\x09\x01\x10" + raw(syn)))
# 802.1X: start, identity exchange, a TLS method with its length, a key frame.
pae = Ether(src=MAC_C, dst="01:80:c2:00:00:03")
add(pae / EAPOL(version=1, type=1))
add(pae / EAPOL(version=2, type=0) / EAP(code=1, id=1, type=1))
add(pae / EAPOL(version=2, type=0) / EAP(code=2, id=1, type=1, identity=b"alice"))
add(pae / EAPOL(version=2, type=0) / Raw(b"\x01\x02\x00\x0a\x0d\xa0\x00\x00\x01\x00"))
add(pae / EAPOL(version=2, type=0) / EAP(code=3, id=2))
add(pae / EAPOL(version=2, type=3) / Raw(b"\x02" + b"\x00" * 94))

with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    t = 1_795_341_600_000_000
    for data, caplen in frames:
        t += 1_234
        kept = data[:caplen] if caplen else data
        f.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(kept), len(data)))
        f.write(kept)
