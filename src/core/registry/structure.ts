import { formatPath, type FieldPath } from '../errors.ts';
import type { Registry } from './schema.ts';

export interface StructuralIssue {
  readonly code: 'DUPLICATE_ID' | 'UNKNOWN_REFERENCE' | 'EMPTY_DECLARATION';
  readonly message: string;
  readonly path: string;
  readonly pathSegments: FieldPath;
}

/**
 * Duplicate ids, references that do not resolve and declarations that release nothing.
 * Recipients and recipient classes share one namespace because a declaration names either.
 */
export function structuralIssues(r: Registry): StructuralIssue[] {
  return [...duplicateIds(r), ...unknownReferences(r), ...emptyDeclarations(r)];
}

function issue(code: StructuralIssue['code'], message: string, segments: FieldPath): StructuralIssue {
  return { code, message, path: formatPath(segments), pathSegments: segments };
}

export function duplicateIds(r: Registry): StructuralIssue[] {
  const groups: Array<[string[], ReadonlyArray<{ id: string }>]> = [
    [['data_categories'], r.data_categories],
    [['collection_points'], r.collection_points],
    [['purposes'], r.purposes],
    [['declarations'], r.declarations],
  ];
  const out: StructuralIssue[] = [];
  for (const [[key], list] of groups) out.push(...dupesIn(list, key!));
  // One namespace for recipients and classes.
  const seen = new Map<string, string>();
  const parties: Array<[string, ReadonlyArray<{ id: string }>]> = [
    ['recipients', r.recipients],
    ['recipient_classes', r.recipient_classes],
  ];
  for (const [key, list] of parties) {
    list.forEach((o, i) => {
      const where = formatPath([key, i]);
      const prior = seen.get(o.id);
      if (prior) out.push(issue('DUPLICATE_ID', `id "${o.id}" is already used at ${prior}`, [key, i, 'id']));
      else seen.set(o.id, where);
    });
  }
  return out;
}

function dupesIn(list: ReadonlyArray<{ id: string }>, key: string): StructuralIssue[] {
  const seen = new Map<string, number>();
  const out: StructuralIssue[] = [];
  list.forEach((o, i) => {
    const prior = seen.get(o.id);
    if (prior !== undefined) out.push(issue('DUPLICATE_ID', `id "${o.id}" is already used at ${key}[${prior}]`, [key, i, 'id']));
    else seen.set(o.id, i);
  });
  return out;
}

export function unknownReferences(r: Registry): StructuralIssue[] {
  const categories = new Set(r.data_categories.map((c) => c.id));
  const points = new Set(r.collection_points.map((c) => c.id));
  const purposes = new Set(r.purposes.map((p) => p.id));
  const parties = new Set([...r.recipients, ...r.recipient_classes].map((p) => p.id));
  const out: StructuralIssue[] = [];
  const check = (set: Set<string>, value: string, kind: string, segments: FieldPath) => {
    if (!set.has(value)) out.push(issue('UNKNOWN_REFERENCE', `unknown ${kind} "${value}"`, segments));
  };
  r.purposes.forEach((p, i) => {
    p.items.forEach((c, j) => check(categories, c, 'data category', ['purposes', i, 'items', j]));
    p.collection_points.forEach((c, j) => check(points, c, 'collection point', ['purposes', i, 'collection_points', j]));
  });
  r.declarations.forEach((d, i) => {
    check(parties, d.recipient, 'recipient or recipient class', ['declarations', i, 'recipient']);
    check(purposes, d.purpose, 'purpose', ['declarations', i, 'purpose']);
    d.items.forEach((it, j) => check(categories, it.category, 'data category', ['declarations', i, 'items', j, 'category']));
    d.collection_points?.forEach((c, j) => check(points, c, 'collection point', ['declarations', i, 'collection_points', j]));
  });
  return out;
}

export function emptyDeclarations(r: Registry): StructuralIssue[] {
  return r.declarations.flatMap((d, i) =>
    d.items.length === 0 ? [issue('EMPTY_DECLARATION', `declaration "${d.id}" releases no items`, ['declarations', i, 'items'])] : [],
  );
}
