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
 * Strings numbered 0, 1, 2, … in the order first seen, both ways: the number of a string and the
 * string of a number. Module-wide tables below, never a subject's id.
 */
class Numbering {
  private readonly numbers = new Map<string, number>();
  private readonly strings: string[] = [];

  constructor(private readonly what: string) {}

  of(s: string): number {
    let n = this.numbers.get(s);
    if (n === undefined) {
      n = this.strings.length;
      this.strings.push(intern(s));
      this.numbers.set(s, n);
    }
    return n;
  }

  string(n: number): string {
    const s = this.strings[n];
    if (s === undefined) throw new Error(`no ${this.what} has key ${n}`);
    return s;
  }
}

/**
 * A small integer per distinct id (member, registry party, declaration or choice), for the keys
 * of the per-subject records: comparing two integers reads no memory, where comparing two
 * different string objects reads both (and a record scan compares against every entry). Key 0
 * is the empty id: an unscoped consent.
 */
const ids = new Numbering('id');

export const UNSCOPED_KEY = ids.of('');

export const idKey = (id: string): number => ids.of(id);

/** The id a key was made from. */
export const idOfKey = (key: number): string => ids.string(key);

/**
 * A small integer per consent choice id (`<declaration>` or `<declaration>:transfer`,
 * src/core/consent/choice.ts), numbered apart from `idKey` from 0: the registry's choices, a few
 * hundred, keep small numbers however many members the process has keyed before them, so that a
 * consent entry's key fits one cell with its scope's key (gate-records.ts, `keyCell`).
 */
const choices = new Numbering('choice');

export const choiceKey = (id: string): number => choices.of(id);

/** The choice id a choice key was made from. */
export const idOfChoiceKey = (key: number): string => choices.string(key);
