import type { AuditCode } from '../../src/core/audit/types.ts';

/**
 * The hand-computed replay cases, against fixtures/registry.yaml, members.csv and consents.jsonl.
 * `line` is the 1-based line in the generated share file (line 1 is the CSV header; the JSONL
 * file leaves line 1 blank so both formats keep the same numbers). Each `why` is the reasoning.
 */
export interface Case {
  line: number;
  ts: string;
  subject: string;
  recipient: string;
  purpose: string;
  items: string;
  country?: string;
  codes: AuditCode[];
  why: string;
}

export const CASES: Case[] = [
  { line: 2, ts: '2024-01-02T00:00:00Z', subject: 'u7', recipient: 'broker', purpose: 'customs_clearance', items: 'name;customs_code', codes: [], why: 'legal obligation; u7 collection anchor 01-02, window to 01-12' },
  { line: 3, ts: '2024-01-05T00:00:00Z', subject: 'u1', recipient: 'adco', purpose: 'marketing', items: 'email', codes: ['NO_CONSENT'], why: 'u1 grants only on 01-10' },
  { line: 4, ts: '2024-01-06T09:00:00+09:00', subject: 'u2', recipient: 'adco', purpose: 'marketing', items: 'email', codes: [], why: 'grant scoped to adco on 01-05; offset timestamp is 01-06T00:00Z' },
  { line: 5, ts: '2024-01-06T12:00:00Z', subject: 'u3', recipient: 'adco', purpose: 'marketing', items: 'email', codes: ['NO_CONSENT'], why: 'u3 granted to someone_else only' },
  { line: 6, ts: '2024-01-07T00:00:00Z', subject: 'u4', recipient: 'adco', purpose: 'marketing', items: 'email', codes: ['NO_CONSENT'], why: 'a withdrawal with no grant before it is no consent' },
  { line: 7, ts: '2024-01-08T00:00:00Z', subject: 'u8', recipient: 'ghost', purpose: 'order_fulfilment', items: 'name', country: 'CN', codes: ['UNDECLARED_RECIPIENT', 'NO_TRANSFER_GROUND'], why: 'unknown recipient abroad' },
  { line: 8, ts: '2024-01-08T01:00:00Z', subject: 'u8', recipient: 'ghost', purpose: 'order_fulfilment', items: 'name', country: 'KR', codes: ['UNDECLARED_RECIPIENT'], why: 'unknown recipient in Korea' },
  { line: 9, ts: '2024-01-08T02:00:00Z', subject: 'u8', recipient: 'ghost', purpose: 'order_fulfilment', items: 'name', codes: ['UNDECLARED_RECIPIENT'], why: 'unknown recipient, country not logged' },
  { line: 10, ts: '2024-01-09T00:00:00Z', subject: 'u9', recipient: 'courier', purpose: 'marketing', items: 'email', codes: ['UNDECLARED_PURPOSE'], why: 'courier has no marketing declaration' },
  { line: 11, ts: '2024-01-09T01:00:00Z', subject: 'u9', recipient: 's1', purpose: 'marketing', items: 'email', codes: ['UNDECLARED_PURPOSE'], why: 'member of sellers; no declaration: evaluation stops there' },
  { line: 12, ts: '2024-01-10T00:00:00Z', subject: 'u9', recipient: 'courier', purpose: 'order_fulfilment', items: 'name;phone;address', codes: [], why: 'declared (an entrustee); retention from contract_end unchecked' },
  { line: 13, ts: '2024-01-10T01:00:00Z', subject: 'u9', recipient: 'courier', purpose: 'order_fulfilment', items: 'name;customs_code', codes: ['UNDECLARED_ITEMS'], why: 'customs_code not in courier_delivery' },
  { line: 14, ts: '2024-01-10T02:00:00Z', subject: 'u9', recipient: 's1', purpose: 'order_fulfilment', items: 'name;phone;address;customs_code', codes: ['NO_TRANSFER_GROUND', 'NO_LEGAL_BASIS'], why: 'seller in CN: no transfer ground, and contract necessity is no ground for provision to a third party (PIPA 17(1))' },
  { line: 15, ts: '2024-01-10T03:00:00Z', subject: 'u10', recipient: 's2', purpose: 'order_fulfilment', items: 'name;email', codes: ['UNDECLARED_ITEMS', 'NO_TRANSFER_GROUND', 'NO_LEGAL_BASIS'], why: 'email undeclared; HK seller without ground; no legal basis for provision' },
  { line: 16, ts: '2024-01-10T04:00:00Z', subject: 'u10', recipient: 'courier', purpose: 'order_fulfilment', items: 'name', country: 'CN', codes: ['NO_TRANSFER_GROUND'], why: 'the logged country wins over the registry’s KR' },
  { line: 17, ts: '2024-01-10T05:00:00Z', subject: 'u10', recipient: 'cloud', purpose: 'hosting', items: 'name;email', codes: [], why: 'US processor; entrusted storage disclosed with every 28-8(2) item is a PIPA 28-8(1)3 ground' },
  { line: 18, ts: '2024-01-12T00:00:00Z', subject: 'u7', recipient: 'broker', purpose: 'customs_clearance', items: 'name', codes: [], why: 'exactly at the end of P10D from collection: not after it' },
  { line: 19, ts: '2024-01-12T00:00:01Z', subject: 'u7', recipient: 'broker', purpose: 'customs_clearance', items: 'name', codes: ['RETENTION_EXPIRED'], why: 'one second after the window' },
  { line: 20, ts: '2024-01-15T00:00:00Z', subject: 'u1', recipient: 'adco', purpose: 'marketing', items: 'email', codes: [], why: 'unscoped grant on 01-10' },
  { line: 21, ts: '2024-01-16T00:00:00Z', subject: 'u6', recipient: 'adco', purpose: 'marketing', items: 'email', codes: ['CONSENT_WITHDRAWN'], why: 'withdrawal scoped to adco on 01-15 follows the unscoped grant' },
  { line: 22, ts: '2024-01-21T00:00:00Z', subject: 'u6', recipient: 'adco', purpose: 'marketing', items: 'email', codes: [], why: 'granted again on 01-20' },
  { line: 23, ts: '2024-02-01T00:00:00Z', subject: 'u1', recipient: 'adco', purpose: 'marketing', items: 'email', codes: ['CONSENT_WITHDRAWN'], why: 'withdrawal at the same instant applies (at or before)' },
  { line: 24, ts: '2024-02-01T00:00:00Z', subject: 'u5', recipient: 'p1', purpose: 'marketing', items: 'email', codes: [], why: 'SG partner, transfer on consent, granted 01-01; anchor = first grant 01-01' },
  { line: 25, ts: '2024-03-01T00:00:00Z', subject: 'u5', recipient: 'p1', purpose: 'marketing', items: 'email', codes: ['CONSENT_WITHDRAWN'], why: 'unscoped withdrawal 03-01; 01-01 + P60D = 03-01 (2024 is leap), not after' },
  { line: 26, ts: '2024-03-02T00:00:00Z', subject: 'u5', recipient: 'p1', purpose: 'marketing', items: 'email;phone', codes: ['UNDECLARED_ITEMS', 'CONSENT_WITHDRAWN', 'RETENTION_EXPIRED'], why: 'three codes in evaluation order' },
  { line: 27, ts: '2024-03-02T00:00:00Z', subject: 'u11', recipient: 'p1', purpose: 'marketing', items: 'email', codes: ['NO_CONSENT'], why: 'u11 never granted; first seen now, so within retention' },
  { line: 28, ts: '2024-03-02T00:00:00Z', subject: 'u11', recipient: 'p1', purpose: 'marketing', items: 'email', country: 'JP', codes: ['NO_CONSENT', 'NO_TRANSFER_GROUND'], why: 'logged JP: a country the partners class never declared has no ground (as in the gate)' },
  { line: 29, ts: '2024-01-03T00:00:00Z', subject: 'u12', recipient: 'courier', purpose: 'order_fulfilment', items: 'name', codes: [], why: 'lawful but out of timestamp order' },
];

/** Bad rows appended after the cases: line, CSV text, JSONL text, the field blamed (if any). */
export const BAD_ROWS: Array<{ line: number; csv: string; jsonl: string; field?: string }> = [
  { line: 30, csv: '2024-02-30T00:00:00Z,u13,courier,order_fulfilment,name,', jsonl: '{"timestamp":"2024-02-30T00:00:00Z","subject_id":"u13","recipient_id":"courier","purpose":"order_fulfilment","items":["name"]}', field: 'timestamp' },
  { line: 31, csv: '2024-01-10T00:00:00,u13,courier,order_fulfilment,name,', jsonl: '{"timestamp":"2024-01-10T00:00:00","subject_id":"u13","recipient_id":"courier","purpose":"order_fulfilment","items":["name"]}', field: 'timestamp' },
  { line: 32, csv: '2024-01-10T00:00:00Z,u13,courier', jsonl: '{"timestamp":"2024-01-10T00:00:00Z","subject_id":"u13","recipient_id":"courier","items":["name"]}' },
  // line 33 is blank in both files: neither a record nor a bad row
  { line: 34, csv: '"2024-01-10T00:00:00Z,u13,courier,order_fulfilment,name,', jsonl: '{"timestamp": "2024-01-10T00:00:00Z", "subject_id": ', },
];
