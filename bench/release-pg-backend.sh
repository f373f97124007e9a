#!/bin/bash
# What a journal batch's commit is made of inside PostgreSQL, at the fixed rate (issue 20 goal 1):
#   bench/release-pg-backend.sh [tree (default: this checkout)] [seconds (default 10)]
# Runs bench/release-trace.ts (postgres) from the tree, finds its bench server's batch session
# (the backend whose last statement is the one-statement batch, on one of the server's own
# connections), and records that backend with `perf record -a -k mono` (tracepoints only:
# sched_switch / sched_wakeup, fdatasync, recvfrom, sendto, pwrite64) for the measured window.
# bench/release-pg-backend.py then splits each statement, wake-up to reply, into run-queue wait,
# on-CPU, preempted, and asleep (in fdatasync or elsewhere: a row lock, the WAL write lock), and
# matches the server's batches (the trace's monoOffset) to them. Needs root (perf tracepoints),
# pstree and ss; pg_stat_wal / pg_stat_bgwriter are printed before and after the window.
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
tree=$(cd "${1:-$here}" && pwd); secs=${2:-10}
out=$(mktemp -d /tmp/cg-pg-backend.XXXXXX)
psql_() { psql "${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}" -Atc "$1"; }
stats() { psql_ "select 'wal: records ' || wal_records || ', fpi ' || wal_fpi || ', bytes ' || wal_bytes || ', buffers_full ' || wal_buffers_full || ', writes ' || wal_write || ', syncs ' || wal_sync from pg_stat_wal"; psql_ "select 'bgwriter: checkpoints ' || checkpoints_timed + checkpoints_req || ', buffers_checkpoint ' || buffers_checkpoint || ', buffers_backend ' || buffers_backend || ', buffers_clean ' || buffers_clean from pg_stat_bgwriter"; }
cd "$tree"
CG_TRACE_KEEP="$out/trace.json" node --import tsx bench/release-trace.ts postgres "$secs" > "$out/trace.txt" 2>&1 &
tp=$!
pid=""; ports=""
for _ in $(seq 1 120); do
  sleep 0.5
  kids=$(pstree -p $tp | grep -o '([0-9]*)' | tr -d '()' | paste -sd'|' -)
  ports=$(ss -tnpH "dport = :5432" | grep -E "pid=($kids)," | awk '{print $4}' | sed 's/.*://' | paste -sd, -)
  [ -n "$ports" ] && pid=$(psql_ "select pid from pg_stat_activity where query like 'WITH u AS%' and client_port in ($ports) order by query_start desc limit 1")
  [ -n "$pid" ] && break
done
[ -n "$pid" ] || { echo "no batch session found" >&2; kill $tp; exit 1; }
# The warm-up (3 s) is running: take the session that is busy now (the first decision batch
# goes through the pool, whose connection also last ran the batch text).
sleep 2.5
pid=$(psql_ "select pid from pg_stat_activity where query like 'WITH u AS%' and client_port in ($ports) order by query_start desc limit 1")
echo "$pid" > "$out/pid"
sleep 1
stats > "$out/stats0.txt"
perf record -q -a -k mono -o "$out/perf.data" \
  -e sched:sched_switch --filter "prev_pid == $pid || next_pid == $pid" \
  -e sched:sched_wakeup --filter "pid == $pid" \
  -e syscalls:sys_enter_fdatasync --filter "common_pid == $pid" -e syscalls:sys_exit_fdatasync --filter "common_pid == $pid" \
  -e syscalls:sys_exit_recvfrom --filter "common_pid == $pid" -e syscalls:sys_enter_sendto --filter "common_pid == $pid" \
  -e syscalls:sys_enter_pwrite64 --filter "common_pid == $pid" \
  -- sleep $((secs - 2)) 2>/dev/null
stats > "$out/stats1.txt"
wait $tp
perf script -i "$out/perf.data" -F comm,pid,tid,cpu,time,event,trace > "$out/perf.txt" 2>/dev/null
cat "$out/trace.txt"
echo "before: $(paste -sd';' "$out/stats0.txt")"
echo "after:  $(paste -sd';' "$out/stats1.txt")"
python3 "$here/bench/release-pg-backend.py" "$out"
rm -rf "$out"
