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
  field(L_DECISION, r.decision_id);
  lit(L_INDEX, null);
  P[n++] = String(r.ledger_index);
  field(L_DECLARATION, r.declaration_id);
  field(L_BASIS, r.basis);
  record(L_ITEMS, r.items as Record<string, string>);
  record(L_FORMS, r.forms);
  // Each opening literal's object or list is closed by the literal after it (`},…`, `],…`).
  const missing = r.missing;
  if (missing.length === 0) lit(L_MISSING, null);
  for (let i = 0; i < missing.length; i++) field(i === 0 ? L_MISSING : L_COMMA, missing[i]!);
  if (r.retention_until === null) {
    lit(L_RETENTION, null);
    P[n++] = 'null';
  } else field(L_RETENTION, r.retention_until);
  lit(L_END, null);
  // Into a scratch buffer with room for any text (UTF-8 takes at most 3 bytes per UTF-16 unit),
  // then one copy of the bytes written into the body's own buffer: no length asked per piece.
  let units = 0;
  for (let i = 0; i < n; i++) units += P[i]!.length;
  if (scratch.length < units * 3) scratch = Buffer.allocUnsafeSlow(units * 3);
  let at = 0;
  for (let i = 0; i < n; i++) {
    at += (scratch as Utf8Writer).utf8Write(P[i]!, at);
    P[i] = '';
  }
  const out = Buffer.allocUnsafe(at);
  scratch.copy(out, 0, 0, at);
  // Nothing of the answer stays behind in the scratch (it holds decrypted values).
  scratch.fill(0, 0, at);
  return out;
}

/** Node's own UTF-8 write of a Buffer (what `write(s, at, 'utf8')` calls after its argument checks). */
type Utf8Writer = Buffer & { utf8Write(s: string, at: number): number };
let scratch = Buffer.allocUnsafeSlow(16 * 1024);

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

/** A literal that a non-string follows (a number, `null`, a closing bracket), with the last string's closing quote. */
function lit(l: Lit, _next: null): void {
  P[n++] = l[open][0];
  open = 0;
}

/** A literal and the string after it: a plain string as it is, its quotes on the literals around it; else its JSON text. */
function field(l: Lit, s: string): void {
  if (PLAIN.test(s)) {
    P[n++] = l[open][1];
    P[n++] = s;
    open = 1;
  } else {
    P[n++] = l[open][0];
    P[n++] = JSON.stringify(s);
    open = 0;
  }
}

/** An object of strings after its opening literal, its keys and values in JSON.stringify's order (the next literal closes it). */
function record(opening: Lit, o: Readonly<Record<string, string>>): void {
  let first = true;
  // for-in: the own enumerable keys in the order JSON.stringify takes them (integer-like first).
  for (const k in o) {
    field(first ? opening : L_COMMA, k);
    first = false;
    field(L_COLON, o[k]!);
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
