/**
 * A one-line progress bar for long replays: fraction of the file read, records, rate and ETA.
 * Shown only on a terminal (the command decides); redrawn at most every `intervalMs`.
 */
export interface ProgressState {
  readonly bytes: number;
  readonly totalBytes: number;
  readonly records: number;
  readonly elapsedMs: number;
}

const WIDTH = 24;

export function renderProgress(s: ProgressState): string {
  const fraction = s.totalBytes > 0 ? Math.min(1, s.bytes / s.totalBytes) : 0;
  const filled = Math.round(fraction * WIDTH);
  const bar = '='.repeat(filled) + (filled < WIDTH ? '>' : '') + ' '.repeat(Math.max(0, WIDTH - filled - 1));
  const seconds = s.elapsedMs / 1000;
  const rate = seconds > 0 ? s.records / seconds : 0;
  const eta = fraction > 0 && fraction < 1 ? (seconds * (1 - fraction)) / fraction : 0;
  return `[${bar}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${s.records.toLocaleString('en-US')} records  ${Math.round(rate).toLocaleString('en-US')}/s  ETA ${formatSeconds(eta)}`;
}

export function formatSeconds(s: number): string {
  const t = Math.ceil(s);
  if (t < 60) return `${t}s`;
  const m = Math.floor(t / 60);
  return m < 60 ? `${m}m${String(t % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export class ProgressBar {
  private last = 0;
  private readonly started: number;
  constructor(
    private readonly write: (s: string) => void,
    private readonly now: () => number = Date.now,
    private readonly intervalMs = 100,
  ) {
    this.started = now();
  }

  update(bytes: number, totalBytes: number, records: number): void {
    const t = this.now();
    if (t - this.last < this.intervalMs) return;
    this.last = t;
    this.write(`\r${renderProgress({ bytes, totalBytes, records, elapsedMs: t - this.started })}\x1b[K`);
  }

  /** Clears the line so the summary starts clean. */
  done(): void {
    this.write('\r\x1b[K');
  }
}
