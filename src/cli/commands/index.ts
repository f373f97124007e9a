import type { Command } from 'commander';
import type { CliIO } from '../io.ts';
import { registerCheck } from './check.ts';
import { registerSchema } from './schema.ts';
import { registerReplay } from './replay.ts';
import { registerReport } from './report.ts';
import { registerLedger } from './ledger.ts';
import { registerReceipt } from './receipt.ts';
import { registerNotify } from './notify.ts';
import { registerFides } from './fides.ts';
import { registerAccounts } from './accounts.ts';

/**
 * Each command module exports one `register` function; add it to this list.
 * `setExit` records the process exit code (0 ok, 1 findings/verification failed, 2 bad input).
 */
export type RegisterCommand = (program: Command, io: CliIO, setExit: (code: number) => void) => void;

export const commands: RegisterCommand[] = [
  registerCheck,
  registerSchema,
  registerReplay,
  registerReport,
  registerLedger,
  registerReceipt,
  registerNotify,
  registerFides,
  registerAccounts,
];
