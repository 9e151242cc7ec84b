#!/usr/bin/env bash
# Answering echo requests: hark with icmp_echo_reply() into --replies beside Scapy doing the
# same job (sniff(offline=…, prn=…) building each reply, then wrpcap).
#
#   bash benches/replies.sh           # 100,000 requests (Scapy gets a tenth, per packet)
#
# Needs: python3 with scapy (installed with pip if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import scapy' 2>/dev/null || pip install --quiet scapy
cargo build --release --quiet
hark=target/release/hark
n=${REQUESTS:-100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The requests, crafted by hark itself: n pings from 256 sources, all in one second of
# packet time; the bench lifts --send-rate, which would otherwise keep 10,000 of them.
cat > "$work/gen.rhai" <<RHAI
fn main() {
    for i in 0..$n {
        send(packet(#{ eth: #{ src: "02:00:00:00:00:07", dst: "02:00:00:00:00:01" },
                       ip: #{ src: \`198.18.1.\${i % 256}\`, dst: "198.18.0.1" },
                       icmp: #{ id: i % 65536, seq: i % 65536 }, payload: "abcdefghijklmnopqrstuvwxyz012345" }));
    }
}
RHAI
"$hark" run "$work/gen.rhai" -w "$work/requests.pcap"
printf 'const FILTER = "icmp[icmptype] == icmp-echo";\nfn on_packet(pkt) { send(icmp_echo_reply(pkt)); }\n' > "$work/echo.rhai"
cat "$work/requests.pcap" > /dev/null
seconds() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo "scale=4; ($e - $s) / 1000000000" | bc -l; }
times=()
for _ in 1 2 3 4 5; do times+=("$(seconds "$hark" -q -r "$work/requests.pcap" -s "$work/echo.rhai" --replies "$work/replies.pcap" --send-rate 100000000)"); done
hark_s=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
replies=$("$hark" -q -r "$work/replies.pcap" 2>&1 | awk '{print $1}')

tenth=$((n / 10))
cat > "$work/scapy_echo.py" <<'PY'
import sys, time
from scapy.all import sniff, wrpcap, Ether, IP, ICMP, Raw
out = []
def answer(q):
    if ICMP in q and q[ICMP].type == 8:
        out.append(Ether(src=q.dst, dst=q.src) / IP(src=q[IP].dst, dst=q[IP].src)
                   / ICMP(type=0, id=q[ICMP].id, seq=q[ICMP].seq) / q[Raw].load)
start = time.time()
sniff(offline=sys.argv[1], prn=answer, store=False, count=int(sys.argv[2]))
wrpcap(sys.argv[3], out)
print(time.time() - start)
PY
scapy_s=$(python3 "$work/scapy_echo.py" "$work/requests.pcap" "$tenth" "$work/scapy.pcap" 2>/dev/null | tail -1)
hark_rate=$(echo "$n / $hark_s" | bc -l)
scapy_rate=$(echo "$tenth / $scapy_s" | bc -l)
printf 'hark: %d requests answered in %.3f s (median of 5): %.0f k replies/s (%s replies written)\n' "$n" "$hark_s" "$(echo "$hark_rate / 1000" | bc -l)" "$replies"
printf 'scapy: %d requests in %.2f s: %.1f k replies/s; hark is %.0fx faster\n' "$tenth" "$scapy_s" "$(echo "$scapy_rate / 1000" | bc -l)" "$(echo "$hark_rate / $scapy_rate" | bc -l)"
