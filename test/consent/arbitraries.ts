import fc from 'fast-check';
import type { ConsentEvent } from '../../src/core/consent/events.ts';

/**
 * Random consent histories over a small universe (2 subjects, 3 declarations, 2 members, 2
 * purposes) so that keys collide often and the interesting orderings actually happen.
 */
export const SUBJECTS = ['s1', 's2'];
export const DECLS = ['d1', 'd2', 'd3'];
export const MEMBERS = ['m1', 'm2'];
export const PURPOSES = ['p1', 'p2'];

const rawEvent = fc.record({
  subjectId: fc.constantFrom(...SUBJECTS),
  action: fc.constantFrom('grant', 'grant', 'withdraw', 'object') as fc.Arbitrary<ConsentEvent['action']>,
  declarationId: fc.constantFrom(...DECLS),
  purposeId: fc.constantFrom(...PURPOSES),
  recipientId: fc.option(fc.constantFrom(...MEMBERS), { nil: null }),
  expiresAt: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
  at: fc.integer({ min: 0, max: 100 }),
  items: fc.subarray(['name', 'phone', 'address']),
  /** Starts a new ledger leaf (a new request) when true. */
  newLeaf: fc.boolean(),
});

/** Events in log order with unique ids and (leafIndex, pos) assigned like the journal does. */
export const history = (prefix = '') =>
  fc.array(rawEvent, { maxLength: 40 }).map((raws) => {
    let leaf = 0;
    let pos = 0;
    return raws.map((r, i): ConsentEvent => {
      if (i > 0 && r.newLeaf) {
        leaf += 1 + (i % 3); // gaps: other kinds of leaves sit between consent requests
        pos = 0;
      } else if (i > 0) pos += 1;
      return {
        eventId: `${prefix}e${i}`,
        subjectId: prefix + r.subjectId,
        action: r.action,
        declarationId: r.action === 'object' ? null : r.declarationId,
        purposeId: r.purposeId,
        recipientId: r.action === 'object' ? null : r.recipientId,
        noticeHash: r.action === 'object' ? null : `h${leaf}`,
        collectionPoint: null,
        items: r.action === 'grant' ? r.items : [],
        expiresAt: r.action === 'grant' ? r.expiresAt : null,
        at: r.at,
        channel: 'api',
        actor: 'subject',
        evidence: {},
        receiptId: `r${leaf}`,
        leafIndex: leaf,
        pos,
      };
    });
  });
