// The marketplace side of the demo: put the widget on the page and listen for its receipt.
// The customer id and token come from the URL fragment (#subject=…&token=…&lang=…), never sent to a server, or from the form.
const form = document.getElementById('who');
const slot = document.getElementById('slot');
const result = document.getElementById('result');

// The seller of the order on this page: the consent is scoped to it (PIPA 28-8: per-seller transfer).
const SELLER = new URLSearchParams(location.hash.slice(1)).get('recipient') ?? 'seller-sz-gadgets';

function show(subject, token, lang) {
  document.documentElement.lang = lang;
  const w = document.createElement('consent-gate-widget');
  w.setAttribute('collection-point', 'checkout');
  w.setAttribute('subject', subject);
  w.setAttribute('token', token);
  w.setAttribute('lang', lang);
  w.setAttribute('jurisdiction', 'KR');
  w.setAttribute('recipient', SELLER);
  slot.replaceChildren(w);
  result.textContent = '';
}

document.addEventListener('consentgate:receipt', (ev) => {
  const { receipt, granted } = ev.detail;
  const ok = granted.includes('sellers_fulfilment');
  result.textContent = `Receipt ${receipt.receiptId} (ledger #${receipt.ledger?.leafIndex ?? '?'}) — ${ok ? 'order can be sent to the seller' : 'the seller will not receive your data'}.`;
});

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  show(form.subject.value.trim(), form.token.value.trim(), form.lang.value);
});

const hash = new URLSearchParams(location.hash.slice(1));
if (hash.get('token')) {
  form.subject.value = hash.get('subject') ?? form.subject.value;
  form.token.value = hash.get('token');
  form.lang.value = hash.get('lang') === 'en' ? 'en' : 'ko';
  show(form.subject.value, form.token.value, form.lang.value);
}
