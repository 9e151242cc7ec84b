#!/usr/bin/env python3
"""Writes one capture per link type that hark reads beyond Ethernet's family, for the
decode, filter and line tests: 802.11 with radiotap (127) and without (105), Cisco HDLC
(104), Frame Relay (107), SLIP (8) and IP over InfiniBand (242).

The 802.11 frames are Scapy's; radiotap headers are assembled here field by field (with
the alignment the radiotap standard asks for, extended present words and vendor-free
fields), so that the captures hold shapes Scapy does not make on its own.

usage: link_types.py OUT_DIR"""
import os
import struct
import sys
import zlib

from scapy.all import (
    ARP, DNS, DNSQR, ICMP, Dot1Q, IP, IPv6, LLC, SNAP, TCP, UDP, Dot11, Dot11AssoReq, Dot11Auth,
    Dot11Beacon, Dot11Deauth, Dot11Disas, Dot11Elt, Dot11ProbeReq, Dot11ProbeResp, Dot11QoS,
    Raw, raw,
)

C4, S4 = "198.18.0.7", "198.18.0.1"
C6, S6 = "2001:db8::7", "2001:db8::1"
AP = "02:aa:00:00:00:01"
TWIN = "02:bb:00:00:00:66"
STA = "02:cc:00:00:00:07"
BCAST = "ff:ff:ff:ff:ff:ff"

# Radiotap fields by bit: (alignment, size).
FIELDS = {0: (8, 8), 1: (1, 1), 2: (1, 1), 3: (2, 4), 4: (2, 2), 5: (1, 1), 6: (1, 1),
          7: (2, 2), 8: (2, 2), 9: (2, 2), 10: (1, 1), 11: (1, 1), 12: (1, 1), 13: (1, 1),
          14: (2, 2), 19: (1, 3), 21: (2, 12)}


def radiotap(fields, extra_words=0):
    """A radiotap header with `fields` ({bit: bytes}) in the first present word, and
    `extra_words` more present words (empty but for their chaining bit)."""
    words = [sum(1 << bit for bit in fields)]
    if extra_words:
        words[0] |= 1 << 31
        for i in range(extra_words):
            words.append((1 << 31) if i + 1 < extra_words else 0)
    body = bytearray(struct.pack("<BBH", 0, 0, 0))
    for w in words:
        body += struct.pack("<I", w)
    for bit in sorted(fields):
        align, size = FIELDS[bit]
        value = fields[bit]
        assert len(value) == size, (bit, value)
        while len(body) % align:
            body.append(0)
        body += value
    struct.pack_into("<H", body, 2, len(body))
    return bytes(body)


def channel(freq, flags):
    return struct.pack("<HH", freq, flags)


def le64(n):
    return struct.pack("<Q", n)


def signed(n):
    return struct.pack("<b", n)


CCK_2GHZ = 0x00a0   # CCK, 2 GHz
OFDM_2GHZ = 0x00c0  # OFDM, 2 GHz
OFDM_5GHZ = 0x0140  # OFDM, 5 GHz

RT_PLAIN = radiotap({1: b"\x00", 2: b"\x02", 3: channel(2412, CCK_2GHZ), 5: signed(-40)})
RT_FULL = radiotap({0: le64(123456789), 1: b"\x00", 2: b"\x0c", 3: channel(2437, OFDM_2GHZ),
                    5: signed(-55), 6: signed(-95), 11: b"\x01"})
RT_5G = radiotap({1: b"\x00", 3: channel(5180, OFDM_5GHZ), 5: signed(-61),
                  19: bytes([0x07, 0x00, 0x07])})
RT_EXT = radiotap({1: b"\x00", 2: b"\x04", 3: channel(2462, CCK_2GHZ), 5: signed(-70)},
                  extra_words=2)
RT_FCS = radiotap({1: b"\x10", 2: b"\x02", 3: channel(2412, CCK_2GHZ), 5: signed(-42)})
RT_BADFCS = radiotap({1: b"\x50", 2: b"\x02", 3: channel(2412, CCK_2GHZ), 5: signed(-42)})
RT_NOFLAGS = radiotap({3: channel(2412, CCK_2GHZ), 5: signed(-48)})

RATES = Dot11Elt(ID="Rates", info=bytes([0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24]))


def ssid(name):
    return Dot11Elt(ID="SSID", info=name)


def ds(ch):
    return Dot11Elt(ID="DSset", info=bytes([ch]))


def mgmt(subtype, addr1, addr2, addr3, seq=0):
    return Dot11(type=0, subtype=subtype, addr1=addr1, addr2=addr2, addr3=addr3, SC=seq << 4)


def beacon(bssid, name, ch, seq):
    return (mgmt(8, BCAST, bssid, bssid, seq) /
            Dot11Beacon(timestamp=1000 * seq, beacon_interval=100, cap=0x0411) /
            ssid(name) / RATES / ds(ch))


def data(payload, fc, addr1, addr2, addr3, seq, qos=False, addr4=None):
    kw = dict(type=2, subtype=8 if qos else 0, FCfield=fc, addr1=addr1, addr2=addr2,
              addr3=addr3, SC=seq << 4)
    if addr4 is not None:
        kw["addr4"] = addr4
    frame = Dot11(**kw)
    if qos:
        frame = frame / Dot11QoS(TID=5)
    return frame / LLC(dsap=0xaa, ssap=0xaa, ctrl=3) / SNAP(OUI=0, code=payload[1]) / payload[0]


def with_fcs(frame):
    return frame + struct.pack("<I", zlib.crc32(frame) & 0xffffffff)


def wifi_frames():
    """(802.11 frame, radiotap prefix, append FCS, captured length or None)."""
    tcp = IP(src=C4, dst=S4, ttl=64, id=1) / TCP(sport=40000, dport=80, flags="S", seq=1000)
    tcp_back = IP(src=S4, dst=C4, ttl=63, id=2) / TCP(sport=80, dport=40000, flags="SA",
                                                       seq=5000, ack=1001)
    udp = IP(src=C4, dst=S4, ttl=64, id=3) / UDP(sport=5353, dport=53) / DNS(
        rd=1, qd=DNSQR(qname="lab.example"))
    icmp = IP(src=C4, dst=S4, ttl=64, id=4) / ICMP(type=8, id=7, seq=1) / Raw(b"ping" * 4)
    v6 = IPv6(src=C6, dst=S6, hlim=64) / UDP(sport=40001, dport=443) / Raw(b"q" * 8)
    arp = ARP(op=1, hwsrc=STA, psrc=C4, pdst=S4)
    out = []
    # Management: beacons of two access points, one an evil twin of the other.
    for seq in range(3):
        out.append((raw(beacon(AP, b"labnet", 1, seq)), RT_PLAIN, False, None))
    out.append((raw(beacon(TWIN, b"labnet", 6, 1)), RT_FULL, False, None))
    out.append((raw(beacon(AP, b"", 1, 4)), RT_NOFLAGS, False, None))
    out.append((raw(mgmt(4, BCAST, STA, BCAST, 9) / Dot11ProbeReq() / ssid(b"homewifi") /
                    RATES), RT_PLAIN, False, None))
    out.append((raw(mgmt(4, BCAST, STA, BCAST, 10) / Dot11ProbeReq() / ssid(b"") / RATES),
                RT_EXT, False, None))
    out.append((raw(mgmt(5, STA, AP, AP, 11) / Dot11ProbeResp(beacon_interval=100, cap=0x0411) /
                    ssid(b"labnet") / RATES / ds(1)), RT_5G, False, None))
    out.append((raw(mgmt(11, AP, STA, AP, 12) / Dot11Auth(algo=0, seqnum=1, status=0)),
                RT_PLAIN, False, None))
    out.append((raw(mgmt(0, AP, STA, AP, 13) / Dot11AssoReq(cap=0x0411, listen_interval=10) /
                    ssid(b"labnet") / RATES), RT_PLAIN, False, None))
    # A deauthentication flood from a spoofed access point, and a disassociation.
    for seq in range(6):
        out.append((raw(mgmt(12, BCAST, AP, AP, 20 + seq) / Dot11Deauth(reason=7)), RT_PLAIN,
                    seq % 2 == 1, None))
    out.append((raw(mgmt(10, STA, AP, AP, 30) / Dot11Disas(reason=8)), RT_FULL, False, None))
    # Control frames: RTS, CTS, ACK.
    out.append((raw(Dot11(type=1, subtype=11, addr1=AP, addr2=STA, ID=0x1234)), RT_PLAIN, False,
                None))
    out.append((raw(Dot11(type=1, subtype=12, addr1=STA, ID=0x1000)), RT_PLAIN, False, None))
    out.append((raw(Dot11(type=1, subtype=13, addr1=STA)), RT_PLAIN, True, None))
    # Data frames in every direction, plain and QoS, carrying IP, IPv6 and ARP.
    out.append((raw(data((tcp, 0x0800), "to_DS", AP, STA, S_MAC, 40, qos=True)), RT_FULL, False,
                None))
    out.append((raw(data((tcp_back, 0x0800), "from_DS", STA, AP, S_MAC, 41, qos=True)), RT_FULL,
                True, None))
    out.append((raw(data((udp, 0x0800), "to_DS", AP, STA, S_MAC, 42)), RT_PLAIN, False, None))
    out.append((raw(data((icmp, 0x0800), "to_DS", AP, STA, S_MAC, 43, qos=True)), RT_5G, False,
                None))
    out.append((raw(data((v6, 0x86dd), "to_DS", AP, STA, S_MAC, 44)), RT_EXT, False, None))
    out.append((raw(data((arp, 0x0806), "to_DS", AP, STA, BCAST, 45)), RT_PLAIN, False, None))
    out.append((raw(data((Dot1Q(vlan=10, type=0x0800) / udp, 0x8100), "to_DS", AP, STA, S_MAC, 51,
                         qos=True)), RT_PLAIN, False, None))
    out.append((raw(data((icmp, 0x0800), "", STA, AP, AP, 46)), RT_PLAIN, False, None))
    out.append((raw(data((udp, 0x0800), "to_DS+from_DS", AP, TWIN, S_MAC, 47, addr4=STA)),
                RT_PLAIN, False, None))
    out.append((raw(data((tcp, 0x0800), "to_DS+protected", AP, STA, S_MAC, 48)), RT_PLAIN, False,
                None))
    out.append((raw(data((tcp, 0x0800), "to_DS+retry", AP, STA, S_MAC, 49, qos=True)), RT_BADFCS,
                True, None))
    out.append((raw(Dot11(type=2, subtype=4, FCfield="to_DS", addr1=AP, addr2=STA, addr3=AP,
                          SC=50 << 4)), RT_PLAIN, False, None))
    # Cut short: inside the radiotap header, inside the 802.11 header, inside an element.
    out.append((raw(beacon(AP, b"labnet", 1, 60)), RT_FULL, False, 20))
    out.append((raw(data((tcp, 0x0800), "to_DS", AP, STA, S_MAC, 61, qos=True)), RT_PLAIN, False,
                len(RT_PLAIN) + 12))
    out.append((raw(beacon(AP, b"labnet", 1, 62)), RT_PLAIN, False, len(RT_PLAIN) + 40))
    out.append((raw(data((tcp, 0x0800), "to_DS", AP, STA, S_MAC, 63)), RT_PLAIN, False,
                len(RT_PLAIN) + 24 + 8 + 10))
    return out


S_MAC = "02:00:00:00:00:01"


def ip_payloads():
    return [
        (IP(src=C4, dst=S4, ttl=64, id=11) / TCP(sport=40000, dport=22, flags="S", seq=77), 0x0800),
        (IP(src=S4, dst=C4, ttl=60, id=12) / TCP(sport=22, dport=40000, flags="SA", seq=9, ack=78),
         0x0800),
        (IP(src=C4, dst=S4, ttl=64, id=13) / UDP(sport=40002, dport=53) /
         DNS(rd=1, qd=DNSQR(qname="lab.example")), 0x0800),
        (IP(src=C4, dst="198.18.0.99", ttl=1, id=14) / ICMP(type=8, id=1, seq=2) / Raw(b"x" * 8),
         0x0800),
        (IPv6(src=C6, dst=S6, hlim=64) / TCP(sport=40003, dport=443, flags="S", seq=5), 0x86dd),
    ]


def chdlc_frames():
    out = []
    for pkt, ethertype in ip_payloads():
        out.append(struct.pack(">BBH", 0x0f, 0x00, ethertype) + raw(pkt))
    out.append(struct.pack(">BBH", 0x8f, 0x00, 0x0800) + raw(ip_payloads()[0][0]))
    # SLARP (0x8035): a keepalive, which carries no IP.
    out.append(struct.pack(">BBHIII", 0x8f, 0x00, 0x8035, 2, 7, 6) + b"\xff\xff")
    return [(f, None) for f in out] + [(out[0], 10)]


def frelay_frames():
    out = []
    dlci = 100
    address = struct.pack(">H", ((dlci >> 4) << 10) | ((dlci & 0x0f) << 4) | 0x01)
    for pkt, ethertype in ip_payloads():
        nlpid = 0xcc if ethertype == 0x0800 else 0x8e
        out.append(address + bytes([0x03, nlpid]) + raw(pkt))
    # SNAP-encapsulated IP (NLPID 0x80), as routers send it for other protocols.
    out.append(address + bytes([0x03, 0x00, 0x80]) + b"\x00\x00\x00\x08\x00" +
               raw(ip_payloads()[0][0]))
    return [(f, None) for f in out] + [(out[0], 5)]


def slip_frames():
    out = []
    for i, (pkt, ethertype) in enumerate(ip_payloads()):
        if ethertype != 0x0800:
            continue
        # libpcap's SLIP pseudo-header: direction, then the compressed header's type
        # (TYPE_IP, 0x40; once 0, which tcpdump calls unknown).
        header = bytes([i % 2, 0x40 if i else 0]) + bytes(14)
        out.append(header + raw(pkt))
    return [(f, None) for f in out] + [(out[0], 12)]


def ipoib_frames():
    # As Linux captures it (and tcpdump and Wireshark read it): a 40-byte global route
    # header (version, class and flow; source queue pair; source and destination GIDs),
    # then RFC 4391's type and reserved field.
    grh = (struct.pack(">II", 0x60000000, 0x48) +
           bytes.fromhex("fe800000000000000002c90300001111") +
           bytes.fromhex("fe800000000000000002c90300002222"))
    out = []
    for pkt, ethertype in ip_payloads():
        out.append(grh + struct.pack(">HH", ethertype, 0) + raw(pkt))
    out.append(grh + struct.pack(">HH", 0x0806, 0) + raw(ARP(op=1, psrc=C4, pdst=S4)))
    return [(f, None) for f in out] + [(out[0], 30)]


def write_pcap(path, link, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, link))
        for i, (frame, caplen) in enumerate(frames):
            cap = frame[:caplen] if caplen is not None else frame
            f.write(struct.pack("<IIII", 1700000000 + i, 1000 * i, len(cap), len(frame)))
            f.write(cap)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    radio, plain = [], []
    for frame, rt, fcs, caplen in wifi_frames():
        if rt is RT_BADFCS:
            # The radiotap flags say the FCS failed, and it does.
            full = rt + frame + b"\xde\xad\xbe\xef"
        elif fcs:
            full = RT_FCS + with_fcs(frame)
        else:
            full = rt + frame
        radio.append((full, caplen))
        plain.append((frame, None if caplen is None else max(caplen - len(rt), 1)))
    write_pcap(os.path.join(out, "radiotap.pcap"), 127, radio)
    write_pcap(os.path.join(out, "wlan.pcap"), 105, plain)
    write_pcap(os.path.join(out, "chdlc.pcap"), 104, chdlc_frames())
    write_pcap(os.path.join(out, "frelay.pcap"), 107, frelay_frames())
    write_pcap(os.path.join(out, "slip.pcap"), 8, slip_frames())
    write_pcap(os.path.join(out, "ipoib.pcap"), 242, ipoib_frames())


if __name__ == "__main__":
    main()
