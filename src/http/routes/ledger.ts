import { z } from 'zod';
import { CgError } from '../../core/errors.ts';
import type { Principal } from '../principal.ts';
import type { StoredCheckpoint } from '../../store/ledger-checkpoints.ts';
import type { StoredEntry } from '../../store/ledger-reader.ts';
import { content, defineRoute, mount } from '../route.ts';
import type { RoutePlugin } from './index.ts';

/**
 * The transparency log, public: anyone — a customer, an auditor, a regulator, a witness — may
 * fetch checkpoints and proofs without a key, because verification must not depend on the
 * operator's goodwill. Entries hold no plaintext personal data (keyed subject pseudonyms and
 * item names only). Hashes and proofs are standard base64, as in the checkpoint itself.
 */
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const MAX_INDEX = Number.MAX_SAFE_INTEGER;
const sizeParam = z.coerce.number().int().min(0).max(MAX_INDEX);

const checkpointJson = z
  .object({
    origin: z.string(),
    size: z.number().int(),
    root: z.string().describe('base64 root hash'),
    note: z.string().describe('the C2SP signed note, byte for byte'),
    created_at: z.string(),
  })
  .meta({ id: 'LedgerCheckpoint' });

const entryJson = z
  .object({
    index: z.number().int(),
    tree_size: z.number().int(),
    entry: z.string().describe('the entry: canonical JSON (RFC 8785), the exact bytes that were hashed'),
    entry_base64: z.string(),
    leaf_hash: z.string(),
    proof: z.array(z.string()).describe('RFC 9162 inclusion proof, base64 hashes, leaf side first'),
    root: z.string(),
    checkpoint: z.string().nullable().describe('signed checkpoint of tree_size, if one was issued at that size'),
    created_at: z.string(),
  })
  .meta({ id: 'LedgerEntryProof' });

function checkpointBody(origin: string, cp: StoredCheckpoint) {
  return { origin, size: cp.size, root: b64(cp.root), note: cp.note, created_at: cp.createdAt.toISOString() };
}

export function entryBody(e: StoredEntry, treeSize: number, proof: Uint8Array[], root: Uint8Array, checkpoint: StoredCheckpoint | null) {
  return {
    index: e.index,
    tree_size: treeSize,
    entry: Buffer.from(e.entry).toString('utf8'),
    entry_base64: b64(e.entry),
    leaf_hash: b64(e.leafHash),
    proof: proof.map(b64),
    root: b64(root),
    checkpoint: checkpoint?.note ?? null,
    created_at: e.createdAt.toISOString(),
  };
}

/** `?format=json`, or an Accept naming JSON but not text/plain, gets the JSON form; anything else the note as text/plain. */
const wantsJson = (accept: string | undefined, format: string | undefined) =>
  format === 'json' || (format !== 'note' && /application\/json/.test(accept ?? '') && !/text\/plain/.test(accept ?? ''));

export const ledgerRoutes: RoutePlugin = (app, ctx) => {
  const ledger = ctx.ledger;

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/ledger/checkpoint',
    operationId: 'getLatestCheckpoint',
    summary: 'The newest signed checkpoint (C2SP tlog-checkpoint signed note)',
    description: 'text/plain: the signed note exactly as signed. With `Accept: application/json` or `?format=json`: the note and its parsed fields.',
    tags: ['ledger'],
    auth: { kind: 'public' },
    query: z.object({ format: z.enum(['note', 'json']).optional() }),
    response: { 200: content({ 'text/plain': z.string().describe('the signed note'), 'application/json': checkpointJson }) },
    handler: async ({ query, request, reply }) => {
      const cp = await ledger.latestCheckpoint();
      if (wantsJson(request.headers.accept, query.format)) return checkpointBody(ledger.origin, cp);
      return reply.type('text/plain; charset=utf-8').send(cp.note);
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/ledger/checkpoints',
    operationId: 'listCheckpoints',
    summary: 'Every checkpoint issued, newest first, or the one of a given size',
    tags: ['ledger'],
    auth: { kind: 'public' },
    query: z.object({
      size: sizeParam.optional(),
      before: sizeParam.optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
    response: { 200: z.object({ checkpoints: z.array(checkpointJson) }) },
    handler: async ({ query }) => {
      const list = query.size !== undefined ? [await ledger.checkpointAt(query.size)] : await ledger.checkpoints.list({ ...(query.before !== undefined ? { before: query.before } : {}), limit: query.limit });
      return { checkpoints: list.map((cp) => checkpointBody(ledger.origin, cp)) };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/ledger/entries/:index',
    operationId: 'getLedgerEntry',
    summary: 'One log entry with its inclusion proof',
    description:
      'Without `treeSize` the proof is against the newest checkpoint (issued on the spot if the entry is newer), which is included: ' +
      'save the response and run `consentgate ledger verify --key <log key> --proof <file>`. 404 INDEX_OUT_OF_RANGE beyond the log; 400 BAD_RANGE if treeSize ≤ index or beyond the log.',
    tags: ['ledger'],
    auth: { kind: 'public' },
    params: z.object({ index: sizeParam }),
    query: z.object({ treeSize: z.coerce.number().int().min(1).max(MAX_INDEX).optional() }),
    response: { 200: entryJson },
    handler: async ({ params, query }) => {
      const r = await ledger.entry(params.index, query.treeSize);
      const root = r.checkpoint?.root ?? (await ledger.reader.root(r.treeSize));
      return entryBody(r.entry, r.treeSize, r.proof, root, r.checkpoint);
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/ledger/consistency',
    operationId: 'getConsistencyProof',
    summary: 'Consistency proof between two tree sizes (RFC 9162 §2.1.4)',
    description: '`to` defaults to the newest checkpoint. 400 BAD_RANGE if from > to or to is beyond the log.',
    tags: ['ledger'],
    auth: { kind: 'public' },
    query: z.object({ from: sizeParam, to: sizeParam.optional() }),
    response: {
      200: z.object({ from: z.number().int(), to: z.number().int(), proof: z.array(z.string()), from_checkpoint: z.string().nullable(), to_checkpoint: z.string().nullable() }),
    },
    handler: async ({ query }) => {
      const r = await ledger.consistency(query.from, query.to);
      const [a, b] = await Promise.all([ledger.checkpoints.atSize(r.from), ledger.checkpoints.atSize(r.to)]);
      return { from: r.from, to: r.to, proof: r.proof.map(b64), from_checkpoint: a?.note ?? null, to_checkpoint: b?.note ?? null };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/ledger/keys',
    operationId: 'getLedgerKeys',
    summary: "The log's checkpoint verifier keys",
    description: '`verifier` is the active key in signed-note form `<origin>+<hash>+<base64 key>`: pass it to `consentgate ledger verify --key`.',
    tags: ['ledger'],
    auth: { kind: 'public' },
    response: {
      200: z.object({
        origin: z.string(),
        verifier: z.string(),
        keys: z.array(z.object({ name: z.string(), verifier: z.string(), created_at: z.string(), retired_at: z.string().nullable() })),
      }),
    },
    handler: async () => {
      const k = await ledger.keys();
      return {
        origin: k.origin,
        verifier: k.verifier,
        keys: k.keys.map((x) => ({ name: x.name, verifier: x.verifier, created_at: x.createdAt.toISOString(), retired_at: x.retiredAt?.toISOString() ?? null })),
      };
    },
  }));

  mount(app, defineRoute({
    method: 'GET',
    url: '/v1/subjects/:id/ledger',
    operationId: 'listSubjectLedgerEntries',
    summary: 'Every log entry about one subject, each with its inclusion proof against one signed checkpoint',
    description:
      'What a customer or their lawyer asks for: every consent event and release decision recorded about them. Entries name the subject only by ' +
      'its pseudonym. Page with `after` (the last index seen). A subject key may read only its own subject.',
    tags: ['ledger'],
    auth: { kind: ['subject', 'admin'], scopes: ['subjects:read'] },
    params: z.object({ id: z.string().min(1).max(200) }),
    query: z.object({ after: z.coerce.number().int().min(-1).max(MAX_INDEX).default(-1), limit: z.coerce.number().int().min(1).max(200).default(50) }),
    response: {
      200: z.object({
        subject: z.object({ id: z.string(), pseudonym: z.string() }),
        tree_size: z.number().int(),
        checkpoint: z.string(),
        entries: z.array(entryJson),
        next_after: z.number().int().nullable(),
      }),
    },
    handler: async ({ params, query, principal }) => {
      assertSelf(principal, params.id);
      const subject = await ctx.subjects.require(params.id);
      const rows = await ledger.entriesBySubject(subject.pseudonym, { after: query.after, limit: query.limit });
      let cp = await ledger.latestCheckpoint();
      if (rows.some((r) => r.index >= cp.size)) cp = await ledger.checkpoint();
      const proofs = await ledger.reader.inclusionProofs(rows.map((r) => r.index), cp.size);
      const entries = rows.map((r, i) => entryBody(r, cp.size, proofs[i]!, cp.root, cp));
      return {
        subject: { id: params.id, pseudonym: subject.pseudonym },
        tree_size: cp.size,
        checkpoint: cp.note,
        entries,
        next_after: rows.length === query.limit ? rows[rows.length - 1]!.index : null,
      };
    },
  }));
};

function assertSelf(p: Principal, id: string): void {
  if (p.kind === 'subject' && p.id !== id) {
    throw new CgError('FORBIDDEN_SUBJECT', 'a subject key may only act on its own subject', 403, [{ code: 'FORBIDDEN_SUBJECT', message: 'not your subject id', path: 'id' }]);
  }
}
