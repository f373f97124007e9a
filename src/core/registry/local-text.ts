import { z } from 'zod';

/**
 * A human text of the registry that a data subject reads (a recipient's name, the timing of a
 * transfer, a contact's address…): either one plain string, in the operator's language as older
 * registries wrote it, or a text per language `{ ko, en }` (at least one of the two).
 *
 * Which language a plain string is in cannot be known; the lint (KO_TEXT_MISSING) reads it as
 * Korean only when it contains Hangul, so that a registry serving Korean subjects cannot put an
 * English sentence in front of them by leaving a field unlocalised (docs/legal/korean-text.md).
 */
export type LocalText = string | { readonly ko?: string; readonly en?: string };

export type Lang = 'ko' | 'en';

/** The schema of a localised text field; `max` bounds each language's text. */
export function localText(max: number) {
  const one = z.string().min(1).max(max);
  return z.union([
    one,
    z
      .strictObject({ ko: one.optional(), en: one.optional() })
      .refine((t) => t.ko !== undefined || t.en !== undefined, 'a text in at least one language: { ko, en }'),
  ]);
}

/**
 * The text to show in `lang`: the text of that language, else the other one (a registry the lint
 * passed has Korean wherever Korean subjects are served), else the plain string.
 */
export function text(t: LocalText, lang: Lang): string;
export function text(t: LocalText | undefined, lang: Lang): string | undefined;
export function text(t: LocalText | undefined, lang: Lang): string | undefined {
  if (t === undefined || typeof t === 'string') return t;
  return lang === 'ko' ? (t.ko ?? t.en) : (t.en ?? t.ko);
}

const HANGUL = /[\u1100-\u11FF\u3130-\u318F\uAC00-\uD7AF]/u;

/** Whether a text has Korean to show: a `ko` text, or a plain string written in Hangul. */
export function hasKorean(t: LocalText): boolean {
  if (typeof t === 'string') return HANGUL.test(t);
  return t.ko !== undefined;
}

/** Whether a string contains Hangul at all. */
export const containsHangul = (s: string): boolean => HANGUL.test(s);

/**
 * The text as a notice carries it: a plain string stays as it is (the notice of an older registry
 * keeps its hash), a localised one becomes a complete `{ ko, en }` pair so that `localize` renders
 * it in either language.
 */
export function noticeText(t: LocalText): string | { ko: string; en: string } {
  if (typeof t === 'string') return t;
  return { ko: (t.ko ?? t.en)!, en: (t.en ?? t.ko)! };
}

/** A localised text in an API response: the registry's value as it is. */
export const localTextOut = z.union([z.string(), z.object({ ko: z.string().optional(), en: z.string().optional() })]);

/** Both languages of a text, for a page that switches language on the client (the privacy centre). */
export function bilingual(t: LocalText): { ko: string; en: string } {
  return { ko: text(t, 'ko'), en: text(t, 'en') };
}
