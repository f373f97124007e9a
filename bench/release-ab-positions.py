"""
The position bias of bench/release-ab.ts, from its printed output (issue 20):

    python3 bench/release-ab-positions.py [files…]   # default: bench/results/ab-*.txt

For every run in the files, it rebuilds the order the tool loaded the sides in (before
2026-12-07 17:00: warm-up A then B, then rounds AB, BA, AB, …) and classes each side's
window by whether the other side's server ran just before it ("after the other"), then
prints (1) per run the mean of those rounds over the mean of the rest, each relative to the
run's median, and (2) A over B of the medians, of the rounds after the other only, and of
the rest only. Runs printed by the tool after the change (re-warm, warm-up B then A) are
skipped.
"""
import re,glob,sys,statistics as st
def after_other(rows):
    """(side, round) -> whether the other side's server was loaded just before this window.
    The tool's schedule before the change: warm-up A, B; round k: A first if k is odd."""
    seq=[('A','w'),('B','w')]
    for k in range(1,max(x[0] for x in rows)+1):
        for s in (['A','B'] if k%2==1 else ['B','A']): seq.append((s,k))
    return {(s,k):seq[i-1][0]!=s for i,(s,k) in enumerate(seq) if k!='w'}

runs=[]
for f in (sys.argv[1:] or sorted(glob.glob('bench/results/ab-*.txt'))):
    cur=None
    for line in open(f,errors='replace'):
        if line.startswith('A = '): cur={'f':f,'rows':[]}; runs.append(cur)
        # printed by the tool after the change (its order is symmetric): not classed here
        if line.startswith('engine ') and 're-warm' in line and cur is not None: runs.remove(cur); cur=None
        m=re.match(r'round (\d+) ([AB]) (bare|release)\s*: (\d+) µs/req',line)
        if m and cur is not None: cur['rows'].append((int(m[1]),m[2],m[3],int(m[4])))
res={'release':[], 'bare':[]}
for r in runs:
    rows=r['rows']
    if not rows: continue
    idle=after_other(rows)
    for kind in ('release','bare'):
        vals=[(idle[(s,k)],v,s) for (k,s,kk,v) in rows if kk==kind and (s,k) in idle]
        if len(vals)<4: continue
        med=st.median(v for _,v,_ in vals)
        i=[v/med for b,v,_ in vals if b]; h=[v/med for b,v,_ in vals if not b]
        if i and h: res[kind].append((st.mean(i)/st.mean(h), r['f'].split('/')[-1], len(vals)))
for kind,l in res.items():
    print(kind, 'runs',len(l),'idle/hot mean ratio: median %.3f'%st.median(x for x,_,_ in l), 'idle higher in %d of %d'%(sum(1 for x,_,_ in l if x>1),len(l)))
    print('  ', ' '.join('%.2f'%x for x,_,_ in l))
print('--- A/B per run: medians, and like with like')
for kind in ('release','bare'):
    a_b=[];ii=[];hh=[]
    for r in runs:
        rows=r['rows']
        if not rows: continue
        idle=after_other(rows)
        g=lambda side,flag: [v for (k,s,kk,v) in rows if kk==kind and s==side and (flag is None or idle[(s,k)]==flag)]
        if len(g('A',None))<4 or len(g('B',None))<4: continue
        a_b.append(st.median(g('A',None))/st.median(g('B',None)))
        if g('A',True) and g('B',True): ii.append(st.mean(g('A',True))/st.mean(g('B',True)))
        if g('A',False) and g('B',False): hh.append(st.mean(g('A',False))/st.mean(g('B',False)))
    print(kind,'runs',len(a_b),'A/B of medians: median %.3f (A higher in %d)'%(st.median(a_b),sum(x>1 for x in a_b)),
          '| idle rounds only: %.3f (A higher in %d of %d)'%(st.median(ii),sum(x>1 for x in ii),len(ii)),
          '| hot rounds only: %.3f (A higher in %d of %d)'%(st.median(hh),sum(x>1 for x in hh),len(hh)))
print('--- each window over its run\'s median, median per engine, side and round (six-round runs)')
cells = {}
for f in (sys.argv[1:] or sorted(glob.glob('bench/results/ab-*.txt'))):
    cur = None; eng = None
    for line in open(f, errors='replace'):
        if line.startswith('A = '): cur = []
        m = re.match(r'engine (\w+)', line)
        if m:
            eng = m[1]
            if 're-warm' in line: cur = None
        m = re.match(r'round (\d+) ([AB]) (bare|release)\s*: (\d+) µs/req', line)
        if m and cur is not None: cur.append((int(m[1]), m[2], m[3], int(m[4])))
        if line.startswith('== medians') and cur:
            if max(x[0] for x in cur) == 6:
                for kind in ('release', 'bare'):
                    v = [x for x in cur if x[2] == kind]; med = st.median(x[3] for x in v)
                    for k, s, _, val in v: cells.setdefault((eng, kind, k, s), []).append(val / med)
            cur = None
for eng in ('postgres', 'pglite'):
    for kind in ('release', 'bare'):
        if (eng, kind, 1, 'A') not in cells: continue
        print(eng, kind, '(%d runs)' % len(cells[(eng, kind, 1, 'A')]), ' | '.join(s + ': ' + ' '.join('R%d %.2f' % (k, st.median(cells[(eng, kind, k, s)])) for k in range(1, 7) if (eng, kind, k, s) in cells) for s in 'AB'))
