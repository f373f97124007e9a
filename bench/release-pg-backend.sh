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
# pstree and ss; pg_stat_wal / pg_stat_bgwriter and the run's own tables (pg_stat_user_tables:
# inserts, HOT updates, autovacuum / autoanalyze counts) are printed before and after the window.
# Also: pg_stat_activity sampled every ~10 ms through one psql session (the batch session's wait
# events, autovacuum workers and their tables, other sessions), and which process took the core
# when the backend was preempted (the bench server, the load generator, PostgreSQL, others).
# DATABASE_URL picks the cluster (e.g. a private one on another port); PGB_KEEP=1 keeps the files.
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
tree=$(cd "${1:-$here}" && pwd); secs=${2:-10}
out=$(mktemp -d /tmp/cg-pg-backend.XXXXXX)
url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
port=$(echo "$url" | sed -E 's#.*:([0-9]+)/.*#\1#')
psql_() { psql "${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}" -Atc "$1"; }
# The bench schema's tables (the run's own schema, created fresh: counts are the run's so far).
tables() { psql_ "select 'table ' || relname || ': ins ' || n_tup_ins || ', upd ' || n_tup_upd || ' (hot ' || n_tup_hot_upd || '), dead ' || n_dead_tup || ', autovacuum ' || autovacuum_count || ', autoanalyze ' || autoanalyze_count || ', heap pages ' || pg_relation_size(relid) / 8192 || ', index pages ' || pg_indexes_size(relid) / 8192 from pg_stat_user_tables where schemaname = 'cg_bench_http_$srv' and n_tup_ins + n_tup_upd > 100 order by relname"; }
stats() { tables; psql_ "select 'wal: records ' || wal_records || ', fpi ' || wal_fpi || ', bytes ' || wal_bytes || ', buffers_full ' || wal_buffers_full || ', writes ' || wal_write || ', syncs ' || wal_sync from pg_stat_wal"; psql_ "select 'bgwriter: checkpoints ' || checkpoints_timed + checkpoints_req || ', buffers_checkpoint ' || buffers_checkpoint || ', buffers_backend ' || buffers_backend || ', buffers_clean ' || buffers_clean from pg_stat_bgwriter"; }
cd "$tree"
CG_TRACE_KEEP="$out/trace.json" node --import tsx bench/release-trace.ts postgres "$secs" > "$out/trace.txt" 2>&1 &
tp=$!
pid=""; ports=""
for _ in $(seq 1 120); do
  sleep 0.5
  kids=$(pstree -p $tp | grep -o '([0-9]*)' | tr -d '()' | paste -sd'|' -)
  ports=$(ss -tnpH "dport = :$port" | grep -E "pid=($kids)," | awk '{print $4}' | sed 's/.*://' | paste -sd, -)
  [ -n "$ports" ] && pid=$(psql_ "select pid from pg_stat_activity where query like 'WITH u AS%' and client_port in ($ports) order by query_start desc limit 1")
  [ -n "$pid" ] && break
done
[ -n "$pid" ] || { echo "no batch session found" >&2; kill $tp; exit 1; }
# The bench server's process (its schema is cg_bench_http_<pid>_…): the one holding the session.
srv=$(ss -tnpH "dport = :$port" | grep -E "pid=($kids)," | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
# The warm-up (3 s) is running: take the session that is busy now (the first decision batch
# goes through the pool, whose connection also last ran the batch text).
sleep 2.5
# The held session is the one that keeps running it: the pid seen running it most often in 20 looks.
p2=$(for _ in $(seq 1 20); do psql_ "select pid from pg_stat_activity where query like 'WITH u AS%' and client_port in ($ports) and state = 'active'"; sleep 0.05; done | sort | uniq -c | sort -rn | awk 'NR == 1 {print $2}')
[ -n "$p2" ] && pid=$p2
echo "$pid" > "$out/pid"
sleep 1
stats > "$out/stats0.txt"
# The run's tables again before the window ends (the bench drops its schema when it stops).
(sleep $((secs - 5)); tables > "$out/tables1.txt") &
# PostgreSQL's own view, sampled every ~10 ms through one session of its own: what each active
# backend waits on (the batch session's wait events), and autovacuum workers and their tables.
q="select 'w', (extract(epoch from clock_timestamp()) * 1000)::bigint, pid, backend_type, coalesce(wait_event_type, 'CPU'), coalesce(wait_event, '-'), left(query, 50) from pg_stat_activity where pid <> pg_backend_pid() and state = 'active' and backend_type in ('client backend', 'autovacuum worker'); select pg_sleep(0.01);"
for _ in $(seq 1 $((secs * 80))); do echo "$q"; done > "$out/sample.sql"
python3 -c 'import time; print(time.time() * 1e3 - time.clock_gettime(time.CLOCK_MONOTONIC) * 1e3)' > "$out/walloffset"
psql "${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}" -Atq -F'|' -f "$out/sample.sql" > "$out/waits.txt" 2>/dev/null &
sp=$!
# Every thread's process, to name what took the core from the backend (bench/release-pg-backend.py).
(sleep 2; ps -eLo tid=,pid=,comm= > "$out/threads.txt"; echo "$srv $tp" > "$out/roles") &
perf record -q -a -k mono -o "$out/perf.data" \
  -e sched:sched_switch --filter "prev_pid == $pid || next_pid == $pid" \
  -e sched:sched_wakeup --filter "pid == $pid" \
  -e syscalls:sys_enter_fdatasync --filter "common_pid == $pid" -e syscalls:sys_exit_fdatasync --filter "common_pid == $pid" \
  -e syscalls:sys_exit_recvfrom --filter "common_pid == $pid" -e syscalls:sys_enter_sendto --filter "common_pid == $pid" \
  -e syscalls:sys_enter_pwrite64 --filter "common_pid == $pid" \
  -- sleep $((secs - 2)) 2>/dev/null
stats > "$out/stats1.txt"
kill $sp 2>/dev/null || true
wait $tp
perf script -i "$out/perf.data" -F comm,pid,tid,cpu,time,event,trace > "$out/perf.txt" 2>/dev/null
cat "$out/trace.txt"
echo "before: $(paste -sd';' "$out/stats0.txt")"
echo "after:  $(paste -sd';' "$out/stats1.txt")"
echo "tables $((secs - 5)) s into the window: $(paste -sd';' "$out/tables1.txt")"
python3 "$here/bench/release-pg-backend.py" "$out"
[ -n "$PGB_KEEP" ] && echo "kept: $out" || rm -rf "$out"
