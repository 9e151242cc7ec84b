#!/usr/bin/env bash
# A save's time to go live: from writing a script to the first packet its new version
# handles, while packets stream into hark through a pipe without a pause.
#
#   bash benches/reload.sh            # 100 saves
#   SAVES=300 bash benches/reload.sh
#
# Needs: python3 (scapy is installed with pip if missing, for the capture).
set -euo pipefail
source "$(dirname "$0")/common.sh"
small=$(capture 100000)
python3 benches/reload_latency.py "$hark" "$small" "${SAVES:-100}"
