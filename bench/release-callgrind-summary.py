"""Per-request instruction counts by area for bench/release-callgrind.ts: <cg.out> <perf map> <requests> [top]
Natives/builtins are charged to their nearest JS caller (by the call arcs' inclusive shares);
TurboFan/compile, GC and code with no JS caller are their own buckets."""
import sys, re, bisect
from collections import defaultdict
path, pmap, n = sys.argv[1], sys.argv[2], int(sys.argv[3]); top = int(sys.argv[4]) if len(sys.argv) > 4 else 40
rng = []
for l in open(pmap):
    p = l.rstrip('\n').split(' ', 2)
    rng.append((int(p[0], 16), int(p[1], 16), p[2]))
starts = sorted(set(r[0] for r in rng))
bystart = {}
for s, z, f in rng: bystart[s] = (z, f)  # last wins
def jsname(addr):
    i = bisect.bisect_right(starts, addr) - 1
    while i >= 0 and i > bisect.bisect_right(starts, addr) - 50:
        s = starts[i]; z, f = bystart[s]
        if s <= addr < s + z: return f
        i -= 1
    return None
names = {}; selfc = defaultdict(int); arcs = defaultdict(lambda: defaultdict(int))  # callee -> caller -> incl
cur = None; pending = None
def nm(tok):
    m = re.match(r'\((\d+)\)(?: (.*))?', tok)
    if m:
        if m.group(2) is not None: names[m.group(1)] = m.group(2)
        return names[m.group(1)]
    return tok
for line in open(path):
    if line.startswith('fn='): cur = nm(line[3:].strip()); continue
    if line.startswith('cfn='): callee = nm(line[4:].strip()); continue
    if line.startswith('calls='): pending = callee; continue
    c = line[0]
    if c.isdigit() or c in '+-*':
        parts = line.split()
        if len(parts) < 2: continue
        v = int(parts[1])
        if pending is not None: arcs[pending][cur] += v; pending = None
        else: selfc[cur] += v
        continue
    if line.startswith(('cfi=', 'cfl=', 'cob=')): continue
resolved = {}
def label(f):
    if f in resolved: return resolved[f]
    r = f
    m = re.match(r'0x([0-9a-f]+)$', f)
    if m: r = jsname(int(m.group(1), 16)) or f
    resolved[f] = r; return r
def isjs(f):
    l = label(f)
    return l.startswith('JS:') and ' node:' not in l
GC = re.compile(r'Heap::|Scaveng|MarkCompact|Sweeper|Marking|GCTracer|ConcurrentMarking|EvacuateNewSpace|IncrementalMarking|MinorMC', re.I)
COMP = re.compile(r'compiler::|Compile|Parser::|Maglev|maglev|Baseline|Sparkplug|Interpreter|BytecodeGenerator|Zone::|OptimizingCompileDispatcher|Deoptimizer', re.I)
def stop(f):
    l = label(f)
    if GC.search(l): return '(gc)'
    if COMP.search(l): return '(compiler)'
    return None
memo = {}
INPROG = object()
sys.setrecursionlimit(100000)
def share(f):
    if isjs(f): return {f: 1.0}
    s = stop(f)
    if s: return {s: 1.0}
    m = memo.get(f)
    if m is INPROG: return {}
    if m is not None: return m
    memo[f] = INPROG
    callers = arcs.get(f)
    out = defaultdict(float)
    if callers:
        parts = []
        for c, v in callers.items():
            if c == f: continue
            sc = share(c)
            if sc: parts.append((v, sc))
        tot = sum(v for v, _ in parts)
        for v, sc in parts:
            for k, w in sc.items(): out[k] += w * v / tot
    if not out: out = {('(node) ' if label(f).startswith('JS:') else '(no JS caller) ') + label(f): 1.0}
    memo[f] = dict(out)
    return memo[f]
charged = defaultdict(float); selfjs = defaultdict(float)
for f, v in selfc.items():
    if isjs(f): selfjs[f] += v
    for k, w in share(f).items(): charged[k] += v * w
def area(k):
    l = k if k.startswith('(') else label(k)
    if k == '(gc)': return 'V8: garbage collector'
    if k == '(cycle)': return 'cycle (unattributed)'
    if k == '(compiler)': return 'V8: compiler (warm-up left)'
    if l.startswith('(node) '):
        return 'Node JS with no caller of ours: event loop, microtasks, http/net'
    if l.startswith('(no JS caller)'):
        if re.search(r'llhttp|http_parser|Parser', l): return 'Node native: HTTP parser, no JS caller'
        return 'native, no JS caller (libuv, V8 runtime, threads)'
    m = re.search(r'(?:file://)?(/\S+|node:\S+)', l); u = m.group(1) if m else l
    if u.startswith('node:'):
        return 'Node JS: http/net/streams/events etc.'
    pm = re.search(r'node_modules/((?:@[^/]+/)?[^/]+)', u)
    if pm:
        p = pm.group(1)
        if p.startswith('pg'): return 'lib: pg, pg-protocol'
        if p == '@fastify/rate-limit': return 'lib: @fastify/rate-limit'
        if p in ('zod',): return 'lib: zod'
        if p == 'prom-client': return 'lib: prom-client'
        if p == 'tsx' or p == 'esbuild': return 'tsx'
        return 'lib: fastify (+find-my-way, sjp, avvio)'
    sm = re.search(r'/src/(\S+?)\.ts', u)
    if sm:
        s = sm.group(1)
        if s in ('app/release-service', 'app/issuers') or s.startswith('core/transform'): return 'ours: release service, forms, relay'
        if s in ('app/decision-entry', 'store/decision-json', 'core/frozen-json', 'core/canonical'): return 'ours: log entry text'
        if s.startswith('store/') or s.startswith('ledger/'): return 'ours: journal, batch, ledger, pg glue'
        if s.startswith('vault') or s == 'app/vault-service': return 'ours: vault'
        if s.startswith('core/gate') or s.startswith('policy') or s.startswith('core/'): return 'ours: gate, Cedar'
        if s.startswith('http/') or s in ('app/api-keys', 'app/client-certs', 'app/ids'): return 'ours: hooks, auth, route, metrics glue'
        return 'ours: other ' + s
    if 'bench/release.ts' in u: return 'bench harness (bare route handler)'
    return 'other JS ' + l[:60]
by = defaultdict(float)
for k, v in charged.items(): by[area(k)] += v
tot = sum(selfc.values())
print(f'total {tot/n:,.0f} Ir per request ({n} requests)')
for a, v in sorted(by.items(), key=lambda x: -x[1]): print(f'{v/n:10,.0f}  {100*v/tot:5.1f}%  {a}')
print('--- top JS frames (self + natives charged) ---')
for k, v in sorted(charged.items(), key=lambda x: -x[1])[:top]:
    print(f'{v/n:10,.0f}  self {selfjs.get(k,0)/n:8,.0f}  {label(k)[:150] if not k.startswith("(") else k[:150]}')
import os
pat = os.environ.get('CALLERS')
if pat:
    for f in list(selfc.keys() | arcs.keys()):
        if re.search(pat, label(f)):
            print('== callers of', label(f)[:120])
            for c, v in sorted(arcs[f].items(), key=lambda x: -x[1])[:12]: print(f'   {v/n:10,.0f}  {label(c)[:140]}')
# INCL=<regex>: inclusive Ir per request of every function whose name matches (self + every call
# it makes, natives and builtins included, as callgrind's arcs give it): the load-independent
# count for one function between two trees, whatever area its callees are charged to above.
ipat = os.environ.get('INCL')
if ipat:
    out = defaultdict(int)
    for callee, callers in arcs.items():
        for c, v in callers.items():
            if c != callee and re.search(ipat, label(c)): out[c] += v
    print('--- inclusive Ir per request ---')
    for f in sorted(set(out) | {f for f in selfc if re.search(ipat, label(f))}, key=lambda f: -(selfc.get(f, 0) + out.get(f, 0))):
        print(f'{(selfc.get(f, 0) + out.get(f, 0))/n:10,.0f}  {label(f)[:150]}')
