/**
 * <consent-gate-widget> — ConsentGate's embeddable consent form. No framework, no build step:
 *
 *   <script type="module" src="https://consent.example/widget/consentgate-widget.js"></script>
 *   <consent-gate-widget collection-point="checkout" subject="cust-123" token="cg_subject_…"
 *                        lang="ko" recipient="seller-id (optional: scope to one seller)"></consent-gate-widget>
 *
 * It shows the notice of the collection point (GET /v1/notices/:cp?lang=): what the operator
 * collects for which purpose, then every provision to a recipient with the overseas-transfer
 * items (countries, items, timing and method, recipient contact, retention, right to refuse),
 * required and optional apart (PIPA 22(1)). Each consentable item is a radio pair with nothing
 * pre-selected; "Agree to all" and "Refuse all" have the same size, colour and weight.
 * The decisions go to POST /v1/subjects/:id/consents; the signed receipt comes back as a
 * `consentgate:receipt` event ({ detail: { receipt, granted, refused } }) that bubbles out.
 *
 * Attributes: collection-point, subject, token (a subject key), lang (ko|en), jurisdiction (KR|EU,
 * default KR: which transfers are overseas for this customer), api (origin of the ConsentGate
 * server; default: where this script came from), recipient (optional member id).
 */
const SCRIPT_ORIGIN = new URL(import.meta.url).origin;

const T = {
  ko: {
    loading: '고지 내용을 불러오는 중…',
    required: '필수 동의 항목',
    optional: '선택 동의 항목',
    optionalHint: '선택 항목에 동의하지 않아도 서비스를 이용할 수 있습니다.',
    operatorUse: '수집·이용',
    provision: '제3자 제공',
    entrustment: '처리 위탁',
    items: '항목',
    purpose: '목적',
    recipient: '받는 자',
    retention: '보유·이용 기간',
    countries: '이전되는 국가',
    timing: '이전 일시',
    method: '이전 방법',
    contact: '연락처',
    refusal: '거부 권리',
    overseas: '국외 이전',
    agree: '동의함',
    disagree: '동의하지 않음',
    agreeAll: '모두 동의',
    refuseAll: '모두 거부',
    confirm: '선택한 내용으로 제출',
    unanswered: (n) => `아직 선택하지 않은 항목이 ${n}개 있습니다.`,
    saved: (g, r) => `저장되었습니다: 동의 ${g}건, 거부 ${r}건. 영수증이 발급되었습니다.`,
    failed: '저장하지 못했습니다: ',
    controller: '개인정보처리자',
    officer: '개인정보 보호책임자',
    // An entrustee processes for the operator (PIPA 26): nothing is provided to it. A third party
    // without a consent choice can only receive on a statutory ground (PIPA 17(1)2), never a contract.
    notConsentableEntrusted: '회사의 업무를 위탁받아 처리하는 곳으로, 개인정보 보호법 제26조에 따라 별도 동의를 받지 않습니다.',
    notConsentableProvided: '법령에 근거하여 제공되며 별도 동의를 받지 않습니다.',
    decision: '결정',
    seller: '이번 주문의 판매자',
    legend: (s) => `${s}에 대한 결정`,
    transferLegend: (s) => `${s}(으)로의 국외 이전에 대한 결정 (별도 동의)`,
  },
  en: {
    loading: 'Loading the notice…',
    required: 'Required',
    optional: 'Optional',
    optionalHint: 'You can use the service without agreeing to optional items.',
    operatorUse: 'Collection and use',
    provision: 'Provision to third parties',
    entrustment: 'Entrusted processing',
    items: 'Items',
    purpose: 'Purpose',
    recipient: 'Recipient',
    retention: 'Retention',
    countries: 'Destination countries',
    timing: 'When',
    method: 'How',
    contact: 'Contact',
    refusal: 'Right to refuse',
    overseas: 'Overseas transfer',
    agree: 'I agree',
    disagree: 'I do not agree',
    agreeAll: 'Agree to all',
    refuseAll: 'Refuse all',
    confirm: 'Submit my choices',
    unanswered: (n) => `${n} item(s) still need your choice.`,
    saved: (g, r) => `Saved: ${g} agreed, ${r} refused. A signed receipt was issued.`,
    failed: 'Could not save: ',
    controller: 'Controller',
    officer: 'Privacy officer',
    notConsentableEntrusted: 'Processes the data on our behalf (entrustment, PIPA 26 / GDPR 28); no separate consent is asked.',
    notConsentableProvided: 'Provided where a law requires it; no separate consent is asked.',
    decision: 'Decision',
    seller: 'Seller of this order',
    legend: (s) => `Your decision on ${s}`,
    transferLegend: (s) => `Your decision on the transfer abroad to ${s} (a separate consent)`,
  },
};

const STYLE = `
:host { display: block; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans KR", sans-serif; color: #1a1a1a; }
.cg { border: 1px solid #8a8a8a; border-radius: 8px; padding: 16px; background: #fff; max-width: 760px; }
h2 { font-size: 1.15rem; margin: 0 0 4px; }
h3 { font-size: 1rem; margin: 16px 0 6px; }
.meta { color: #444; font-size: .9rem; margin: 0 0 8px; }
section { border-top: 1px solid #ccc; padding-top: 8px; margin-top: 12px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0; font-size: .92rem; }
dt { font-weight: 600; color: #333; }
dd { margin: 0; }
.card { border: 1px solid #bbb; border-radius: 6px; padding: 10px 12px; margin: 8px 0; }
.badge { display: inline-block; font-size: .78rem; font-weight: 700; padding: 1px 6px; border-radius: 4px; background: #fde8c8; color: #5a3300; margin-inline-start: 6px; }
fieldset { border: 1px solid #777; border-radius: 6px; margin: 8px 0 0; padding: 6px 10px; }
legend { font-weight: 600; padding: 0 4px; }
label { display: inline-flex; align-items: center; gap: 6px; margin-inline-end: 18px; min-height: 24px; cursor: pointer; }
input[type=radio] { width: 20px; height: 20px; margin: 0; }
.actions { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 16px; }
button { font: inherit; font-weight: 600; min-width: 10rem; min-height: 44px; padding: 8px 16px; border-radius: 6px; border: 2px solid #1f3a93; background: #fff; color: #1f3a93; cursor: pointer; }
button:hover { background: #eef2ff; }
button:disabled { opacity: .6; cursor: default; }
:focus-visible { outline: 3px solid #b34700; outline-offset: 2px; }
.status { margin-top: 10px; min-height: 1.5em; font-weight: 600; }
.status.error { color: #a00000; }
.status.ok { color: #0b6b1f; }
.hint { font-size: .9rem; color: #444; margin: 2px 0 6px; }
`;

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
let seq = 0;

class ConsentGateWidget extends HTMLElement {
  static get observedAttributes() {
    return ['collection-point', 'lang', 'subject', 'token', 'jurisdiction'];
  }

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open' });
    this.uid = `cgw${++seq}`;
    this.notice = null;
    this.busy = false;
    if ('adoptedStyleSheets' in this.root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
      // A constructed sheet works under a page CSP without 'unsafe-inline' styles.
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE);
      this.root.adoptedStyleSheets = [sheet];
    } else {
      const style = document.createElement('style');
      style.textContent = STYLE;
      this.root.append(style);
    }
    this.view = document.createElement('div');
    this.view.className = 'cg';
    this.root.append(this.view);
  }

  connectedCallback() {
    this.load();
  }

  attributeChangedCallback(name, before, after) {
    if (before !== after && this.isConnected && (name === 'collection-point' || name === 'lang' || name === 'jurisdiction')) this.load();
  }

  get lang() {
    return this.getAttribute('lang') === 'en' ? 'en' : 'ko';
  }

  get t() {
    return T[this.lang];
  }

  get api() {
    return (this.getAttribute('api') || SCRIPT_ORIGIN).replace(/\/+$/, '');
  }

  async load() {
    const cp = this.getAttribute('collection-point');
    if (!cp) return;
    this.view.setAttribute('lang', this.lang);
    this.view.innerHTML = `<p role="status">${esc(this.t.loading)}</p>`;
    try {
      // With the order's seller, the notice names it (PIPA 17(2)1): its hash is what the consent cites.
      const recipient = this.getAttribute('recipient');
      const q = `lang=${this.lang}${recipient ? `&recipient=${encodeURIComponent(recipient)}` : ''}`;
      const res = await fetch(`${this.api}/v1/notices/${encodeURIComponent(cp)}?${q}`, { headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(await problemText(res));
      this.notice = await res.json();
      this.seller = await this.loadSeller();
      this.render();
    } catch (e) {
      this.view.innerHTML = `<p role="alert" class="status error">${esc(this.t.failed + e.message)}</p>`;
    }
  }

  /** The order's seller (`recipient` attribute), so its transfer is described for that seller alone. */
  async loadSeller() {
    const id = this.getAttribute('recipient');
    if (!id) return null;
    try {
      const res = await fetch(`${this.api}/widget/api/recipients/${encodeURIComponent(id)}`, { headers: { accept: 'application/json' } });
      return res.ok ? await res.json() : null;
    } catch {
      return null;
    }
  }

  /**
   * Every choice of the notice, with its declaration: the provision (`<id>`) and, for a transfer
   * abroad on consent, the separate transfer consent (`<id>:transfer`), each decided apart (PIPA 22(1)).
   */
  consentable() {
    const n = this.notice.notice;
    const choices = (d) => (d.choices && d.choices.length ? d.choices : [{ id: d.id, kind: 'provision' }]);
    return [...n.required.declarations, ...n.optional.declarations]
      .filter((d) => d.consentable)
      .flatMap((d) => choices(d).map((c) => ({ d, id: c.id, kind: c.kind })));
  }

  render() {
    const t = this.t;
    const n = this.notice.notice;
    const c = n.controller;
    const section = (key, sec, required) => {
      if (sec.purposes.length === 0 && sec.declarations.length === 0) return '';
      const id = `${this.uid}-${key}`;
      return `<section aria-labelledby="${id}">
        <h3 id="${id}">${esc(required ? t.required : t.optional)}</h3>
        ${required ? '' : `<p class="hint">${esc(t.optionalHint)}</p>`}
        ${sec.purposes.map((p) => this.purposeCard(p)).join('')}
        ${sec.declarations.map((d) => this.declarationCard(d)).join('')}
      </section>`;
    };
    this.view.innerHTML = `
      <h2>${esc(n.collectionPoint.label)}</h2>
      <p class="meta">${esc(t.controller)}: ${esc(c.name)} · ${esc(t.officer)}: ${esc(c.privacyOfficer.name)} (${esc(c.privacyOfficer.email)})</p>
      <form novalidate>
        ${section('req', n.required, true)}
        ${section('opt', n.optional, false)}
        <div class="actions">
          <button type="button" data-all="1">${esc(t.agreeAll)}</button>
          <button type="button" data-all="0">${esc(t.refuseAll)}</button>
          <button type="submit">${esc(t.confirm)}</button>
        </div>
        <p class="status" role="status" aria-live="polite"></p>
      </form>`;
    const form = this.view.querySelector('form');
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit(null);
    });
    for (const b of this.view.querySelectorAll('button[data-all]')) b.addEventListener('click', () => this.submit(b.dataset.all === '1'));
  }

  purposeCard(p) {
    const t = this.t;
    return `<div class="card">
      <strong>${esc(t.operatorUse)}: ${esc(p.label)}</strong>
      <dl>
        <dt>${esc(t.items)}</dt><dd>${esc(p.items.map((i) => i.label).join(', '))}</dd>
        <dt>${esc(t.retention)}</dt><dd>${esc(p.retention)}</dd>
        <dt>${esc(t.refusal)}</dt><dd>${esc(p.refusal)}</dd>
      </dl>
    </div>`;
  }

  declarationCard(d) {
    const t = this.t;
    const r = d.recipient;
    const contact = [r.contact.name, r.contact.email, r.contact.phone, r.contact.address].filter(Boolean).join(' · ');
    // A transfer is "overseas" relative to the customer: a Korean courier is domestic for KR customers.
    const jurisdiction = this.getAttribute('jurisdiction') === 'EU' ? 'EU' : 'KR';
    const tr = d.transfer && d.transfer.overseasFor.includes(jurisdiction) ? d.transfer : null;
    const seller = r.member ? r.member : this.seller && r.kind === 'class' && this.seller.class_id === r.id ? this.seller : null;
    const countries = seller ? [seller.country] : tr ? tr.countries : [];
    const name = `${this.uid}-${d.id}`;
    const headId = `${name}-h`;
    const who = seller ? seller.name : r.name;
    const choices = d.choices && d.choices.length ? d.choices : d.consentable ? [{ id: d.id, kind: 'provision' }] : [];
    const choice = choices.length
      ? choices
          .map(
            (c, i) => `<fieldset>
          <legend>${esc(c.kind === 'transfer' ? t.transferLegend(who) : t.legend(who))}</legend>
          <label><input type="radio" name="${esc(`${name}-${i}`)}" value="yes" data-decl="${esc(c.id)}"> ${esc(t.agree)}</label>
          <label><input type="radio" name="${esc(`${name}-${i}`)}" value="no" data-decl="${esc(c.id)}"> ${esc(t.disagree)}</label>
        </fieldset>`,
          )
          .join('')
      : `<p class="hint">${esc(r.role === 'processor' ? t.notConsentableEntrusted : t.notConsentableProvided)}</p>`;
    return `<div class="card" role="group" aria-labelledby="${esc(headId)}">
      <strong id="${esc(headId)}">${esc(r.role === 'processor' ? t.entrustment : t.provision)}: ${esc(r.name)}${tr ? `<span class="badge">${esc(t.overseas)}</span>` : ''}</strong>
      <dl>
        ${seller ? `<dt>${esc(t.seller)}</dt><dd>${esc(seller.name)} (${esc(seller.country)})</dd>` : ''}
        <dt>${esc(t.purpose)}</dt><dd>${esc(d.recipientPurpose || d.purpose)}</dd>
        <dt>${esc(t.items)}</dt><dd>${esc(d.items.map((i) => i.label).join(', '))}</dd>
        ${tr ? `<dt>${esc(t.countries)}</dt><dd>${esc(countries.join(', '))}</dd>
        <dt>${esc(t.timing)}</dt><dd>${esc(tr.timing)}</dd>
        <dt>${esc(t.method)}</dt><dd>${esc(tr.method)}</dd>` : ''}
        <dt>${esc(t.contact)}</dt><dd>${esc(contact)}</dd>
        <dt>${esc(t.retention)}</dt><dd>${esc(d.retention.text)}</dd>
        <dt>${esc(t.refusal)}</dt><dd>${esc(d.refusal)}</dd>
      </dl>
      ${choice}
    </div>`;
  }

  /** `all` true/false: the same answer for every item; null: the radios as chosen. */
  async submit(all) {
    if (this.busy) return;
    const t = this.t;
    const status = this.view.querySelector('.status');
    const list = this.consentable();
    const decisions = [];
    const missing = [];
    for (const { d, id } of list) {
      let grant = all;
      if (grant === null) {
        const picked = this.view.querySelector(`input[data-decl="${id}"]:checked`);
        if (!picked) {
          missing.push(id);
          continue;
        }
        grant = picked.value === 'yes';
      } else {
        for (const input of this.view.querySelectorAll(`input[data-decl="${id}"]`)) input.checked = (input.value === 'yes') === grant;
      }
      const recipient = this.getAttribute('recipient');
      decisions.push({ declarationId: id, grant, ...(recipient && d.recipient.kind === 'class' ? { recipientId: recipient } : {}) });
    }
    status.className = 'status';
    if (missing.length > 0) {
      status.classList.add('error');
      status.textContent = t.unanswered(missing.length);
      this.view.querySelector(`input[data-decl="${missing[0]}"]`)?.focus();
      return;
    }
    if (decisions.length === 0) return;
    const subject = this.getAttribute('subject');
    const token = this.getAttribute('token');
    this.busy = true;
    for (const b of this.view.querySelectorAll('button')) b.disabled = true;
    try {
      const res = await fetch(`${this.api}/v1/subjects/${encodeURIComponent(subject ?? '')}/consents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token ?? ''}` },
        body: JSON.stringify({ noticeHash: this.notice.hash, channel: 'web', decisions, evidence: { ui: 'consent-gate-widget', lang: this.lang } }),
      });
      if (!res.ok) throw new Error(await problemText(res));
      const body = await res.json();
      const granted = decisions.filter((x) => x.grant).map((x) => x.declarationId);
      const refused = decisions.filter((x) => !x.grant).map((x) => x.declarationId);
      status.classList.add('ok');
      status.textContent = t.saved(granted.length, refused.length);
      this.dispatchEvent(new CustomEvent('consentgate:receipt', { bubbles: true, composed: true, detail: { receipt: body.receipt, granted, refused } }));
    } catch (e) {
      status.classList.add('error');
      status.textContent = t.failed + e.message;
    } finally {
      this.busy = false;
      for (const b of this.view.querySelectorAll('button')) b.disabled = false;
    }
  }
}

async function problemText(res) {
  try {
    const p = await res.json();
    return p.detail || p.title || `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

if (!customElements.get('consent-gate-widget')) customElements.define('consent-gate-widget', ConsentGateWidget);
