import { describe, expect, it } from 'vitest';
import { formatSeconds, ProgressBar, renderProgress } from '../../src/audit/progress.ts';

describe('progress bar', () => {
  it('shows fraction, records, rate and ETA', () => {
    const line = renderProgress({ bytes: 250, totalBytes: 1000, records: 50_000, elapsedMs: 10_000 });
    // 25% read in 10 s → 30 s left; 50,000 records in 10 s → 5,000/s
    expect(line).toBe('[======>                 ]  25%  50,000 records  5,000/s  ETA 30s');
  });

  it.each([[0, '0s'], [59.2, '1m00s'], [61, '1m01s'], [3725, '1h02m']])('formats %d s as %s', (s, text) => expect(formatSeconds(s)).toBe(text));

  it('redraws at most once per interval and clears its line when done', () => {
    let now = 0;
    const out: string[] = [];
    const bar = new ProgressBar((s) => out.push(s), () => now, 100);
    now = 150;
    bar.update(10, 100, 1);
    now = 200;
    bar.update(20, 100, 2); // 50 ms later: skipped
    now = 260;
    bar.update(30, 100, 3);
    bar.done();
    expect(out).toHaveLength(3);
    expect(out[0]).toContain(' 10%');
    expect(out[1]).toContain(' 30%');
    expect(out[2]).toBe('\r\x1b[K');
  });
});
