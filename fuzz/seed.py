#!/usr/bin/env python3
"""Seeds the fuzz corpora from the shared captures, at run time (nothing is kept in the repo).

    python3 fuzz/seed.py ../shared/corpus/pcap fuzz/corpus

read/:   every capture file, whole.
decode/, script/: each packet of the classic pcap files, after one byte naming its link
         type (the index into fuzz_targets/common.rs's LINKS).
filter/: each filter conformance expression, a NUL, a link byte and one packet.
"""
import os
import re
import struct
import sys

# LINKS in fuzz_targets/common.rs, by pcap link type.
LINKS = [0, 1, 9, 12, 14, 50, 101, 108, 113, 228, 229, 276]


def packets(path):
    """(link type, frame) for each record of a classic pcap file; none for pcapng."""
    data = open(path, "rb").read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        order = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        order = ">"
    else:
        return
    link = struct.unpack(order + "I", data[20:24])[0] & 0x0FFFFFFF
    at = 24
    while at + 16 <= len(data):
        caplen = struct.unpack(order + "I", data[at + 8:at + 12])[0]
        frame = data[at + 16:at + 16 + caplen]
        at += 16 + caplen
        yield link, frame


def expressions(root):
    text = open(os.path.join(root, "tests/filter_tcpdump.rs")).read()
    body = text[text.index("pub const EXPRESSIONS"):]
    body = body[:body.index("];")]
    return re.findall(r'"((?:[^"\\]|\\.)*)"', body)


def main():
    captures, out = sys.argv[1], sys.argv[2]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for target in ("read", "decode", "script", "filter"):
        os.makedirs(os.path.join(out, target), exist_ok=True)
    frames = []
    for name in sorted(os.listdir(captures)):
        path = os.path.join(captures, name)
        with open(path, "rb") as src, open(os.path.join(out, "read", name), "wb") as dst:
            dst.write(src.read())
        for link, frame in packets(path):
            if link in LINKS:
                frames.append(bytes([LINKS.index(link)]) + frame)
    # A few hundred packets spread over the files are enough to start from.
    step = max(1, len(frames) // 400)
    chosen = frames[::step]
    for i, seed in enumerate(chosen):
        for target in ("decode", "script"):
            with open(os.path.join(out, target, f"frame-{i:04}"), "wb") as f:
                f.write(seed)
    for i, expr in enumerate(expressions(root)):
        seed = expr.encode().replace(b"\\\\", b"\\") + b"\0" + chosen[i % len(chosen)]
        with open(os.path.join(out, "filter", f"expr-{i:03}"), "wb") as f:
            f.write(seed)
    print(f"seeded {len(os.listdir(captures))} captures, {len(chosen)} frames, "
          f"{len(expressions(root))} expressions into {out}")


if __name__ == "__main__":
    main()
