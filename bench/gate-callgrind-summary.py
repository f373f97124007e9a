"""Per-decision callgrind counts for bench/gate-callgrind.sh: summary <callgrind.out> <decisions> <perf map>."""
import sys, subprocess, re, bisect
b, n, pmap = sys.argv[1], int(sys.argv[2]), sys.argv[3]
# Code moves and its space is reused: the map's last entry covering an address names it.
rng = []
for l in open(pmap):
    p = l.split(' ', 2); rng.append((int(p[0], 16), int(p[1], 16), p[2].strip()))
def name(addr):
    for start, size, fn in reversed(rng):
        if start <= addr < start + size: return fn
out = subprocess.run(['callgrind_annotate', '--inclusive=no', '--threshold=100', b], capture_output=True, text=True).stdout
ev = None; rows = {}; sec = False
for l in out.splitlines():
    if l.startswith('Events shown:'): ev = l.split()[2:]
    if 'file:function' in l: sec = True; continue
    if not sec or not l.strip() or l.startswith('-'): continue
    nums = re.findall(r'([\d,]+|\.)\s+(?:\([^)]*\)\s+)?', l.split('???:')[0] if '???:' in l else l)
    vals = []
    l2 = re.sub(r'\(\s*[\d.]+%\)', ' ', l)
    for tok in re.split(r'\s+', l2.strip()):
        if re.fullmatch(r'[\d,]+', tok): vals.append(int(tok.replace(',', '')))
        elif tok == '.': vals.append(0)
        elif tok.startswith('('): continue
        else: break
    fn = l.split('???:')[-1] if '???:' in l else l.split()[-1]
    m = re.match(r'0x([0-9a-f]+)', fn)
    if m: fn = name(int(m.group(1), 16)) or fn
    fn = fn.split(' [')[0][:100]
    r = rows.setdefault(fn, [0]*len(ev))
    for i, v in enumerate(vals[:len(ev)]): r[i] += v
# The harness's own functions (the sweep), the JIT compiler and the concurrent marker are not the decision's.
excl = re.compile(r'gate-callgrind\.ts|compiler::|Marking|MemoryChunk|Interpreter|Baseline|Compile|Parse|Sparkplug|maglev', re.I)
tot = [0]*len(ev)
for fn, r in rows.items():
    if excl.search(fn): continue
    for i, v in enumerate(r): tot[i] += v
print('per decision (sweep, JIT compiler and concurrent marking left out):', ' '.join(f'{e}={t/n:.1f}' for e, t in zip(ev, tot)))
# The same without V8's C++ runtime (GC sweeps and scavenges that happen to fall in the window
# in one run and not in another): the decision's own JIT code and the builtins it calls.
js = [0]*len(ev)
for fn, r in rows.items():
    if (fn.startswith('JS:') or fn.startswith('Builtins_')) and not excl.search(fn):
        for i, v in enumerate(r): js[i] += v
print('JIT code and builtins only:', ' '.join(f'{e}={t/n:.1f}' for e, t in zip(ev, js)))
for fn, r in [kv for kv in sorted(rows.items(), key=lambda kv: -kv[1][0]) if not excl.search(kv[0])][:25]:
    print(f'{r[0]/n:9.1f} Ir {r[ev.index("D1mr")]/n:6.2f} D1mr {r[ev.index("DLmr")]/n:6.2f} DLmr {r[ev.index("I1mr")]/n:6.2f} I1mr  {fn}')
