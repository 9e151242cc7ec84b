#!/usr/bin/env bash
# Runs hark beside tcpdump and tshark on the same generated capture and prints speed and
# memory ratios from the same run.
#
#   bash benches/compare.sh            # 1,000,000 packets (and a 10,000,000 memory check)
#   PACKETS=200000 bash benches/compare.sh
#
# The filter's own cost per packet, without I/O: cargo bench --bench filter
#
# Needs: python3 with scapy (installed with pip if missing), tcpdump, tshark, GNU time.
set -euo pipefail
source "$(dirname "$0")/common.sh"
runs=${RUNS:-3}

# Median wall seconds of `runs` runs of a command, output to /dev/null.
median_seconds() {
    local times=()
    for _ in $(seq "$runs"); do
        local start end
        start=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || true
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc -l)")
    done
    printf '%s\n' "${times[@]}" | median
}

# Peak resident memory in MiB of one run.
peak_mib() {
    /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.1f", $1/1024}'
}

rate() { echo "$packets / $1" | bc -l | awk '{printf "%.2f M/s", $1/1e6}'; }
ratio() { echo "$1 / $2" | bc -l | awk '{printf "%.1f", $1}'; }

echo "capture: $mix ($packets packets), median of $runs runs"
tcpdump_s=$(TZ=UTC median_seconds tcpdump -nr "$mix")
hark_lines_s=$(median_seconds "$hark" -r "$mix")
echo "lines:  hark $(rate "$hark_lines_s") ($hark_lines_s s)   tcpdump -nr $(rate "$tcpdump_s") ($tcpdump_s s)   hark is $(ratio "$tcpdump_s" "$hark_lines_s")x faster"

# tshark is slow; time it on a tenth of the packets and scale per packet.
tenth=$((packets / 10))
small=$(capture "$tenth")
tshark_s=$(runs=1 median_seconds tshark -r "$small" -T ek)
tshark_rate=$(echo "$tenth / $tshark_s" | bc -l)
hark_json_s=$(median_seconds "$hark" -r "$mix" --json)
hark_json_rate=$(echo "$packets / $hark_json_s" | bc -l)
echo "EVE:    hark $(rate "$hark_json_s") ($hark_json_s s)   tshark -T ek $(echo "$tshark_rate" | awk '{printf "%.1f k/s", $1/1e3}')   hark is $(echo "$hark_json_rate / $tshark_rate" | bc -l | awk '{printf "%.0f", $1}')x faster"

expr='tcp dst port 22 and tcp[tcpflags] & tcp-syn != 0'
cat_s=$(median_seconds cat "$mix")
tcpdump_filter_s=$(median_seconds tcpdump -r "$mix" -w /dev/null "$expr")
hark_filter_s=$(median_seconds "$hark" -q -r "$mix" -w /dev/null "$expr")
echo "filter: '$expr' with -w /dev/null: hark $(rate "$hark_filter_s") ($hark_filter_s s)   tcpdump $(rate "$tcpdump_filter_s") ($tcpdump_filter_s s)   hark is $(ratio "$tcpdump_filter_s" "$hark_filter_s")x faster   (cat of the file: $cat_s s)"

mem_1m=$(peak_mib "$hark" -r "$mix" --json)
echo "memory: hark --json peak RSS $mem_1m MiB on $packets packets"
if [ "${SKIP_BIG:-0}" != 1 ]; then
    big=$(capture 10000000)
    mem_10m=$(peak_mib "$hark" -r "$big" --json)
    echo "memory: hark --json peak RSS $mem_10m MiB on 10000000 packets ($(ratio "$mem_10m" "$mem_1m")x the 1M figure)"
fi
