#!/bin/bash
# Which data a decision's simulated LL misses are on: see bench/gate-callgrind-parts.ts.
#   [GATE_PARTS=region,member slot,...] bench/gate-callgrind-parts.sh [tree (default: this checkout)] [chunks of 500 (default 20)]
# Runs every variant (a warmer before each chunk) in one process, one callgrind dump per variant,
# and prints per decision the JIT code's and builtins' data read misses (DLmr) of each, and what
# each warmer takes off against "nothing" (shared: against "shared-alone"; again: the second pass).
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
tree=$(cd "${1:-$here}" && pwd); chunks=${2:-20}
out=$(mktemp -d /tmp/gate-parts.XXXXXX); mkdir -p "$out/flags"
cd "$here"
nice -n 5 valgrind --tool=callgrind --instr-atstart=no --cache-sim=yes --D1=32768,8,64 --LL=16777216,16,64 \
  --callgrind-out-file="$out/cg.out" node --perf-basic-prof --allow-natives-syntax --max-semi-space-size=64 --import tsx \
  bench/gate-callgrind-parts.ts "$tree" "$out/flags" "$chunks" > "$out/log" 2>&1 &
vp=$!
while [ ! -e "$out/flags/variants" ]; do sleep 2; done
callgrind_control -i on $vp > /dev/null
v=0
while read -r name; do
  while [ ! -e "$out/flags/ready.$v" ]; do sleep 0.2; done
  callgrind_control -z $vp > /dev/null
  touch "$out/flags/go.$v"
  while [ ! -e "$out/flags/done.$v" ]; do sleep 0.5; done
  callgrind_control -d "v$v" $vp > /dev/null
  v=$((v + 1))
done < "$out/flags/variants"
callgrind_control -i off $vp > /dev/null
touch "$out/flags/exit"
wait $vp || true
echo "tree $tree, load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/gate-callgrind-parts.py "$out" "/tmp/perf-$vp.map"
echo "(callgrind output in $out)"
