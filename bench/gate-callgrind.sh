#!/bin/bash
# The statutory decision under callgrind: see bench/gate-callgrind.ts.
#   bench/gate-callgrind.sh [tree (default: this checkout)] [chunks of 500 (default 40)]
# Prints instructions (Ir), data reads, and simulated I1/D1/LL misses per decision (32 KB L1s, a
# 16 MB 16-way LL: the host's reported LL is not simulated faithfully), then the top functions
# (JIT code named from node's --perf-basic-prof map). Takes several minutes.
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
tree=$(cd "${1:-$here}" && pwd); chunks=${2:-40}
out=$(mktemp -d /tmp/gate-callgrind.XXXXXX); mkdir -p "$out/flags"
cd "$here"
nice -n 5 valgrind --tool=callgrind --instr-atstart=no --cache-sim=yes --D1=32768,8,64 --LL=16777216,16,64 \
  --callgrind-out-file="$out/cg.out" node --perf-basic-prof --allow-natives-syntax --max-semi-space-size=64 --import tsx \
  bench/gate-callgrind.ts "$tree" "$out/flags" "$chunks" > "$out/log" 2>&1 &
vp=$!
while [ ! -e "$out/flags/ready" ]; do sleep 2; done
callgrind_control -i on $vp > /dev/null; callgrind_control -z $vp > /dev/null
touch "$out/flags/go"
while [ ! -e "$out/flags/done" ]; do sleep 1; done
callgrind_control -d measured $vp > /dev/null; callgrind_control -i off $vp > /dev/null
touch "$out/flags/exit"
wait $vp || true
read -r n allows _ < "$out/flags/done" || true
echo "tree $tree: $n decisions ($allows allowed), load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/gate-callgrind-summary.py "$(ls "$out"/cg.out.* | tail -1)" "$n" "/tmp/perf-$vp.map"
echo "(callgrind output in $out)"
