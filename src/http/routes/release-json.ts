import type { Release } from '../../client/wire.ts';

/** A release answer as the route hands it over (read-only). */
export type ReleaseText = { readonly [K in keyof Release]: Release[K] extends object ? Readonly<Release[K]> : Release[K] };

/**
 * The release's 200 body: the UTF-8 bytes of `JSON.stringify(answer)`, byte for byte
 * (test/release/release-json.property.test.ts holds it to that), written piece by piece into
 * one buffer from the pool.
 *
 * The same bytes on the wire, fewer on the young heap. `JSON.stringify`'s result is a cons string
 * of the parts its builder grew (V8 11.3, this Node), and as a string body it was copied flat
 * twice more: by Fastify's `Buffer.byteLength` for the content-length, then — Node prepends the
 * header block to a string body (`_send`: `this._header + data`) — as one string of headers and
 * body when the socket wrote it, two-byte throughout when the body is (names and addresses in
 * Hangul are). Here the pieces (keys, values, the literals between them) are flat strings the
 * release already holds; their bytes go straight into the buffer (outside the heap), which Node
 * writes beside the header block. Pieces go into one module-level array, emptied after the write
 * (it keeps no plaintext alive); the function is synchronous and never re-entered. Anything but
 * the shapes the release service makes (a value that is not a string, a ledger index that is not
 * a safe integer, other fields) goes through `JSON.stringify` whole.
 */
export function releaseBytes(r: ReleaseText): Buffer {
  if (!simple(r)) return Buffer.from(JSON.stringify(r), 'utf8');
  n = 0;
  open = 0;
  lit(L_DECISION, r.decision_id);
  text(r.decision_id);
  lit(L_INDEX, null);
  P[n++] = String(r.ledger_index);
  lit(L_DECLARATION, r.declaration_id);
  text(r.declaration_id);
  lit(L_BASIS, r.basis);
  text(r.basis);
  record(L_ITEMS, r.items as Record<string, string>);
  record(L_FORMS, r.forms);
  // Each opening literal's object or list is closed by the literal after it (`},…`, `],…`).
  const missing = r.missing;
  if (missing.length === 0) lit(L_MISSING, null);
  for (let i = 0; i < missing.length; i++) {
    lit(i === 0 ? L_MISSING : L_COMMA, missing[i]!);
    text(missing[i]!);
  }
  lit(L_RETENTION, r.retention_until);
  if (r.retention_until === null) P[n++] = 'null';
  else text(r.retention_until);
  lit(L_END, null);
  let bytes = 0;
  for (let i = 0; i < n; i++) bytes += Buffer.byteLength(P[i]!, 'utf8');
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (let i = 0; i < n; i++) {
    at += out.write(P[i]!, at, 'utf8');
    P[i] = '';
  }
  return out;
}

/**
 * A string JSON.stringify writes as it is, in quotes: no `"`, backslash, control character or
 * lone surrogate (which it escapes). Such a string goes in as it is, its quotes in the literals
 * around it; any other as JSON.stringify's text of it.
 */
const PLAIN = /^(?:[^"\\\u0000-\u001f\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/;

/** A literal in its four forms: [after a plain string, i.e. with its closing quote first][before one, with the opening quote last]. */
type Lit = readonly [readonly [string, string], readonly [string, string]];
const literal = (s: string): Lit => [
  [s, s + '"'],
  ['"' + s, '"' + s + '"'],
];
const L_DECISION = literal('{"decision_id":');
const L_INDEX = literal(',"ledger_index":');
const L_DECLARATION = literal(',"declaration_id":');
const L_BASIS = literal(',"basis":');
const L_ITEMS = literal(',"items":{');
const L_FORMS = literal('},"forms":{');
const L_MISSING = literal('},"missing":[');
const L_RETENTION = literal('],"retention_until":');
const L_COMMA = literal(',');
const L_COLON = literal(':');
const L_END = literal('}');

const P: string[] = [];
let n = 0;
/** 1 while the last piece is a plain string's text, whose closing quote the next literal begins with. */
let open: 0 | 1 = 0;

/** The literal, with the quotes that fall on it: the last string's closing one, and `next`'s opening one if it is plain. */
function lit(l: Lit, next: string | null): void {
  P[n++] = l[open][next !== null && PLAIN.test(next) ? 1 : 0];
  open = 0;
}

/** A string whose literal before it was written by `lit(…, s)`: plain as it is, else its JSON text. */
function text(s: string): void {
  if (PLAIN.test(s)) {
    P[n++] = s;
    open = 1;
  } else {
    P[n++] = JSON.stringify(s);
    open = 0;
  }
}

/** An object of strings after its opening literal, its keys and values in JSON.stringify's order (the next literal closes it). */
function record(opening: Lit, o: Readonly<Record<string, string>>): void {
  let first = true;
  // for-in: the own enumerable keys in the order JSON.stringify takes them (integer-like first).
  for (const k in o) {
    lit(first ? opening : L_COMMA, k);
    first = false;
    text(k);
    lit(L_COLON, o[k]!);
    text(o[k]!);
  }
  if (first) lit(opening, null);
}

/** The answer's fields in the order the release service makes them (and JSON.stringify takes them). */
const FIELDS = ['decision_id', 'ledger_index', 'declaration_id', 'basis', 'items', 'forms', 'missing', 'retention_until'] as const;

/** The shapes `releaseBytes` writes itself; anything else goes to JSON.stringify. */
function simple(r: ReleaseText): boolean {
  let i = 0;
  for (const k in r) if (k !== FIELDS[i++]) return false;
  if (i !== FIELDS.length || Object.getPrototypeOf(r) !== Object.prototype || !Number.isSafeInteger(r.ledger_index) || Object.is(r.ledger_index, -0)) return false;
  if (typeof r.decision_id !== 'string' || typeof r.declaration_id !== 'string' || typeof r.basis !== 'string') return false;
  if (r.retention_until !== null && typeof r.retention_until !== 'string') return false;
  if (!Array.isArray(r.missing) || !stringsOnly(r.items) || !stringsOnly(r.forms)) return false;
  for (let j = 0; j < r.missing.length; j++) if (typeof r.missing[j] !== 'string') return false;
  return true;
}

function stringsOnly(o: unknown): boolean {
  if (o === null || typeof o !== 'object' || Array.isArray(o) || Object.getPrototypeOf(o) !== Object.prototype) return false;
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k) || typeof (o as Record<string, unknown>)[k] !== 'string') return false;
  }
  return true;
}
