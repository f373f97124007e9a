import type { ValueFormat } from '../gate/types.ts';

/**
 * Deterministic masking for the `masked` release form, one rule per value format. Every rule
 * hides something: a masked value never equals a non-trivial input, and what it hides is
 * replaced (not shortened into a hint) so the masked form cannot be reversed.
 */
export const REDACTED = '***';

/** Inputs longer than this are redacted whole: masking is for names and numbers, not documents. */
export const MAX_MASK_INPUT = 2000;

export function mask(format: ValueFormat, value: unknown): string {
  if (typeof value !== 'string') {
    // Numbers (e.g. a numeric identifier) are masked as text; structures never leave unmasked.
    if ((typeof value === 'number' || typeof value === 'bigint') && format !== 'text' && format !== 'json') {
      return mask(format, String(value));
    }
    return REDACTED;
  }
  if (value.length > MAX_MASK_INPUT || !/[\p{L}\p{N}]/u.test(value)) return REDACTED;
  switch (format) {
    case 'name':
      return maskName(value);
    case 'phone':
      return maskPhone(value);
    case 'email':
      return maskEmail(value);
    case 'address':
      return maskAddress(value);
    case 'identifier':
      return maskIdentifier(value);
    case 'date':
      return maskDate(value);
    case 'text':
    case 'json':
      return REDACTED;
  }
}

const CJK = /[\p{Script=Hangul}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

/** 홍길동 → 홍*동, 김철 → 김*, John Doe → J*** D**: each word keeps one letter (CJK: first and last). */
export function maskName(value: string): string {
  return value
    .trim()
    .split(/\s+/)
    .map((word) => {
      const cs = Array.from(word);
      if (cs.length === 1) return '*';
      if (CJK.test(word) && cs.length >= 3) return cs[0] + '*'.repeat(cs.length - 2) + cs[cs.length - 1];
      return cs[0] + '*'.repeat(cs.length - 1);
    })
    .join(' ');
}

/**
 * 010-1234-5678 → 010-****-5678, +82 10-1234-5678 → +82 10-****-5678, 01012345678 → 010****5678.
 * Keeps the last four digits and the leading groups (country and area/mobile prefix); every other
 * digit or letter becomes `*`, separators stay. Short numbers are masked whole.
 */
export function maskPhone(value: string): string {
  const chars = Array.from(value.trim());
  const isDigit = (c: string) => c >= '0' && c <= '9';
  const n = chars.filter(isDigit).length;
  if (n <= 4) return chars.map((c) => (/[\p{L}\p{N}]/u.test(c) ? '*' : c)).join('');
  // Leading groups = every digit group except the last two, when there are at least three.
  const groups = value.trim().split(/[^0-9]+/).filter((g) => g.length > 0);
  let head = groups.length >= 3 ? groups.slice(0, -2).reduce((a, g) => a + g.length, 0) : n >= 10 ? 3 : 0;
  // At least three digits between head and tail stay hidden (all of them when fewer).
  head = Math.max(0, Math.min(head, n - 4 - Math.min(3, n - 4)));
  let seen = 0;
  return chars
    .map((c) => {
      if (isDigit(c)) {
        const i = seen++;
        return i < head || i >= n - 4 ? c : '*';
      }
      return /\p{L}/u.test(c) ? '*' : c;
    })
    .join('');
}

/** jdoe@example.com → j***@example.com: the local part keeps its first character, the domain stays. */
export function maskEmail(value: string): string {
  const v = value.trim();
  const at = v.lastIndexOf('@');
  if (at <= 0 || at === v.length - 1) return REDACTED;
  const first = Array.from(v.slice(0, at))[0]!;
  return `${first}***${v.slice(at)}`;
}

const KR_UNIT = /(특별자치시|특별자치도|특별시|광역시|도|시|군|구)$/u;
const UNIT_WORD = /^(apt|apartment|suite|ste|unit|floor|fl|room|rm|building|bldg|#.*)\.?$/i;

/**
 * Keeps the region and city, drops street, number, building and unit. Korean addresses keep
 * the leading administrative units (서울특별시 강남구 …); Western ones keep the comma-separated
 * parts after the street, without postcodes or unit words. Nothing with a digit survives.
 */
export function maskAddress(value: string): string {
  const kept = /\p{Script=Hangul}/u.test(value) ? koreanRegion(value) : westernRegion(value);
  return kept.length > 0 ? `${kept} ${REDACTED}` : REDACTED;
}

function koreanRegion(value: string): string {
  const out: string[] = [];
  for (const tok of value.replace(/[,()]/g, ' ').trim().split(/\s+/)) {
    if (out.length >= 3 || /\d/.test(tok) || !KR_UNIT.test(tok)) break;
    out.push(tok);
  }
  return out.join(' ');
}

function westernRegion(value: string): string {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length < 2) return '';
  const kept = parts
    .slice(1)
    .map((p) => {
      const toks = p.split(/\s+/);
      // Postcode halves like the Dutch "1015 BN" follow a numeric token.
      return toks
        .filter((t, i) => t.length > 0 && !/\d/.test(t) && !UNIT_WORD.test(t) && !(/^[A-Z]{1,3}$/.test(t) && /\d/.test(toks[i - 1] ?? '')))
        .join(' ');
    })
    .filter((p) => p.length > 0);
  return kept.slice(-3).join(', ');
}

/** Keeps the last four letters or digits (fewer for short values: at least half stays hidden). */
export function maskIdentifier(value: string): string {
  const chars = Array.from(value.trim());
  const alnum = (c: string) => /[\p{L}\p{N}]/u.test(c);
  const n = chars.filter(alnum).length;
  const keep = Math.min(4, Math.floor(n / 2));
  let seen = 0;
  return chars.map((c) => (alnum(c) ? (seen++ < n - keep ? '*' : c) : c)).join('');
}

/** 1990-05-17 → 1990-**-**: the year only. */
export function maskDate(value: string): string {
  const year = /(?<!\d)(\d{4})(?!\d)/.exec(value)?.[1];
  return year ? `${year}-**-**` : REDACTED;
}
