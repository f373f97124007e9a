import fc from 'fast-check';
import type { Database } from '../../src/store/sql.ts';

/** Strings attackers send: SQL and HTML injection, path tricks, control characters, template and log injection. */
export const HOSTILE_STRINGS = [
  "' OR '1'='1", "'; DROP TABLE api_keys; --", '" OR ""="', '1; SELECT pg_sleep(10)', "admin'--", '%27%20OR%201=1',
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(1)', '{{7*7}}', '${jndi:ldap://x/a}', '<!--#exec cmd="id"-->',
  '../../../../etc/passwd', '..%2f..%2f', '\u0000', 'a\u0000b', '\r\nSet-Cookie: x=1', '\u202e\u0041', '\ud800', '\uffff', '🙂'.repeat(50),
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'NaN', 'Infinity', '-0', '1e309', '0x10', ' ', '',
  'x'.repeat(300), 'x'.repeat(70_000),
];

export const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);

/** JSON objects whose keys try prototype pollution. */
export const pollutingJson = fc.oneof(
  fc.constant('{"__proto__":{"polluted":true}}'),
  fc.constant('{"constructor":{"prototype":{"polluted":true}}}'),
  fc.constant('{"a":1,"__proto__":{"isAdmin":true},"scopes":["*"]}'),
  fc.constant('[{"__proto__":{"polluted":true}}]'),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'polluted', 'kind', 'scopes'), fc.jsonValue({ maxDepth: 2 })).map((o) => JSON.stringify(o).replace('"polluted"', '"__proto__"')),
);

/** Very deep or very wide JSON: parser and validator stress. */
export const hugeJson = fc.oneof(
  fc.integer({ min: 1_000, max: 50_000 }).map((d) => '['.repeat(d) + ']'.repeat(d)),
  fc.integer({ min: 1_000, max: 20_000 }).map((d) => '{"a":'.repeat(d) + '1' + '}'.repeat(d)),
  fc.integer({ min: 10_000, max: 400_000 }).map((n) => JSON.stringify({ subject: 'x'.repeat(n), purpose: 'order_fulfilment' })),
  fc.integer({ min: 1_000, max: 30_000 }).map((n) => JSON.stringify({ items: Array.from({ length: n }, (_, i) => `i${i}`) })),
  fc.constant('{"a":' + '1'.repeat(5000) + '}'),
);

/** Any body: JSON values, hostile shapes, text, raw bytes (often invalid UTF-8). */
export const hostileBody = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 3, arbitrary: fc.dictionary(hostileString, fc.oneof(hostileString, fc.jsonValue({ maxDepth: 2 }))).map((o) => JSON.stringify(o)) },
  { weight: 2, arbitrary: pollutingJson },
  { weight: 2, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.constantFrom(Buffer.from([0xc3, 0x28]), Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), Buffer.from('{"a":"\xed\xa0\x80"}', 'latin1'), Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe0, 0x80, 0x22, 0x7d])) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

export const contentType = fc.constantFrom(
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'text/yaml', 'text/plain',
  'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/octet-stream',
  'application/json, text/plain', 'APPLICATION/JSON', 'application/problem+json', '', ';;;', 'text/html; charset=utf-7',
);

/** Percent-encodes the UTF-8 bytes (lone surrogates become U+FFFD) — unlike encodeURIComponent it never throws. */
export const pct = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : '%' + b.toString(16).padStart(2, '0'))).join('');

export const queryString = fc.oneof(
  fc.constant(''),
  fc.dictionary(fc.oneof(hostileString, fc.constantFrom('limit', 'before', 'format', 'from', 'to', 'treeSize', 'kind', 'class', 'country', '__proto__', 'constructor[prototype][x]', 'a[]')), hostileString, { maxKeys: 4 })
    .map((o) => '?' + Object.entries(o).map(([k, v]) => `${pct(k)}=${pct(v.slice(0, 2000))}`).join('&')),
  fc.constantFrom('?limit=-1', '?limit=1e9', '?before=NaN', '?from=9007199254740993', '?to=-0', '?format=../../', '?a=%ZZ', '?%00=1', '?format=%ff%fe', '?limit=%c0%80', '?' + 'a=1&'.repeat(2000)),
);

/** Every table's row count in one query: equal before and after a rejected request = no partial write. */
export async function tableCounts(db: Database, exclude: readonly string[] = []): Promise<Record<string, number>> {
  const tables = (await db.query<{ t: string }>(
    `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1`,
    [db.schema],
  )).map((r) => r.t).filter((t) => !exclude.includes(t) && /^[a-z_][a-z0-9_]*$/.test(t));
  const [row] = await db.query<Record<string, number>>(`SELECT ${tables.map((t) => `(SELECT count(*) FROM ${t})::int8 AS ${t}`).join(', ')}`);
  return row!;
}
