// The console's registry editor: the active YAML in a line-numbered editor with live statutory
// lint (findings at their line), a diff against the active version, a dry run of the activation,
// confirmed activation and the version history. Talks to /console/api/registry/* (see
// src/http/routes/console-registry.ts); the server checks scopes and CSRF, the page only hides
// buttons a key could not use.
import { h } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import htm from 'htm';

const html = htm.bind(h);
const LINT_DELAY_MS = 350;
// Must match `.reg-text` line-height in registry.css: the inline findings are placed by it.
const LINE_PX = 20;
const SEV = { error: 'bad', warning: 'warn', info: 'muted' };
const SEV_MARK = { error: '✖', warning: '▲', info: '●' };
const when = (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '—');
const rank = { error: 0, warning: 1, info: 2 };

const canWrite = (session) => session.principal.scopes.includes('*') || session.principal.scopes.includes('registry:write');

/** Findings by line: the worst severity decides a line's marker. */
function byLine(findings) {
  const m = new Map();
  for (const f of findings) {
    if (!f.line) continue;
    const list = m.get(f.line) ?? [];
    list.push(f);
    m.set(f.line, list);
  }
  for (const list of m.values()) list.sort((a, b) => rank[a.severity] - rank[b.severity]);
  return m;
}

function FindingText({ f }) {
  return html`<span class=${SEV[f.severity]}>${f.severity}</span> <span class="mono">${f.code}</span>
    ${f.path ? html` at <span class="mono">${f.path}</span>` : ''}: ${f.message}
    ${f.message_ko ? html`<span class="ko" lang="ko"> — ${f.message_ko}</span>` : ''}
    ${f.articles.length ? html` <span class="articles">(${f.articles.join(', ')})</span>` : ''}`;
}

/**
 * A textarea with a line-number gutter that marks lines with findings, and behind the text a
 * layer that tints each line with a finding and writes the finding after the line's text — the
 * way code editors show diagnostics, without a build step. Gutter and layer are decoration
 * (aria-hidden): the line strip under the editor (its description) and the findings list below
 * say the same in text, each item jumping to its line.
 */
function Editor({ text, onInput, findings, taRef, label }) {
  const gutter = useRef(null);
  const layer = useRef(null);
  const lineTexts = useMemo(() => text.split('\n'), [text]);
  const marks = useMemo(() => byLine(findings), [findings]);
  const [caret, setCaret] = useState(1);
  // The gutter and the inline-finding layer follow the textarea's scroll (CSSOM, allowed by the CSP).
  const sync = (ev) => {
    if (gutter.current) gutter.current.scrollTop = ev.target.scrollTop;
    if (layer.current) layer.current.style.transform = `translate(${-ev.target.scrollLeft}px, ${-ev.target.scrollTop}px)`;
  };
  const track = (ev) => setCaret(ev.target.value.slice(0, ev.target.selectionStart).split('\n').length);
  const here = marks.get(caret) ?? [];
  return html`<div class="reg-editor">
      <div class="reg-gutter" ref=${gutter} aria-hidden="true">
        ${lineTexts.map((_, i) => {
          const fs = marks.get(i + 1);
          return html`<div key=${i} class=${'reg-ln' + (fs ? ' sev-' + fs[0].severity : '')} data-line=${i + 1} data-severity=${fs ? fs[0].severity : undefined}
            title=${fs ? fs.map((f) => `${f.severity} ${f.code}: ${f.message}`).join('\n') : undefined}>${fs ? SEV_MARK[fs[0].severity] + ' ' : ''}${i + 1}</div>`;
        })}
      </div>
      <div class="reg-code">
        <div class="reg-layer-clip" aria-hidden="true"><div class="reg-layer" ref=${layer}>
          ${[...marks].map(([line, fs]) => html`<div key=${line} class=${'reg-inline sev-' + fs[0].severity} data-inline-line=${line} style=${{ top: `${(line - 1) * LINE_PX}px` }}>
            <span class="reg-ghost">${lineTexts[line - 1] ?? ''}</span><span class="reg-inline-msg">${SEV_MARK[fs[0].severity]} ${fs[0].code}: ${fs[0].message}${fs.length > 1 ? ` (+${fs.length - 1} more)` : ''}</span>
          </div>`)}
        </div></div>
        <textarea ref=${taRef} class="reg-text" aria-label=${label} aria-describedby="reg-caret" spellcheck="false" wrap="off"
          value=${text} onInput=${(ev) => { onInput?.(ev.target.value); track(ev); sync(ev); }} onScroll=${sync} onKeyUp=${track} onClick=${track} onSelect=${track}></textarea>
      </div>
    </div>
    <p class="reg-caret" id="reg-caret">Line ${caret}${here.length ? ': ' : ''}${here.map((f, i) => html`<span key=${i}>${i ? '; ' : ''}<${FindingText} f=${f} /></span>`)}</p>`;
}

/** Moves the caret to the start of a 1-based line and scrolls it into view. */
function goToLine(ta, line) {
  if (!ta) return;
  const lines = ta.value.split('\n');
  let pos = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) pos += lines[i].length + 1;
  ta.focus();
  ta.setSelectionRange(pos, pos + (lines[line - 1]?.length ?? 0));
  const lh = parseFloat(getComputedStyle(ta).lineHeight) || 20;
  ta.scrollTop = Math.max(0, (line - 3) * lh);
  ta.dispatchEvent(new Event('scroll'));
  ta.dispatchEvent(new Event('select'));
}

function FindingsList({ lint, onGo }) {
  if (!lint) return html`<p class="muted" role="status">Checking…</p>`;
  const c = lint.counts;
  const sorted = [...lint.findings].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || rank[a.severity] - rank[b.severity]);
  return html`<div class="reg-findings">
    <p role="status" aria-live="polite" data-lint-state=${lint.parsed ? (lint.valid ? 'valid' : 'errors') : 'unparsed'}>
      ${lint.parsed ? '' : html`<span class="bad">Not a valid registry. </span>`}
      <span class=${c.errors ? 'bad' : 'ok'}>${c.errors} errors</span>, <span class=${c.warnings ? 'warn' : 'ok'}>${c.warnings} warnings</span>, ${c.notes} notes
    </p>
    ${sorted.length > 0
      ? html`<ul class="reg-findings-list" aria-label="Findings by line">${sorted.map((f, i) => html`<li key=${i} data-line=${f.line} data-code=${f.code} data-severity=${f.severity}>
          <button type="button" class="linkish" onClick=${() => onGo(f.line)}>Line ${f.line ?? '?'}</button> <${FindingText} f=${f} />
        </li>`)}</ul>`
      : ''}
  </div>`;
}

function List({ label, items, cls = 'mono' }) {
  if (!items || items.length === 0) return '';
  return html`<span>${label} <span class=${cls}>${items.join(', ')}</span></span>`;
}

/** The semantic summary of a change between two registries (RegistryImpact). */
function ImpactSummary({ impact }) {
  if (impact.identical) return html`<p>The two registries are identical.</p>`;
  const d = impact.declarations;
  const setLine = (name, s) =>
    s.added.length + s.removed.length + (s.changed?.length ?? 0) > 0
      ? html`<li>${name}: <${List} label="added" items=${s.added} /> <${List} label="removed" items=${s.removed} /> <${List} label="changed" items=${s.changed} /></li>`
      : '';
  return html`<ul class="reg-impact">
      ${setLine('Purposes', impact.purposes)}
      ${setLine('Data categories', impact.categories)}
      ${d.added.length + d.removed.length > 0 ? html`<li>Declarations: <${List} label="added" items=${d.added} /> <${List} label="removed" items=${d.removed} /></li>` : ''}
      ${impact.operator_changed ? html`<li>Operator details changed.</li>` : ''}
    </ul>
    ${d.changed.length > 0
      ? html`<table class="reg-table" data-table="declarations">
          <caption>Declarations that change</caption>
          <thead><tr><th scope="col">Declaration</th><th scope="col">Recipient</th><th scope="col">Consent terms changed</th><th scope="col">Items</th><th scope="col">Countries</th></tr></thead>
          <tbody>${d.changed.map((c) => html`<tr key=${c.id} data-declaration=${c.id}>
            <th scope="row" class="mono">${c.id}</th><td class="mono">${c.recipient}</td>
            <td>${c.terms.length ? html`<span class="warn">${c.terms.join(', ')}</span>` : 'none (wording or basis only)'}</td>
            <td><${List} label="+" items=${c.items_added} /> <${List} label="−" items=${c.items_removed} /></td>
            <td><${List} label="+" items=${c.countries_added} /> <${List} label="−" items=${c.countries_removed} /></td>
          </tr>`)}</tbody>
        </table>`
      : ''}
    ${impact.parties.length > 0
      ? html`<table class="reg-table" data-table="recipients">
          <caption>Recipients and classes that gain or lose data</caption>
          <thead><tr><th scope="col">Recipient</th><th scope="col">Change</th><th scope="col">Items gained</th><th scope="col">Items lost</th><th scope="col">Countries</th></tr></thead>
          <tbody>${impact.parties.map((p) => html`<tr key=${p.id} data-party=${p.id}>
            <th scope="row">${p.name} <span class="mono muted">(${p.id}, ${p.kind})</span></th><td>${p.change}</td>
            <td class="mono">${p.items_gained.join(', ')}</td><td class="mono">${p.items_lost.join(', ')}</td>
            <td><${List} label="+" items=${p.countries_gained} /> <${List} label="−" items=${p.countries_lost} /></td>
          </tr>`)}</tbody>
        </table>`
      : ''}`;
}

function DiffView({ diff }) {
  return html`<div class="reg-diff-wrap" tabindex="0" role="region" aria-label="Line diff">
    <p>Version ${diff.from.version} → ${diff.to.version ? `version ${diff.to.version}` : 'editor text'}: <span class="ok">+${diff.added}</span> <span class="bad">−${diff.removed}</span> lines</p>
    ${diff.lines.length === 0 ? html`<p>No line differs.</p>` : html`<table class="reg-diff">
      <caption class="visually-hidden">Changed lines with context</caption>
      <thead><tr><th scope="col">Old</th><th scope="col">New</th><th scope="col">Line</th></tr></thead>
      <tbody>${diff.lines.map((l, i) => l.op === 'gap'
        ? html`<tr key=${i} class="gap"><td colspan="3">…</td></tr>`
        : html`<tr key=${i} class=${'d-' + l.op} data-op=${l.op}><td>${l.a ?? ''}</td><td>${l.b ?? ''}</td><td class="mono"><span class="visually-hidden">${l.op === 'add' ? 'added: ' : l.op === 'del' ? 'removed: ' : ''}</span>${l.op === 'add' ? '+ ' : l.op === 'del' ? '− ' : '  '}${l.text}</td></tr>`)}</tbody>
    </table>`}
    ${diff.summary ? html`<h4>What changes</h4><${ImpactSummary} impact=${diff.summary} />` : html`<p class="muted">${diff.summary_error ?? ''}</p>`}
  </div>`;
}

/** The dry run of an activation, and its confirmation step. */
function DryRun({ run, write, onActivate, onCancel, busy }) {
  const [confirming, setConfirming] = useState(false);
  const box = useRef(null);
  useEffect(() => {
    if (confirming) box.current?.focus();
  }, [confirming]);
  const c = run.consents;
  const members = Object.entries(run.members_by_class);
  return html`<div class="reg-dryrun" data-confirmation=${run.confirmation}>
    <p>Activating ${run.to.version ? `version ${run.to.version}` : 'the editor text'} in place of ${run.from ? `version ${run.from.version}` : 'nothing (no registry is active)'}:</p>
    <${ImpactSummary} impact=${run.impact} />
    <p data-newly-stale=${c.newly_stale} class=${c.newly_stale ? 'warn' : 'ok'}>
      ${c.newly_stale} active consents would go stale${c.newly_stale ? ': the gate refuses releases under them (CONSENT_STALE) until the customer consents again' : ''}.
      ${Object.keys(c.by_declaration).length ? html` By declaration: <span class="mono">${Object.entries(c.by_declaration).map(([k, v]) => `${k} ${v}`).join(', ')}</span>.` : ''}
      ${c.no_longer_stale ? ` ${c.no_longer_stale} stale consents would be covered again.` : ''}
    </p>
    ${members.length ? html`<p>Registered members of affected classes: ${members.map(([k, v]) => `${k}: ${v}`).join(', ')}.</p>` : ''}
    ${run.activatable
      ? ''
      : html`<p class="bad" role="alert">Activation is refused: ${run.counts.errors} lint errors remain (${run.findings.map((f) => f.code).join(', ')}).</p>`}
    ${write && run.activatable && !confirming ? html`<button type="button" onClick=${() => setConfirming(true)}>Activate…</button>` : ''}
    ${confirming
      ? html`<div class="reg-confirm" role="group" aria-labelledby="reg-confirm-h" tabindex="-1" ref=${box}>
          <p id="reg-confirm-h"><strong>Activate this registry now?</strong> ${c.newly_stale} consents go stale; ${run.impact.parties.length} recipients or classes gain or lose data. The transparency log records the activation under your name.</p>
          <div class="row">
            <button type="button" disabled=${busy} onClick=${onActivate}>Confirm activation</button>
            <button type="button" onClick=${() => { setConfirming(false); onCancel(); }}>Cancel</button>
          </div>
        </div>`
      : ''}
  </div>`;
}

function History({ api, refresh, onOpen, onDryRun, onDiff, write }) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  useEffect(() => {
    api.get('/registry/versions?limit=50').then((d) => {
      setData(d);
      setError(null);
      if (d.versions.length > 1) {
        setFrom(String(d.versions[1].version));
        setTo(String(d.versions[0].version));
      }
    }, setError);
  }, [refresh]);
  if (error) return html`<p class="error" role="alert">${error.message}</p>`;
  if (!data) return html`<p class="muted">Loading…</p>`;
  const options = data.versions.map((v) => html`<option key=${v.version} value=${v.version}>v${v.version}</option>`);
  return html`<table class="reg-table" id="reg-history">
      <caption>Registry versions, newest first</caption>
      <thead><tr><th scope="col">Version</th><th scope="col">Stored</th><th scope="col">Activated</th><th scope="col">Hash</th><th scope="col">Actions</th></tr></thead>
      <tbody>${data.versions.map((v) => html`<tr key=${v.version} data-version=${v.version} data-active=${v.active ? 'true' : 'false'}>
        <th scope="row">v${v.version} ${v.active ? html`<span class="ok">(active)</span>` : ''}</th>
        <td>${when(v.created_at)} by <span class="mono">${v.created_by}</span></td>
        <td>${v.activations.length ? v.activations.map((a, i) => html`<div key=${i}>${when(a.at)} by <span class="mono">${a.by}</span></div>`) : html`<span class="muted">never</span>`}</td>
        <td class="mono">${v.hash.slice(0, 12)}…</td>
        <td class="row">
          <button type="button" onClick=${() => onOpen(v.version)} aria-label=${`Open version ${v.version} in the editor`}>Open</button>
          ${!v.active ? html`<button type="button" onClick=${() => onDryRun(v.version)} aria-label=${`Dry run activating version ${v.version}`}>Dry run</button>` : ''}
        </td>
      </tr>`)}</tbody>
    </table>
    ${data.versions.length > 1
      ? html`<form class="row reg-compare" onSubmit=${(ev) => { ev.preventDefault(); onDiff(Number(from), Number(to)); }}>
          <label for="reg-from">Compare</label><select id="reg-from" value=${from} onChange=${(e) => setFrom(e.target.value)}>${options}</select>
          <label for="reg-to">with</label><select id="reg-to" value=${to} onChange=${(e) => setTo(e.target.value)}>${options}</select>
          <button type="submit">Diff versions</button>
        </form>`
      : ''}`;
}

export function RegistryEditor({ api, session }) {
  const write = canWrite(session);
  const [text, setText] = useState(null);
  const [base, setBase] = useState(null);
  const [lint, setLint] = useState(null);
  const [diff, setDiff] = useState(null);
  const [run, setRun] = useState(null);
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [refresh, setRefresh] = useState(0);
  const seq = useRef(0);
  const ta = useRef(null);
  const outcome = useRef(null);

  const load = async (version) => {
    if (version) {
      const v = await api.get(`/registry/versions/${version}`);
      setBase({ version: v.version, hash: v.hash });
      setText(v.source);
      setNote(`Version ${v.version} loaded into the editor.`);
    } else {
      const { active } = await api.get('/registry/active');
      setBase(active ? { version: active.version, hash: active.hash } : null);
      setText(active ? active.source : 'version: 1\n');
    }
    setDiff(null);
    setRun(null);
  };
  useEffect(() => {
    load().catch((e) => setError(e.message));
  }, []);

  // Live lint: debounced, and an answer to an older text never overwrites a newer one.
  useEffect(() => {
    if (text === null) return;
    const n = ++seq.current;
    const t = setTimeout(() => {
      api.post('/registry/lint', { yaml: text }).then(
        (r) => n === seq.current && setLint(r),
        (e) => n === seq.current && setLint({ parsed: false, valid: false, counts: { errors: 1, warnings: 0, notes: 0 }, findings: [{ code: e.code ?? 'ERROR', severity: 'error', articles: [], message: e.message, path: '', line: 1 }] }),
      );
    }, LINT_DELAY_MS);
    return () => clearTimeout(t);
  }, [text]);

  const act = (fn) => async () => {
    setBusy(true);
    setError('');
    setNote('');
    try {
      await fn();
    } catch (e) {
      setError(e.status === 409 ? `${e.message} The dry run was cleared.` : e.message);
      if (e.status === 409) setRun(null);
    } finally {
      setBusy(false);
    }
  };
  const showDiff = act(async () => {
    setRun(null);
    setDiff(await api.post('/registry/diff', { yaml: text }));
  });
  const dryRun = (version) => act(async () => {
    setDiff(null);
    setRun({ ...(await api.post('/registry/dry-run', version ? { version } : { yaml: text })), source: version ? { version } : { yaml: text } });
  })();
  const save = act(async () => {
    const r = await api.post('/registry/versions', { yaml: text });
    setNote(r.created ? `Stored as version ${r.version} (not active).` : `This text is already stored as version ${r.version}.`);
    setRefresh((x) => x + 1);
  });
  const activate = act(async () => {
    const r = await api.post('/registry/activate', { ...run.source, confirmation: run.confirmation });
    setRun(null);
    setNote(`Version ${r.version} is active${r.changed ? '' : ' (it already was)'}. ${r.stale_consents} active consents are stale.`);
    setBase({ version: r.version, hash: r.hash });
    setRefresh((x) => x + 1);
    setTimeout(() => outcome.current?.focus(), 0);
    // Other panels showing the active registry (overview, stale consents) may listen and reload.
    window.dispatchEvent(new CustomEvent('consentgate:registry-activated', { detail: { version: r.version } }));
  });
  // An edit makes a shown diff or dry run of the editor text out of date: it is withdrawn, so a
  // confirmation always concerns the text on screen.
  const edit = (t) => {
    setText(t);
    setDiff((d) => (d && d.to.version === null ? null : d));
    setRun((r) => (r && r.source.yaml !== undefined ? null : r));
  };
  const diffVersions = (from, to) => act(async () => {
    setRun(null);
    setDiff(await api.post('/registry/diff', { from, to }));
  })();

  if (text === null) return error ? html`<p class="error" role="alert">${error}</p>` : html`<p class="muted">Loading…</p>`;
  return html`<p class="muted">Editing ${base ? `from version ${base.version}` : 'a new registry'}. Findings appear at their line as you type; nothing changes until you activate.</p>
    <${Editor} text=${text} onInput=${edit} findings=${lint?.findings ?? []} taRef=${ta} label="Registry YAML" />
    <${FindingsList} lint=${lint} onGo=${(line) => goToLine(ta.current, line)} />
    <div class="row reg-actions">
      <button type="button" disabled=${busy} onClick=${showDiff}>Diff against active</button>
      <button type="button" disabled=${busy} onClick=${() => dryRun()}>Dry run activation</button>
      ${write ? html`<button type="button" disabled=${busy} onClick=${save}>Save as new version</button>` : ''}
      <button type="button" disabled=${busy} onClick=${() => load().catch((e) => setError(e.message))}>Revert to active</button>
    </div>
    <p class="reg-outcome" tabindex="-1" ref=${outcome} role="status" aria-live="polite">${note}</p>
    ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
    ${diff ? html`<h3>Diff</h3><${DiffView} diff=${diff} />` : ''}
    ${run ? html`<h3>Dry run</h3><${DryRun} key=${run.confirmation} run=${run} write=${write} busy=${busy} onActivate=${activate} onCancel=${() => {}} />` : ''}
    <h3>Version history</h3>
    <${History} api=${api} refresh=${refresh} write=${write}
      onOpen=${(v) => load(v).catch((e) => setError(e.message))} onDryRun=${dryRun} onDiff=${diffVersions} />`;
}
