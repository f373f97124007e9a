/** Where a command writes; injected so tests capture output without spawning processes. */
export interface CliIO {
  out(s: string): void;
  err(s: string): void;
  readonly isTTY: boolean;
  /** The whole of standard input (a password given with `--password-stdin`). */
  readStdin?(): Promise<string>;
}

export const processIO: CliIO = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  get isTTY() {
    return Boolean(process.stdout.isTTY);
  },
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

export function captureIO(stdin = ''): CliIO & { stdout: () => string; stderr: () => string } {
  let o = '';
  let e = '';
  return { out: (s) => void (o += s), err: (s) => void (e += s), isTTY: false, readStdin: async () => stdin, stdout: () => o, stderr: () => e };
}
