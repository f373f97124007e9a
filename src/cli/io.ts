/** Where a command writes; injected so tests capture output without spawning processes. */
export interface CliIO {
  out(s: string): void;
  err(s: string): void;
  readonly isTTY: boolean;
}

export const processIO: CliIO = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  get isTTY() {
    return Boolean(process.stdout.isTTY);
  },
};

export function captureIO(): CliIO & { stdout: () => string; stderr: () => string } {
  let o = '';
  let e = '';
  return { out: (s) => void (o += s), err: (s) => void (e += s), isTTY: false, stdout: () => o, stderr: () => e };
}
