"""Splits the batch session's statements (bench/release-pg-backend.sh's perf record) and matches
the bench server's batches to them. Argument: the directory the script wrote."""
import bisect, json, re, sys

d = sys.argv[1]
pid = int(open(f'{d}/pid').read())
ev = []
for line in open(f'{d}/perf.txt'):
    m = re.search(r'\]\s+([\d.]+):\s+(\S+):\s*(.*)$', line)
    if m:
        ev.append((float(m.group(1)) * 1e3, m.group(2), m.group(3)))
ev.sort(key=lambda e: e[0])
# Threads to processes (a snapshot mid-run), and which process is the bench server and which the
# load generator, to name what took the core from the backend.
tgid, roles = {}, {}
try:
    for line in open(f'{d}/threads.txt'):
        f = line.split(None, 2)
        if len(f) >= 2:
            tgid[int(f[0])] = int(f[1])
    srv, gen = (int(x) for x in open(f'{d}/roles').read().split())
    roles = {srv: 'the bench server', gen: 'the load generator'}
except (OSError, ValueError):
    pass


def who(tid, comm):
    p = tgid.get(tid)
    if p in roles:
        return roles[p] + ('' if p == tid else ' (other threads)')
    if comm == 'postgres':
        return 'other PostgreSQL processes'
    return 'other: ' + (comm if comm in ('node', 'swapper/0', 'swapper/1') or comm.startswith('kworker') else comm.split('/')[0])


def new(t):
    return {'wake': t, 'on': None, 'rx': None, 'cpu': 0.0, 'pre': 0.0, 'sleep': 0.0, 'fsync': 0.0, 'fs_in': None, 'nfsync': 0, 'pw': 0, 'by': {}}


# A statement: from the wake-up that brought its bytes to the reply's send. A wake-up after which
# the backend sleeps again before reading anything is dropped (no statement came with it).
stmts, cur, last_on, out_at, out_state, out_by = [], None, None, None, None, None
for t, name, tr in ev:
    if name == 'sched:sched_wakeup':
        if cur is None:
            cur = new(t)
    elif name == 'sched:sched_switch':
        prev = int(re.search(r'prev_pid=(\d+)', tr).group(1))
        nxt = int(re.search(r'next_pid=(\d+)', tr).group(1))
        if nxt == pid:
            if cur is not None:
                if cur['on'] is None:
                    cur['on'] = t
                elif out_at is not None:
                    cur['pre' if out_state == 'R' else 'sleep'] += t - out_at
                    if out_state == 'R':
                        cur['by'][out_by] = cur['by'].get(out_by, 0) + t - out_at
            last_on, out_at = t, None
        if prev == pid:
            st = re.search(r'prev_state=(\S+)', tr).group(1)
            if cur is not None and last_on is not None:
                cur['cpu'] += t - last_on
            last_on, out_at, out_state = None, t, st
            # who took the core when the backend was preempted (the next task's command name)
            out_by = who(nxt, re.search(r'next_comm=(.*?) next_pid=', tr).group(1))
            if cur is not None and cur['rx'] is None and st != 'R':
                cur = None
    elif name == 'syscalls:sys_exit_recvfrom':
        v = tr.split()[-1]
        ret = int(v, 16) if v.startswith('0x') else int(v)
        if ret >= 2**63:
            ret -= 2**64
        if cur is not None and ret > 0 and cur['rx'] is None:
            cur['rx'] = t
    elif name == 'syscalls:sys_enter_fdatasync':
        if cur is not None:
            cur['fs_in'] = t
    elif name == 'syscalls:sys_exit_fdatasync':
        if cur is not None and cur['fs_in'] is not None:
            cur['fsync'] += t - cur['fs_in']
            cur['nfsync'] += 1
            cur['fs_in'] = None
    elif name == 'syscalls:sys_enter_pwrite64':
        if cur is not None:
            cur['pw'] += 1
    elif name == 'syscalls:sys_enter_sendto':
        if cur is not None and cur['rx'] is not None:
            if last_on is not None:
                cur['cpu'] += t - last_on
                last_on = t
            cur['tx'] = t
            stmts.append(cur)
            cur = None
stmts = [s for s in stmts if s['on'] is not None][1:]
if not stmts:
    sys.exit('no statements traced')


def q(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


tot = [s['tx'] - s['wake'] for s in stmts]
print(f"batch session {pid}: {len(stmts)} statements; wake-up to reply sent p50 {q(tot, .5):.3f} ms, p90 {q(tot, .9):.3f}, p99 {q(tot, .99):.3f}, max {max(tot):.3f}")
fs = [s['fsync'] * 1e3 for s in stmts if s['nfsync']]
if fs:
    print(f"  fdatasync in {len(fs)} of them: p50 {q(fs, .5):.0f} µs, p90 {q(fs, .9):.0f}, p99 {q(fs, .99):.0f}, max {max(fs):.0f}")
cpu = [s['cpu'] * 1e3 for s in stmts]
print(f"  on CPU per statement: mean {sum(cpu) / len(cpu):.0f} µs, p50 {q(cpu, .5):.0f}, p99 {q(cpu, .99):.0f}; pwrite calls per statement {sum(s['pw'] for s in stmts) / len(stmts):.2f}")


def comp(g, name):
    n = len(g)
    m = lambda f: sum(f(s) for s in g) / n
    other = sum(1 for s in g if s['sleep'] - s['fsync'] > 0.05)
    print(f"  {name:12} n={n:5}: {m(lambda s: s['tx'] - s['wake']):.3f} ms = run queue after the wake-up {m(lambda s: s['on'] - s['wake']):.3f} + on CPU {m(lambda s: s['cpu']):.3f}"
          f" + preempted {m(lambda s: s['pre']):.3f} + asleep {m(lambda s: s['sleep']):.3f} (fdatasync, CPU in it included, {m(lambda s: s['fsync']):.3f}); {other} slept > 50 µs outside fdatasync")


p99 = q(tot, .99)
comp(stmts, 'all')
slow = [s for s in stmts if s['tx'] - s['wake'] >= p99]
comp(slow, 'slowest 1 %')
pws = sorted(s['pw'] for s in stmts)
print(f"  pwrite calls per statement: p50 {q(pws, .5)}, p99 {q(pws, .99)}, max {pws[-1]}; the slowest 1 % {sum(s['pw'] for s in slow) / len(slow):.2f} on average, statements with > 4: {sum(1 for x in pws if x > 4)}")
for name, g in (('all', stmts), ('slowest 1 %', slow)):
    by = {}
    for s in g:
        for k, v in s['by'].items():
            by[k] = by.get(k, 0) + v
    top = sorted(by.items(), key=lambda kv: -kv[1])[:5]
    print(f"  preempted by ({name}, ms per statement): " + ', '.join(f"{k} {v / len(g):.3f}" for k, v in top))
try:
    waits = [l.rstrip('\n').split('|') for l in open(f'{d}/waits.txt') if l.startswith('w|')]
except OSError:
    waits = []
if waits:
    ts = sorted({int(w[1]) for w in waits})
    mine = [w for w in waits if int(w[2]) == pid]
    ev = {}
    for w in mine:
        ev[w[4] + ':' + w[5]] = ev.get(w[4] + ':' + w[5], 0) + 1
    print(f"  pg_stat_activity, {len(ts)} samples with an active backend: the batch session active in {len(mine)}: " + ', '.join(f"{k} {v}" for k, v in sorted(ev.items(), key=lambda kv: -kv[1])))
    av = {}
    for w in waits:
        if w[3] == 'autovacuum worker':
            av[w[6]] = av.get(w[6], 0) + 1
    print(f"  autovacuum workers active in samples: " + (', '.join(f"{k} ×{v}" for k, v in av.items()) or 'none'))
    # Statements while an autovacuum worker was seen active (within 10 ms of a sample), against the rest.
    try:
        woff = float(open(f'{d}/walloffset').read())
        avt = sorted(int(w[1]) - woff for w in waits if w[3] == 'autovacuum worker')
        if avt:
            near = lambda s: any(abs(a - s['wake']) < 10 or s['wake'] <= a <= s['tx'] for a in avt[bisect.bisect_left(avt, s['wake'] - 10):][:3])
            g1 = [s['tx'] - s['wake'] for s in stmts if near(s)]
            g0 = [s['tx'] - s['wake'] for s in stmts if not near(s)]
            if g1 and g0:
                print(f"  statements beside autovacuum: n={len(g1)}, mean {sum(g1) / len(g1):.3f} ms, p90 {q(g1, .9):.3f}; the others n={len(g0)}, mean {sum(g0) / len(g0):.3f}, p90 {q(g0, .9):.3f}; slowest 1 % beside it: {sum(1 for s in slow if near(s))} of {len(slow)}")
    except OSError:
        pass
    oth = {}
    for w in waits:
        if w[3] == 'client backend' and int(w[2]) != pid:
            k = w[4] + ':' + w[5] + ' ' + w[6][:30]
            oth[k] = oth.get(k, 0) + 1
    print(f"  other client backends active: " + (', '.join(f"{k} ×{v}" for k, v in sorted(oth.items(), key=lambda kv: -kv[1])[:6]) or 'none'))
pairs = [(stmts[i]['wake'] - stmts[i - 1]['tx'], stmts[i]['fsync'] * 1e3) for i in range(1, len(stmts)) if stmts[i]['nfsync']]
for lo, hi in ((0, 1), (1, 5), (5, 1e9)):
    g = sorted(f for gap, f in pairs if lo <= gap < hi)
    if g:
        print(f"  fdatasync after {lo}–{hi if hi < 1e9 else '∞'} ms without a statement: n={len(g)}, p50 {g[len(g) // 2]:.0f} µs, p90 {g[int(.9 * len(g))]:.0f}, max {g[-1]:.0f}")
try:
    t = json.load(open(f'{d}/trace.json'))
except OSError:
    sys.exit()
off = t.get('monoOffset')
if off is None:
    sys.exit()  # a tree whose trace preload predates monoOffset
batches = [b for b in t['batches'] if 'en' in b]
wakes = [s['wake'] for s in stmts]
rows = []
for b in batches:
    st, en = b['st'] + off, b['en'] + off
    i = bisect.bisect_left(wakes, st)
    if i < len(stmts) and stmts[i]['tx'] <= en:
        s = stmts[i]
        rows.append((en - st, s['wake'] - st, s['tx'] - s['wake'], en - s['tx'], b))
if not rows:
    sys.exit()
rows.sort(key=lambda r: r[0])
print(f"  the server's batches matched to a statement: {len(rows)} of {len(batches)}")
for name, g in (('all', rows), ('slowest 1 %', rows[int(.99 * len(rows)):])):
    n = len(g)
    m = lambda i: sum(r[i] for r in g) / n
    gc = sum(1 for r in g if any(st < r[4]['en'] and st + dur > r[4]['st'] for st, dur, _ in t['gcs']))
    print(f"  batches {name:12} n={n:5}: commit {m(0):.3f} ms = the server until the backend wakes {m(1):.3f} + the backend {m(2):.3f} + the server after the reply {m(3):.3f}; {gc} overlapped a GC pause")
