#!/usr/bin/env bash
# Seeds the fuzz corpora from ../shared/corpus, builds every target and runs each for
# SECONDS (default 30), one after another; prints each target's executions and coverage
# and fails on the first crash, timeout or out-of-memory (its input is in
# fuzz/artifacts/TARGET/).
#
#   bash fuzz/run.sh [SECONDS] [TARGET...]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a C++ compiler; on the stable
# toolchain, RUSTC_BOOTSTRAP=1 lets cargo-fuzz use the compiler flags it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(read decode filter script)
export RUSTC_BOOTSTRAP=1
# No sanitizer: hark outside src/sys is safe Rust, and without one the targets ran 4 to
# 160 times faster here (fuzz/README.md), which finds more in the same time.
fuzz=(cargo fuzz run -O -s none)
python3 fuzz/seed.py ../shared/corpus/pcap fuzz/corpus
cargo fuzz build -O -s none
for target in "${targets[@]}"; do
    log=$(mktemp)
    if ! "${fuzz[@]}" "$target" "fuzz/corpus/$target" -- -max_total_time="$seconds" \
        -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 >"$log" 2>&1; then
        tail -n 40 "$log"
        echo "fuzz: $target failed; the input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    echo "fuzz: $target: $runs runs in ${seconds}s, $cov edges, no crash"
    rm -f "$log"
done
