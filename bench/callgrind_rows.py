"""Shared by the gate's callgrind summaries: a callgrind dump's self counts per function, JIT code
named from node's --perf-basic-prof map."""
import re, subprocess


def perf_namer(pmap):
    """Names an address from the perf map. Code moves and its space is reused: the map's last
    entry covering an address names it."""
    rng = []
    for l in open(pmap):
        p = l.split(' ', 2)
        rng.append((int(p[0], 16), int(p[1], 16), p[2].strip()))

    def name(addr):
        for start, size, fn in reversed(rng):
            if start <= addr < start + size:
                return fn
    return name


def self_rows(dump, name, width):
    """(events, {function: [count per event]}) of one dump, names cut to `width` characters."""
    out = subprocess.run(['callgrind_annotate', '--inclusive=no', '--threshold=100', dump], capture_output=True, text=True).stdout
    ev = None; rows = {}; sec = False
    for l in out.splitlines():
        if l.startswith('Events shown:'): ev = l.split()[2:]
        if 'file:function' in l: sec = True; continue
        if not sec or not l.strip() or l.startswith('-'): continue
        vals = []
        for tok in re.split(r'\s+', re.sub(r'\(\s*[\d.]+%\)', ' ', l).strip()):
            if re.fullmatch(r'[\d,]+', tok): vals.append(int(tok.replace(',', '')))
            elif tok == '.': vals.append(0)
            elif tok.startswith('('): continue
            else: break
        fn = l.split('???:')[-1] if '???:' in l else l.split()[-1]
        m = re.match(r'0x([0-9a-f]+)', fn)
        if m: fn = name(int(m.group(1), 16)) or fn
        fn = fn.split(' [')[0][:width]
        r = rows.setdefault(fn, [0] * len(ev))
        for i, v in enumerate(vals[:len(ev)]): r[i] += v
    return ev, rows
