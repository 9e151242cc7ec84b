#!/usr/bin/env bash
# What a write into a script's state costs as the state grows: a plain map in `this` and a
# `table()`, one new key a packet, over the first 1,000 packets and over 80,000 (the
# script's own time, from the stats event), on the generated 100 k-packet mix.
#
#   bash benches/state.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
small=$(capture 100000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/map.rhai" <<'RHAI'
fn on_start() { this.seen = #{}; this.n = 0; }
fn on_packet(pkt) { this.n += 1; this.seen[`k${this.n}`] = this.n; }
RHAI
cat > "$work/table.rhai" <<'RHAI'
fn on_start() { this.seen = table(#{ ttl: 3600, max: 1000000 }); this.n = 0; }
fn on_packet(pkt) { this.n += 1; this.seen[`k${this.n}`] = this.n; }
RHAI
script_ns() { # ns a packet of the script's time over the first $2 packets, median of 5
    for _ in 1 2 3 4 5; do
        "$hark" -q --json -r "$small" -c "$2" -s "$1" 2>/dev/null |
            python3 -c 'import json,sys; s=[json.loads(l) for l in sys.stdin][-1]["stats"]["scripts"][0]; print(s["time_us"] * 1000 / (s["calls"] - 1))'
    done | median
}
for kind in map table; do
    first=$(script_ns "$work/$kind.rhai" 1000)
    all=$(script_ns "$work/$kind.rhai" 80000)
    printf '%-6s first 1k packets: %6.0f ns a packet; all 80k: %6.0f ns a packet (%.2fx)\n' \
        "$kind" "$first" "$all" "$(echo "$all / $first" | bc -l)"
done
