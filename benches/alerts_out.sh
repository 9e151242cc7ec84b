#!/usr/bin/env bash
# What sending alerts costs, by sink: none, an --alerts file, and Redis (list mode, one
# RPUSH of many alerts a batch), on the generated 1 M-packet mix with a detector that
# keeps a table per source as the SSH detector does and alerts on every 10th packet
# (100 k alerts), then with a script that does nothing but alert on every packet (1 M
# alerts), to find the sinks' ceiling.
# Each figure is the median of 5 runs; the Redis runs end only when every alert is in
# Redis (hark drains its queue before it exits), and the bench checks that they all are.
#
#   bash benches/alerts_out.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
work=$(mktemp -d)
# The alerts file is kept out of the scripts' folder: hark watches that folder for saves,
# and every write of an alert there wakes the watch (2.5 µs an alert more, measured).
out=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null &
redis=$!
trap 'kill $redis 2>/dev/null; rm -rf "$work" "$out"' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done
cat > "$work/every10.rhai" <<'RHAI'
fn on_start() { this.seen = table(#{ ttl: 600, max: 100000 }); }
fn on_packet(pkt) {
    let n = this.seen.incr(pkt.src);
    if pkt.number % 10 == 0 { alert("every 10", #{ severity: 2, attempts: n }); }
}
RHAI
cat > "$work/every1.rhai" <<'RHAI'
fn on_packet(pkt) { alert("every packet", #{ severity: 2 }); }
RHAI
wall() { # wall seconds of one run of "$@"
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}
for every in 10 1; do
    script=$work/every$every.rhai
    alerts=$((packets / every))
    # The three runs take turns, round by round, so that the machine's drift falls on all
    # three alike; each figure is the median over the rounds of that round's difference.
    : > "$work/rounds"
    for _ in 1 2 3 4 5 6 7; do
        redis-cli -p "$port" DEL eve >/dev/null
        none=$(wall "$hark" -q -r "$mix" -s "$script")
        file=$(wall "$hark" -q -r "$mix" -s "$script" --alerts "$out/alerts.json")
        rm -f "$out/alerts.json"
        redis_s=$(wall "$hark" -q -r "$mix" -s "$script" --alerts "redis://127.0.0.1:$port/eve")
        held=$(redis-cli -p "$port" LLEN eve)
        [ "$held" = "$alerts" ] || { echo "Redis holds $held alerts, not $alerts" >&2; exit 1; }
        echo "$none $file $redis_s" >> "$work/rounds"
    done
    column() { awk -v c="$1" '{print $c}' "$work/rounds" | median; }
    per_alert() { awk -v c="$1" -v n="$alerts" '{print ($c - $1) * 1e9 / n}' "$work/rounds" | median; }
    printf 'alert every %2d packets (%d alerts), medians of 7 rounds: no sink %.3f s; file %.3f s (%.0f ns an alert); redis list %.3f s (%.0f ns an alert; %.0f k alerts a second into Redis, end to end)\n' \
        "$every" "$alerts" "$(column 1)" "$(column 2)" "$(per_alert 2)" "$(column 3)" "$(per_alert 3)" \
        "$(echo "$alerts / $(column 3) / 1000" | bc -l)"
done
