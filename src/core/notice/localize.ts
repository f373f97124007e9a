import type { Text } from './types.ts';

export type Lang = 'ko' | 'en';

/** A notice with every bilingual `Text` collapsed to one language. */
export type Localized<T> = T extends Text
  ? string
  : T extends ReadonlyArray<infer U>
    ? Localized<U>[]
    : T extends object
      ? { [K in keyof T]: Localized<T[K]> }
      : T;

function isText(v: unknown): v is Text {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 2 && typeof (v as Text).ko === 'string' && typeof (v as Text).en === 'string';
}

/**
 * The rendered view of a notice in one language. The notice's identity stays the hash of the
 * bilingual document, so a subject who read either language consented to the same version.
 */
export function localize<T>(value: T, lang: Lang): Localized<T> {
  if (isText(value)) return value[lang] as Localized<T>;
  if (Array.isArray(value)) return value.map((v) => localize(v, lang)) as Localized<T>;
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = localize(v, lang);
    return out as Localized<T>;
  }
  return value as Localized<T>;
}
