# Sourced by the bench scripts: the generated captures, a release build of hark, and a
# median. Needs python3 (scapy is installed with pip if missing).

cd "$(dirname "${BASH_SOURCE[0]}")/.."
packets=${PACKETS:-1000000}
data=bench-data
mkdir -p "$data"
python3 -c 'import scapy' 2>/dev/null || pip install --quiet scapy

# The path of a generated capture of $1 packets, made on first use.
capture() {
    local file=$data/mix-$1.pcap
    [ -f "$file" ] || python3 ../shared/tools/gen_mix.py "$file" "$1" >/dev/null
    echo "$file"
}

# The median of the numbers on standard input, one a line.
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

mix=$(capture "$packets")
cargo build --release --quiet
hark=target/release/hark
