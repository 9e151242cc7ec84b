#!/usr/bin/env bash
# Reading at the floor: hark beside `cat` (the kernel's copy alone) and tcpdump on the same
# capture, already in the page cache, with wall, user and system seconds. `hark -r F` maps
# the file; `hark -r - < F` reads it as it reads a pipe, for comparison.
#
#   bash benches/read.sh              # 1,000,000 packets, 11 rounds
#   ROUNDS=21 bash benches/read.sh
#
# Every round runs each command once, one after the other, so that the machine's drift
# touches them alike; each figure is the median over the rounds, and each ratio the median
# of the per-round ratios. Needs: python3 (scapy with pip, for the capture), tcpdump.
set -euo pipefail
source "$(dirname "$0")/common.sh"
rounds=${ROUNDS:-11}
expr='tcp dst port 22 and tcp[tcpflags] & tcp-syn != 0'
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# "wall user sys" of one run, in seconds, output discarded.
times() {
    local TIMEFORMAT='%3R %3U %3S'
    { time "$@" >/dev/null 2>&1; } 2>&1 || true
}

cat "$mix" >/dev/null # into the page cache
for _ in $(seq "$rounds"); do
    echo "$(times cat "$mix") $(times "$hark" -q -r "$mix") \
$(times "$hark" -q -r "$mix" -w /dev/null "$expr") $(times tcpdump -r "$mix" -w /dev/null "$expr") \
$(times sh -c "exec \"\$0\" -q -r - < \"\$1\"" "$hark" "$mix")"
done > "$work/rounds"
col() { awk -v c="$1" '{print $c}' "$work/rounds" | median; }
row() { # name, first column of its three
    printf '%-58s %7.3f %7.3f %7.3f\n' "$1" "$(col "$2")" "$(col $(($2 + 1)))" "$(col $(($2 + 2)))"
}
echo "capture: $mix ($packets packets, $(du -m "$mix" | cut -f1) MB), median of $rounds rounds"
printf '%-58s %7s %7s %7s\n' command wall user sys
row "cat F > /dev/null" 1
row "hark -q -r F" 4
row "hark -q -r F -w /dev/null '$expr'" 7
row "tcpdump -r F -w /dev/null (same expression)" 10
row "hark -q -r - < F (read, not mapped)" 13
read_ratio=$(awk '{print $4 / $1}' "$work/rounds" | median)
stream_ratio=$(awk '{print $13 / $1}' "$work/rounds" | median)
filter_ratio=$(awk '{print $10 / $7}' "$work/rounds" | median)
printf 'reading: hark takes %.2fx the time of cat mapped, %.2fx read; filter: hark is %.2fx as fast as tcpdump\n' \
    "$read_ratio" "$stream_ratio" "$filter_ratio"
