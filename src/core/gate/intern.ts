/**
 * One string object per distinct value, for the ids the gate compares on every decision:
 * declaration and choice ids, purposes, member ids, terms fingerprints and consented item
 * lists. The gate's tables (gate-index.ts) and the per-subject records (gate-records.ts) both
 * store the interned object, so the decision compares pointers — and the few shared strings stay
 * in cache — instead of comparing, and first loading, one copy per database row.
 *
 * The tables are module-wide and only grow: they hold registry ids, member ids and item lists,
 * which the operator defines (a few thousand), never subject ids or anything per request.
 */
const strings = new Map<string, string>();
const lists = new Map<string, readonly string[]>();

export function intern(s: string): string {
  const had = strings.get(s);
  if (had !== undefined) return had;
  const v = internalized(s);
  strings.set(v, v);
  return v;
}

/**
 * V8's own copy of `s` from its string table (an "internalized" string), which a property name
 * always is. Map lookups and `===` compare pointers first, and two internalized strings that are
 * not the same object are known to differ without reading their characters: a lookup of the
 * gate's tables (keyed by these) with a string V8 internalized too — the short strings of a
 * parsed JSON body are — neither reads the stored key nor compares characters. A string that
 * looks like an array index is not a property name; it comes back as an equal string.
 */
function internalized(s: string): string {
  const o: Record<string, 0> = {};
  o[s] = 0;
  for (const k in o) return k;
  return s;
}

export function internOrNull(s: string | null): string | null {
  return s === null ? null : intern(s);
}

/** One frozen array per distinct list (of interned strings): subjects consent to the same few item lists. */
export function internList(xs: readonly string[]): readonly string[] {
  // Ids never contain NUL (registry ids are slugs); the length keeps [] and [''] apart.
  const key = `${xs.length}\u0000${xs.join('\u0000')}`;
  const had = lists.get(key);
  if (had !== undefined) return had;
  const list = Object.freeze(xs.map(intern));
  lists.set(key, list);
  return list;
}

/**
 * A small integer per distinct id (member, registry party, declaration or choice), for the keys
 * of the per-subject records: comparing two integers reads no memory, where comparing two
 * different string objects reads both (and a record scan compares against every entry). Key 0
 * is the empty id: an unscoped consent. Module-wide, like the strings above.
 */
const keys = new Map<string, number>([['', 0]]);
const names: string[] = [''];

export const UNSCOPED_KEY = 0;

export function idKey(id: string): number {
  let k = keys.get(id);
  if (k === undefined) {
    k = names.length;
    names.push(intern(id));
    keys.set(id, k);
  }
  return k;
}

/** The id a key was made from. */
export function idOfKey(key: number): string {
  const id = names[key];
  if (id === undefined) throw new Error(`no id has key ${key}`);
  return id;
}

/**
 * A small integer per consent choice id (`<declaration>` or `<declaration>:transfer`,
 * src/core/consent/choice.ts), numbered apart from `idKey` from 0: the registry's choices, a few
 * hundred, keep small numbers however many members the process has keyed before them, so that a
 * consent entry's key fits one cell with its scope's key (gate-records.ts, `keyCell`).
 * Module-wide, like the tables above; never a subject's id.
 */
const choiceKeys = new Map<string, number>();
const choiceIds: string[] = [];

export function choiceKey(id: string): number {
  let k = choiceKeys.get(id);
  if (k === undefined) {
    k = choiceIds.length;
    choiceIds.push(intern(id));
    choiceKeys.set(id, k);
  }
  return k;
}

/** The choice id a choice key was made from. */
export function idOfChoiceKey(key: number): string {
  const id = choiceIds[key];
  if (id === undefined) throw new Error(`no choice has key ${key}`);
  return id;
}
