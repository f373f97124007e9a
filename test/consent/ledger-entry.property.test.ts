import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import canonicalize from 'canonicalize';
import { ledgerEntry } from '../../src/core/consent/events.ts';
import { history } from './arbitraries.ts';

/** What a consent request puts in the transparency log, from a random history's first request. */
const entries = history().map((events) =>
  ledgerEntry({
    receiptId: events[0]?.receiptId ?? 'r0',
    pseudonym: 'sp_' + 'ab'.repeat(16),
    at: events[0]?.at ?? 0,
    events: events.filter((e) => e.leafIndex === events[0]!.leafIndex).map((e) => ({ ...e, scoped: e.recipientId !== null })),
  }),
);

describe('consent ledger entry', () => {
  it('is built in canonical key order: its plain JSON is its RFC 8785 form', () => {
    fc.assert(
      fc.property(entries, (entry) => {
        // The journal stores the JCS form; built in that order it needs no reordering walk.
        expect(JSON.stringify(entry)).toBe(canonicalize(entry));
      }),
    );
  });

  it('says only whether a grant is scoped, never to whom, and carries no subject id', () => {
    fc.assert(
      fc.property(history(), (events) => {
        const first = events.filter((e) => e.leafIndex === events[0]?.leafIndex);
        const entry = ledgerEntry({ receiptId: 'r', pseudonym: 'sp_x', at: 0, events: first.map((e) => ({ ...e, scoped: e.recipientId !== null })) });
        const text = JSON.stringify(entry);
        for (const e of first) {
          if (e.recipientId !== null) expect(text).not.toContain(`"${e.recipientId}"`);
          expect(text).not.toContain(`"${e.subjectId}"`);
        }
        expect((entry.events as Array<{ scoped: boolean }>).map((x) => x.scoped)).toEqual(first.map((e) => e.recipientId !== null));
      }),
    );
  });
});
