import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { captureIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { parseBound, parsePeriod } from '../../src/core/report/period.ts';
import { dayIn, defaultPeriodDays, reportZone, zoneLabel } from '../../src/core/report/zone.ts';

/**
 * Report periods in the regulator's time: Korean days for the PIPC, Brussels days for an EU
 * authority, or the operator's zone — printed on the report (issue: `--from 2023-01-01` used to
 * start at 09:00 in Seoul, and a replay of 2023 "spanned 2022-12-31").
 */
async function cli(...args: string[]) {
  const io = captureIO();
  const code = await main(['node', 'consentgate', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('days in a time zone', () => {
  it('a day is the whole local day: Seoul, and Brussels in summer and winter time', () => {
    expect(parseBound('2023-01-01', 'from', false, 'Asia/Seoul')).toBe(Date.parse('2023-01-01T00:00:00+09:00'));
    expect(parseBound('2023-12-31', 'to', true, 'Asia/Seoul')).toBe(Date.parse('2023-12-31T23:59:59.999+09:00'));
    expect(parseBound('2023-07-01', 'from', false, 'Europe/Brussels')).toBe(Date.parse('2023-07-01T00:00:00+02:00'));
    expect(parseBound('2023-01-15', 'to', true, 'Europe/Brussels')).toBe(Date.parse('2023-01-15T23:59:59.999+01:00'));
    // The DST change day in Brussels is 23 hours long.
    const { from, to } = parsePeriod('2023-03-26', '2023-03-26', undefined, 'Europe/Brussels');
    expect(to - from + 1).toBe(23 * 3_600_000);
    // Timestamps keep their own offset; UTC days are unchanged.
    expect(parseBound('2023-01-01T00:00:00Z', 'from', false, 'Asia/Seoul')).toBe(Date.parse('2023-01-01T00:00:00Z'));
    expect(parseBound('2023-01-01', 'from', false)).toBe(Date.parse('2023-01-01T00:00:00Z'));
  });

  it('property: every instant of a local day maps back to that day, and the days tile time', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('1990-01-01'), max: Date.parse('2090-01-01') }), fc.constantFrom('Asia/Seoul', 'Europe/Brussels', 'America/St_Johns', 'UTC'), (at, zone) => {
        const day = dayIn(at, zone);
        const start = parseBound(day, 'from', false, zone);
        const end = parseBound(day, 'to', true, zone);
        expect(start).toBeLessThanOrEqual(at);
        expect(end).toBeGreaterThanOrEqual(at);
        expect(dayIn(start, zone)).toBe(day);
        expect(dayIn(end, zone)).toBe(day);
        expect(dayIn(end + 1, zone)).not.toBe(day);
      }),
      { numRuns: 300 },
    );
  });

  it('zone choice: --tz, then the authority, then the registry', () => {
    expect(reportZone(['KR', 'EU'], {})).toEqual({ zone: 'Asia/Seoul', basis: 'pipc' });
    expect(reportZone(['EU'], {})).toEqual({ zone: 'Europe/Brussels', basis: 'eu' });
    expect(reportZone(['KR'], { authority: 'eu' }).zone).toBe('Europe/Brussels');
    expect(reportZone(['KR'], { authority: 'eu', tz: 'Europe/Dublin' })).toEqual({ zone: 'Europe/Dublin', basis: 'configured' });
    expect(() => reportZone(['KR'], { tz: 'Mars/Olympus' })).toThrow(expect.objectContaining({ code: 'INVALID_TIME_ZONE' }));
    expect(zoneLabel('Asia/Seoul', 0)).toBe('Asia/Seoul, UTC+09:00');
    expect(zoneLabel('Europe/Brussels', Date.parse('2023-07-01T00:00:00Z'))).toBe('Europe/Brussels, UTC+02:00');
    expect(defaultPeriodDays(Date.parse('2026-12-31T16:00:00Z'), 'Asia/Seoul')).toEqual({ from: '2027-01-01', to: '2027-01-01' });
  });
});

describe('consentgate report on the AliExpress-shaped replay (KR operator: Korean days)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cg-report-zone-'));
  const ex = (f: string) => join('examples/aliexpress-case', f);
  let summary: string;

  beforeAll(async () => {
    const r = await cli('replay', '--registry', ex('registry.yaml'), '--shares', ex('shares.csv'), '--consents', ex('consents.jsonl'), '--members', ex('members.csv'), '--out', join(dir, 'replay'), '--no-progress');
    expect(r.code).toBe(1);
    summary = join(dir, 'replay', 'summary.json');
  }, 120_000);

  it('--from 2023-01-01 --to 2023-12-31 covers the Korean year: no "records span 2022-12-31" note, the zone printed', async () => {
    const r = await cli('report', '--registry', ex('registry.yaml'), '--replay', summary, '--from', '2023-01-01', '--to', '2023-12-31');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('2023-01-01 .. 2023-12-31 (Asia/Seoul, UTC+09:00)');
    expect(r.out).not.toContain('2022-12-31');
    expect(r.out).not.toContain('The replayed records span');
  });

  it('--lang ko without --from/--to: the replay span, in Korean days', async () => {
    const s = JSON.parse(readFileSync(summary, 'utf8')) as { period: { from: string; to: string } };
    const r = await cli('report', '--registry', ex('registry.yaml'), '--replay', summary, '--lang', 'ko');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`${dayIn(Date.parse(s.period.from), 'Asia/Seoul')} .. ${dayIn(Date.parse(s.period.to), 'Asia/Seoul')} (Asia/Seoul, UTC+09:00)`);
    expect(r.out).toContain('대상 기간');
  });

  it('--lang ko without a replay or --from: the year so far; --authority eu and --tz change the zone; a bad zone is exit 2', async () => {
    const year = await cli('report', '--registry', ex('registry.yaml'), '--lang', 'ko');
    expect(year.code, year.err).toBe(0);
    const today = defaultPeriodDays(Date.now(), 'Asia/Seoul');
    expect(year.out).toContain(`${today.from} .. `);
    const eu = await cli('report', '--registry', ex('registry.yaml'), '--from', '2023-07-01', '--to', '2023-07-31', '--authority', 'eu');
    expect(eu.out).toContain('2023-07-01 .. 2023-07-31 (Europe/Brussels, UTC+02:00)');
    const tz = await cli('report', '--registry', ex('registry.yaml'), '--from', '2023-07-01', '--to', '2023-07-31', '--tz', 'UTC');
    expect(tz.out).toContain('2023-07-01 .. 2023-07-31 (UTC)');
    const bad = await cli('report', '--registry', ex('registry.yaml'), '--from', '2023-07-01', '--tz', 'Mars/Olympus');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('INVALID_TIME_ZONE');
  });
});
