import { Command, CommanderError } from 'commander';
import { CgError } from '../core/errors.ts';
import { commands } from './commands/index.ts';
import type { CliIO } from './io.ts';
import { processIO } from './io.ts';
import { toolVersion } from './version.ts';

/**
 * Exit codes: 0 success, 1 findings of error severity (or a failed verification),
 * 2 unreadable or invalid input. Commands return their code instead of exiting so tests can
 * drive them in-process.
 */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const program = new Command('consentgate')
    .description('Privacy control plane for cross-border marketplaces')
    .version(toolVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  let code = 0;
  for (const register of commands) register(program, io, (c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof CgError) {
      io.err(`error ${e.code}: ${e.message}\n`);
      for (const d of e.details.slice(1)) io.err(`  ${d.code} ${d.path ?? ''}${d.line ? ` (${d.line}:${d.column})` : ''}: ${d.message}\n`);
      return e.status >= 500 ? 1 : 2;
    }
    io.err(`error: ${(e as Error).message}\n`);
    return 1;
  }
}
