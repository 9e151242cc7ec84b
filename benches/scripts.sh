#!/usr/bin/env bash
# hark's script chain beside Suricata 7 and Scapy on the same generated capture.
#
#   bash benches/scripts.sh
#
# Needs: python3 with scapy (pip), Suricata 7 (installed from Debian's bookworm-backports
# suite if missing, with the machine's configured mirror), GNU time.
set -euo pipefail
source "$(dirname "$0")/common.sh"
small=$(capture 100000)
if ! command -v suricata >/dev/null; then
    uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || echo http://deb.debian.org/debian)
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" \
        > /etc/apt/sources.list.d/backports.sources
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports suricata >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rounds=${ROUNDS:-11}
seconds() { # wall seconds of one run, output discarded
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    echo "scale=4; ($end - $start) / 1000000000" | bc -l
}
per_packet() { echo "$1 * 1000000000 / $2" | bc -l | awk '{printf "%.0f ns", $1}'; }
rate() { echo "$2 / $1" | bc -l | awk '{printf "%.2f M packets/s", $1/1e6}'; }

# Suricata: one rule, single runmode, alerts-only EVE.
cat > "$work/suricata.yaml" <<YAML
%YAML 1.1
---
default-log-dir: $work
outputs:
  - eve-log:
      enabled: yes
      filetype: regular
      filename: eve.json
      types:
        - alert
logging:
  default-log-level: error
YAML
echo 'alert tcp any any -> any 22 (msg:"SSH SYN"; flags:S; sid:1; rev:1;)' > "$work/ssh.rules"
# Every round runs each command once, one after the other, so that the machine's drift
# over the run touches them alike; each figure is a median over the rounds, and each
# comparison the median of the per-round ratios.
cat > "$work/ssh_nofilter.rhai" <<'RHAI'
fn on_start() { this.tries = table(#{ ttl: 600, max: 100000 }); }
fn on_packet(pkt) {
    if pkt.tcp?.syn == true && pkt.tcp.ack == false && pkt.dport == 22 {
        let n = this.tries.incr(pkt.src);
        if n == 10 { alert("SSH brute force", #{ severity: 2, attempts: n }); }
    }
}
RHAI
# A FILTER that admits nothing, against no script at all: the cost of a rejected packet.
printf 'const FILTER = "tcp dst port 1";\nfn on_packet(pkt) { alert("never"); }\n' > "$work/reject.rhai"
cat "$mix" >/dev/null # read once, so that no round pays for the disk
for _ in $(seq "$rounds"); do
    echo "$(seconds suricata -r "$mix" --runmode single -S "$work/ssh.rules" -c "$work/suricata.yaml" -l "$work" -k none) \
$(seconds "$hark" -q -r "$mix" -s scripts/ssh_bruteforce.rhai --alerts /dev/null) \
$(seconds "$hark" -q -r "$mix" -s "$work/ssh_nofilter.rhai" --alerts /dev/null) \
$(seconds "$hark" -q -r "$mix" -s "$work/reject.rhai") \
$(seconds "$hark" -q -r "$mix")"
done > "$work/rounds"
column() { awk -v c="$1" '{print $c}' "$work/rounds" | median; }
suricata_s=$(column 1)
hark_s=$(column 2)
nofilter_s=$(column 3)
reject_s=$(column 4)
bare_s=$(column 5)
filter_ratio=$(awk '{print $1 / $2}' "$work/rounds" | median)
nofilter_ratio=$(awk '{print $3 / $1}' "$work/rounds" | median)
reject_ns=$(awk -v n="$packets" '{print ($4 - $5) * 1e9 / n}' "$work/rounds" | median)

# Scapy on a tenth of the capture, per packet.
cat > "$work/scapy_ssh.py" <<'PY'
import sys
from collections import Counter
from scapy.all import sniff, TCP, IP
tries = Counter()
def seen(p):
    if TCP in p and IP in p and p[TCP].dport == 22 and p[TCP].flags & 0x12 == 0x02:
        tries[p[IP].src] += 1
sniff(offline=sys.argv[1], prn=seen, store=False)
PY
scapy_s=$(seconds python3 "$work/scapy_ssh.py" "$small")

echo "capture: $mix ($packets packets), medians of $rounds rounds"
echo "suricata 7 (one rule, --runmode single): $(rate "$suricata_s" "$packets") ($suricata_s s)"
echo "hark, ssh_bruteforce.rhai with FILTER:   $(rate "$hark_s" "$packets") ($hark_s s), $(printf '%.1f' "$filter_ratio")x Suricata"
echo "hark, same logic without FILTER:         $(per_packet "$nofilter_s" "$packets") a packet all in ($nofilter_s s), $(printf '%.2f' "$nofilter_ratio")x Suricata's time"
echo "hark, a FILTER that rejects every packet: $(printf '%.0f' "$reject_ns") ns a packet over no script ($reject_s s vs $bare_s s)"
echo "scapy sniff(offline=...), 100000 packets: $(echo "100000 / $scapy_s / 1000" | bc -l | awk '{printf "%.1f k packets/s", $1}') ($scapy_s s); hark with FILTER is $(echo "($packets / $hark_s) / (100000 / $scapy_s)" | bc -l | awk '{printf "%.0f", $1}')x faster"
