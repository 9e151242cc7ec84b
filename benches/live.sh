#!/usr/bin/env bash
# Live capture, as root, in two network namespaces joined by a veth pair (198.18.1.0/24):
#
# 1. Drops: the IPv4 part of the 1 M-packet mix replayed with `tcpreplay --topspeed` into
#    one end; on the other, hark running the SSH brute-force and port-scan scripts and
#    printing lines to /dev/null, then tcpdump -n printing lines to /dev/null. Prints each
#    one's kernel counts (received, dropped) and the replay rate.
# 2. Reply latency: 1,000 pings to a host that does not exist, answered by hark with
#    scripts/answer_ping.rhai --inject; from a tcpdump capture on the client's side, the time
#    from each request to its reply on the wire: median and 99th percentile.
set -euo pipefail
source "$(dirname "$0")/common.sh"
[ "$(id -u)" = 0 ] || { echo "benches/live.sh needs root (network namespaces)" >&2; exit 1; }

tmp=$(mktemp -d)
client=hark-bench-$$-c
router=hark-bench-$$-r
cleanup() {
    for ns in $client $router; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add $client
ip netns add $router
ip link add c0 netns $client type veth peer name r0 netns $router
for pair in "$client c0 198.18.1.1" "$router r0 198.18.1.2"; do
    set -- $pair
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip -n "$1" addr add "$3/24" dev "$2"
    ip -n "$1" link set "$2" up
    ip -n "$1" link set lo up
done

v4=$tmp/v4.pcap
"$hark" -q -r "$mix" -w "$v4" ip
echo "replaying $("$hark" -q -r "$v4" 2>&1 | head -1 | cut -d' ' -f1) IPv4 packets of $mix"

# Runs a capture in the router namespace while the capture is replayed; prints the
# capture's closing lines and tcpreplay's rate.
replay_into() {
    ip netns exec $router "$@" > /dev/null 2> "$tmp/capture.err" &
    local capture=$!
    sleep 1
    ip netns exec $client tcpreplay --topspeed -i c0 "$v4" 2>&1 | grep -E 'Rated:' | sed 's/^ *//'
    sleep 1
    kill -INT $capture
    wait $capture || true
    grep -E 'received by filter|dropped by kernel' "$tmp/capture.err"
}
echo "== hark -i r0 -s ssh_bruteforce.rhai -s tcp_portscan.rhai (lines to /dev/null)"
replay_into "$hark" -i r0 -s scripts/ssh_bruteforce.rhai -s scripts/tcp_portscan.rhai
echo "== tcpdump -n -i r0 (lines to /dev/null)"
replay_into tcpdump -n -i r0

echo "== reply latency: ping a host that does not exist, answered by hark --inject"
sed 's/^const GHOST = .*/const GHOST = "198.18.1.99";/' scripts/answer_ping.rhai > "$tmp/answer_ping.rhai"
ip netns exec $router "$hark" -i r0 --inject -q -s "$tmp/answer_ping.rhai" 2> /dev/null &
responder=$!
ip netns exec $client tcpdump -i c0 -n -w "$tmp/latency.pcap" icmp 2> /dev/null &
watcher=$!
sleep 1
ip netns exec $client ping -q -c 1000 -i 0.005 198.18.1.99 | tail -1
sleep 0.5
kill -INT $watcher $responder
wait $watcher $responder || true
tshark -r "$tmp/latency.pcap" -T fields -e frame.time_epoch -e icmp.type -e icmp.seq |
python3 -c '
import sys
asked = {}
waits = []
for line in sys.stdin:
    t, kind, seq = line.split()
    if kind == "8":
        asked[seq] = float(t)
    elif kind == "0" and seq in asked:
        waits.append((float(t) - asked.pop(seq)) * 1e6)
waits.sort()
n = len(waits)
print(f"{n} replies: median {waits[n // 2]:.0f} us, 99th percentile {waits[min(n - 1, n * 99 // 100)]:.0f} us")
'
