import { AccountsService, viewAccount, type Account } from '../../app/accounts-service.ts';
import { AdminActions } from '../../app/admin-actions.ts';
import { loadConfig } from '../../config.ts';
import { isRole, ROLES, type Role } from '../../core/accounts/roles.ts';
import { CgError } from '../../core/errors.ts';
import { Journal } from '../../store/journal.ts';
import { sqlLedgerAppender } from '../../store/ledger-appender.ts';
import { openDatabase } from '../../store/open.ts';
import type { CliIO } from '../io.ts';
import type { RegisterCommand } from './index.ts';

interface DbOpts {
  databaseUrl?: string;
  dataDir?: string;
  json?: boolean;
}

const bad = (code: string, message: string, path: string) => new CgError(code, message, 400, [{ code, message, path }]);

/**
 * `consentgate accounts add|list|disable|set-role|set-password`: the people who sign in to the
 * officer console (docs/security.md "People and roles"), managed on the database of a ConsentGate
 * (`--database-url`, `--data-dir`, or DATABASE_URL / CONSENTGATE_DATA_DIR; an embedded data
 * directory only while its server is stopped). Each change is an admin action in the
 * transparency log with the actor `cli`. Passwords come from standard input
 * (`--password-stdin`), never from the command line (shell history, `ps`).
 * Exit 2 on bad input (unknown role, weak password, unknown account, login taken).
 */
export const registerAccounts: RegisterCommand = (program, io) => {
  const accounts = program.command('accounts').description('people who sign in to the officer console, and their roles (officer, auditor, support)');
  const withDb = (c: ReturnType<typeof accounts.command>) =>
    c
      .option('--database-url <url>', 'PostgreSQL of a ConsentGate (default DATABASE_URL)')
      .option('--data-dir <dir>', 'embedded PGlite directory of a stopped ConsentGate (default CONSENTGATE_DATA_DIR)')
      .option('--json', 'print JSON');

  withDb(accounts.command('add').description('add a person with a role'))
    .requiredOption('--login <login>', 'login or e-mail address (an e-mail links a verified OpenID identity on first sign-in)')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .option('--password-stdin', 'read a local password (12+ characters) from standard input')
    .option('--oidc-issuer <url>', 'bind to this OpenID provider…')
    .option('--oidc-subject <sub>', '…and this subject (`sub` claim)')
    .action(async (opts: DbOpts & { login: string; name: string; role: string; passwordStdin?: boolean; oidcIssuer?: string; oidcSubject?: string }) => {
      const role = roleOf(opts.role, '--role');
      if ((opts.oidcIssuer === undefined) !== (opts.oidcSubject === undefined)) throw bad('USAGE', 'give --oidc-issuer and --oidc-subject together', '--oidc-subject');
      const password = opts.passwordStdin ? await readPassword(io) : undefined;
      await withAccounts(opts, async (svc) => {
        const a = await svc.create(
          { login: opts.login, displayName: opts.name, role, password, ...(opts.oidcIssuer ? { oidc: { issuer: opts.oidcIssuer, subject: opts.oidcSubject! } } : {}) },
          'cli',
        );
        print(io, opts, a, `added ${a.id} (${a.role}) ${a.login}`);
      });
    });

  withDb(accounts.command('list').description('list accounts')).action(async (opts: DbOpts) => {
    await withAccounts(opts, async (svc) => {
      const list = await svc.list();
      if (opts.json) return io.out(JSON.stringify(list.map(viewAccount), null, 2) + '\n');
      for (const a of list) {
        const how = [a.hasPassword ? 'password' : '', a.oidc ? 'oidc' : ''].filter(Boolean).join('+') || 'no sign-in';
        io.out(`${a.id}\t${a.role}\t${a.disabledAt ? 'disabled' : 'active'}\t${how}\t${a.login}\t${a.displayName}\n`);
      }
    });
  });

  withDb(accounts.command('disable').description('disable an account: its console sessions end with their next request').argument('<id>', 'account id (acct_…)')).action(
    async (id: string, opts: DbOpts) => {
      await withAccounts(opts, async (svc) => {
        const a = await svc.disable(id, 'cli');
        print(io, opts, a, `disabled ${a.id} (${a.login})`);
      });
    },
  );

  withDb(accounts.command('set-role').description("change an account's role (effective on its sessions' next request)").argument('<id>', 'account id').argument('<role>', ROLES.join(' | '))).action(
    async (id: string, r: string, opts: DbOpts) => {
      const role = roleOf(r, 'role');
      await withAccounts(opts, async (svc) => {
        const a = await svc.setRole(id, role, 'cli');
        print(io, opts, a, `${a.id} is now ${a.role}`);
      });
    },
  );

  withDb(accounts.command('set-password').description("set or remove an account's local password").argument('<id>', 'account id'))
    .option('--password-stdin', 'read the new password (12+ characters) from standard input')
    .option('--remove', 'remove the password (OpenID Connect sign-in only)')
    .action(async (id: string, opts: DbOpts & { passwordStdin?: boolean; remove?: boolean }) => {
      if (Boolean(opts.passwordStdin) === Boolean(opts.remove)) throw bad('USAGE', 'give exactly one of --password-stdin and --remove', '--password-stdin');
      const password = opts.remove ? null : await readPassword(io);
      await withAccounts(opts, async (svc) => {
        const a = await svc.setPassword(id, password, 'cli');
        print(io, opts, a, `${a.id}: password ${a.hasPassword ? 'set' : 'removed'}`);
      });
    });
};

function roleOf(r: string, path: string): Role {
  if (!isRole(r)) throw bad('UNKNOWN_ROLE', `role must be one of ${ROLES.join(', ')}, not "${r}"`, path);
  return r;
}

/** The password from stdin: one line (a trailing newline is not part of it). */
async function readPassword(io: CliIO): Promise<string> {
  if (!io.readStdin) throw bad('USAGE', 'no standard input to read the password from', '--password-stdin');
  const text = (await io.readStdin()).replace(/\r?\n$/, '');
  if (text.includes('\n')) throw bad('USAGE', 'the password must be one line', '--password-stdin');
  return text;
}

function print(io: CliIO, opts: DbOpts, a: Account, line: string): void {
  io.out(opts.json ? JSON.stringify(viewAccount(a), null, 2) + '\n' : line + '\n');
}

async function withAccounts(opts: DbOpts, fn: (svc: AccountsService) => Promise<void>): Promise<void> {
  const base = loadConfig(process.env);
  const databaseUrl = opts.databaseUrl ?? (opts.dataDir ? undefined : base.databaseUrl);
  if (!databaseUrl && !opts.dataDir && !process.env.CONSENTGATE_DATA_DIR) {
    throw bad('SOURCE_REQUIRED', 'accounts live in the database: give --database-url or --data-dir (or DATABASE_URL / CONSENTGATE_DATA_DIR)', '--data-dir');
  }
  const db = await openDatabase({
    ...(databaseUrl ? { databaseUrl } : { dataDir: opts.dataDir ?? base.dataDir }),
    ...(base.schema ? { schema: base.schema } : {}),
  });
  const journal = new Journal(db, sqlLedgerAppender);
  try {
    await fn(new AccountsService(db, new AdminActions(journal)));
  } finally {
    await journal.drain().catch(() => {});
    await journal.close().catch(() => {});
    await db.close();
  }
}
