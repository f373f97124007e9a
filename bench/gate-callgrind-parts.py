"""Per-variant callgrind counts for bench/gate-callgrind-parts.sh: parts.py <out dir> <perf map>."""
import sys, re, glob
from callgrind_rows import perf_namer, self_rows
out, pmap = sys.argv[1], sys.argv[2]
name = perf_namer(pmap)
excl = re.compile(r'gate-callgrind|compiler::|Marking|MemoryChunk|Interpreter|Baseline|Compile|Parse|Sparkplug|maglev', re.I)
def counts(f):
    ev, rows = self_rows(f, name, 160)
    js = {}
    for fn, r in rows.items():
        if (fn.startswith('JS:') or fn.startswith('Builtins_')) and not excl.search(fn): js[fn] = r
    return ev, js
names = [l.strip() for l in open(f'{out}/flags/variants') if l.strip()]
res = {}
for v, nm in enumerate(names):
    n = int(open(f'{out}/flags/done.{v}').read().split()[0])
    f = sorted(glob.glob(f'{out}/cg.out.*'), key=lambda p: int(p.rsplit('.', 1)[1]))[v]
    ev, js = counts(f)
    tot = [sum(r[i] for r in js.values()) / n for i in range(len(ev))]
    res[nm] = (ev, tot, {fn: [x / n for x in r] for fn, r in js.items()})
ev = res['nothing'][0]
L = ev.index('DLmr')
# The decision's own: its JIT code (functions of src/), and the builtins of its Map lookups. The
# rest (inline-cache and call builtins, node's own JS) is mostly the harness's unoptimized loop.
def part(r):
    own = sum(x[L] for fn, x in r.items() if fn.startswith('JS:') and '/src/' in fn)
    maps = sum(x[L] for fn, x in r.items() if fn.split()[0] in ('Builtins_FindOrderedHashMapEntry', 'Builtins_StringEqual', 'Builtins_WeakMapLookupHashIndex', 'Builtins_WeakMapGet'))
    return own, maps, sum(x[L] for x in r.values())
base = part(res['nothing'][2])
print('LL data read misses (DLmr) per decision: the decision\'s JIT code | its Map builtins | all JIT code and builtins; saved against "nothing"')
print(f"{'variant':18} {'code':>6} {'maps':>6} {'all':>6}   {'saved: code+maps':>16} {'all':>6}")
for nm in names:
    o = part(res[nm][2])
    if nm == 'again': o = tuple(a - b for a, b in zip(o, base))
    elif nm == 'shared': o = tuple(a - b for a, b in zip(o, part(res['shared-alone'][2])))
    sv = '' if nm == 'shared-alone' else f"{base[0] + base[1] - o[0] - o[1]:16.2f} {base[2] - o[2]:6.2f}"
    print(f"{nm:18} {o[0]:6.2f} {o[1]:6.2f} {o[2]:6.2f}   {sv}")
print('\nDLmr per decision by function, "nothing":')
for fn, r in sorted(res['nothing'][2].items(), key=lambda kv: -kv[1][L])[:12]:
    print(f"  {r[L]:6.2f} DLmr {r[ev.index('Ir')]:8.1f} Ir  {fn}")
