#!/usr/bin/env bash
# Rewriting every packet: a script that lowers the TTL of each IP packet of the mix and
# writes the result with -w, beside the same script reading the TTL without writing it.
# The difference, per packet, is what editing costs (the write, the checksum, the copy
# of an edited packet to -w).
#
#   bash benches/rewrite.sh           # 1,000,000 packets, 7 rounds
#
# Each round runs both, one after the other; figures are medians over the rounds.
set -euo pipefail
source "$(dirname "$0")/common.sh"
rounds=${ROUNDS:-7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'const FILTER = "ip or ip6";\nfn on_packet(pkt) { let ttl = pkt.ip.ttl; if ttl > 1 { pkt.ip.ttl = ttl - 1; } }\n' > "$work/lower.rhai"
printf 'const FILTER = "ip or ip6";\nfn on_packet(pkt) { let ttl = pkt.ip.ttl; if ttl > 1 { let lower = ttl - 1; } }\n' > "$work/read.rhai"
cat "$mix" >/dev/null
seconds() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo "scale=4; ($e - $s) / 1000000000" | bc -l; }
for _ in $(seq "$rounds"); do
    echo "$(seconds "$hark" -q -r "$mix" -s "$work/read.rhai" -w "$work/read.pcap") \
$(seconds "$hark" -q -r "$mix" -s "$work/lower.rhai" -w "$work/lower.pcap")"
done > "$work/rounds"
read_s=$(awk '{print $1}' "$work/rounds" | median)
lower_s=$(awk '{print $2}' "$work/rounds" | median)
ns=$(awk -v n="$packets" '{printf "%.0f\n", ($2 - $1) * 1e9 / n}' "$work/rounds" | median)
echo "capture: $mix ($packets packets), median of $rounds rounds"
printf 'reading the TTL, -w:   %7.3f s\n' "$read_s"
printf 'lowering the TTL, -w:  %7.3f s\n' "$lower_s"
printf 'cost of the edit:      %7.0f ns a packet (goal: at most 300)\n' "$ns"
