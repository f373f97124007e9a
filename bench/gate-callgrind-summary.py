"""Per-decision callgrind counts for bench/gate-callgrind.sh: summary <callgrind.out> <decisions> <perf map>."""
import sys, re
from callgrind_rows import perf_namer, self_rows
b, n, pmap = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ev, rows = self_rows(b, perf_namer(pmap), 100)
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
