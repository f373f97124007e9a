import { randomBytes } from 'node:crypto';
import { CgError } from '../core/errors.ts';
import { burnPasswordCheck, hashPassword, passwordProblem, verifyPassword } from '../core/accounts/password.ts';
import { isRole, ROLES, scopesOfRole, type Role } from '../core/accounts/roles.ts';
import type { Principal } from '../http/principal.ts';
import type { Database, Sql } from '../store/sql.ts';
import type { AdminActions } from './admin-actions.ts';

/**
 * People who use the officer console (issue 19): an account each, with a role (roles.ts), a local
 * password and/or an OpenID Connect binding. The shared admin key stays for automation.
 *
 * Every change (create, disable, role, password, OIDC binding) is an admin action: its row and
 * its transparency-log leaf commit together, the actor being the acting key or account
 * (`account:<id>`). The log names the account id and the role, never the login or the name —
 * the log is append-only and a login is usually a person's e-mail address.
 *
 * Sessions re-read the account on every request (`principalOf`), so disabling an account or
 * changing its role takes effect on the next request, on every server sharing the database.
 */
export interface Account {
  readonly id: string;
  readonly login: string;
  readonly displayName: string;
  readonly role: Role;
  readonly hasPassword: boolean;
  readonly oidc: { readonly issuer: string; readonly subject: string } | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly disabledAt: string | null;
  /** Changes with the password or the OpenID binding: a session opened under an older one ends. */
  readonly credentialsVersion: number;
}

export interface CreateAccountInput {
  readonly login: string;
  readonly displayName: string;
  readonly role: Role;
  readonly password?: string | undefined;
  readonly oidc?: { readonly issuer: string; readonly subject: string } | undefined;
}

interface Row {
  id: string;
  login: string;
  display_name: string;
  role: string;
  password_hash: string | null;
  oidc_issuer: string | null;
  oidc_subject: string | null;
  created_at: Date | string;
  created_by: string;
  disabled_at: Date | string | null;
  credentials_version: number | string;
}

export const ACCOUNT_ID_RE = /^acct_[A-Za-z0-9_-]{12}$/;
const LOGIN_RE = /^[\p{L}\p{N}._%+'-]{1,64}(?:@[\p{L}\p{N}.-]{1,190})?$/u;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;

/** The key id an account acts under: what `actor` fields and the access log name. */
export const accountKeyId = (id: string) => `account:${id}`;

const invalid = (path: string, message: string, code = 'VALIDATION_FAILED') => new CgError(code, `${path}: ${message}`, 422, [{ code, message, path }]);

export function normalizeLogin(login: string): string {
  const l = login.trim().normalize('NFC').toLowerCase();
  if (!LOGIN_RE.test(l)) throw invalid('login', 'a login or e-mail address (letters, digits, . _ % + \' -, at most one @)');
  return l;
}

function checkName(name: string): string {
  const n = name.trim().normalize('NFC');
  if (n.length < 1 || n.length > 200 || CONTROL_RE.test(n)) throw invalid('display_name', '1 to 200 characters, no control characters');
  return n;
}

function checkPassword(password: string): void {
  const p = passwordProblem(password);
  if (p) throw invalid('password', p, 'WEAK_PASSWORD');
}

export class AccountsService {
  constructor(
    private readonly db: Database,
    private readonly admin: AdminActions,
  ) {}

  async create(input: CreateAccountInput, actor: string): Promise<Account> {
    const login = normalizeLogin(input.login);
    const displayName = checkName(input.displayName);
    if (!isRole(input.role)) throw invalid('role', `one of ${ROLES.join(', ')}`);
    if (input.password !== undefined) checkPassword(input.password);
    if (await this.findByLogin(login)) throw new CgError('ACCOUNT_EXISTS', 'an account with this login exists', 409, [{ code: 'ACCOUNT_EXISTS', message: 'login taken', path: 'login' }]);
    if (input.oidc && (await this.findByOidc(input.oidc.issuer, input.oidc.subject))) {
      throw new CgError('ACCOUNT_EXISTS', 'an account is already bound to this OpenID subject', 409, [{ code: 'ACCOUNT_EXISTS', message: 'subject taken', path: 'oidc_subject' }]);
    }
    const hash = input.password !== undefined ? await hashPassword(input.password) : null;
    const id = 'acct_' + randomBytes(9).toString('base64url');
    await this.admin.record(
      { action: 'account.create', actor, target: id, facts: { role: input.role, password: hash !== null, oidc: input.oidc !== undefined } },
      async (tx: Sql, at) => {
        // Conflict-free: a login taken in the meantime leaves this row out (checked below).
        await tx.query(
          `INSERT INTO console_accounts (id, login, display_name, role, password_hash, oidc_issuer, oidc_subject, created_at, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
          [id, login, displayName, input.role, hash, input.oidc?.issuer ?? null, input.oidc?.subject ?? null, at, actor],
        );
      },
    );
    const a = await this.get(id);
    if (!a) throw new CgError('ACCOUNT_EXISTS', 'an account with this login was created at the same time', 409, [{ code: 'ACCOUNT_EXISTS', message: 'login taken', path: 'login' }]);
    return a;
  }

  async list(): Promise<Account[]> {
    const rows = await this.db.query<Row>('SELECT * FROM console_accounts ORDER BY created_at, id');
    return rows.map(view);
  }

  async get(id: string): Promise<Account | undefined> {
    const row = await this.row(id);
    return row ? view(row) : undefined;
  }

  async findByLogin(login: string): Promise<Account | undefined> {
    const [row] = await this.db.query<Row>('SELECT * FROM console_accounts WHERE login = $1', [login.trim().normalize('NFC').toLowerCase()]);
    return row ? view(row) : undefined;
  }

  async findByOidc(issuer: string, subject: string): Promise<Account | undefined> {
    const [row] = await this.db.query<Row>('SELECT * FROM console_accounts WHERE oidc_issuer = $1 AND oidc_subject = $2', [issuer, subject]);
    return row ? view(row) : undefined;
  }

  async disable(id: string, actor: string): Promise<Account> {
    const a = await this.mustGet(id);
    if (a.disabledAt) return a;
    await this.keepAnOfficer(a, 'params.id');
    await this.admin.record({ action: 'account.disable', actor, target: id, facts: { role: a.role } }, async (tx, at) => {
      await tx.query(`UPDATE console_accounts SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL AND ${ANOTHER_OFFICER}`, [id, at]);
    });
    return this.changed(id, (b) => b.disabledAt !== null, 'params.id');
  }

  async setRole(id: string, role: Role, actor: string): Promise<Account> {
    if (!isRole(role)) throw invalid('role', `one of ${ROLES.join(', ')}`);
    const a = await this.mustGet(id);
    if (a.role === role) return a;
    if (role !== 'officer') await this.keepAnOfficer(a, 'role');
    await this.admin.record({ action: 'account.set_role', actor, target: id, facts: { from: a.role, to: role } }, async (tx) => {
      await tx.query(`UPDATE console_accounts SET role = $2 WHERE id = $1 AND ($2 = 'officer' OR ${ANOTHER_OFFICER})`, [id, role]);
    });
    return this.changed(id, (b) => b.role === role, 'role');
  }

  /**
   * The console keeps at least one enabled officer once it has one: disabling or demoting the
   * last would leave nobody able to manage people (only the shared admin key, meant for
   * automation). Checked first for a clear answer, and again inside the write (ANOTHER_OFFICER),
   * so two officers demoting each other at once cannot both succeed.
   */
  private async keepAnOfficer(a: Account, path: string): Promise<void> {
    if (a.role !== 'officer' || a.disabledAt) return;
    const [row] = await this.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM console_accounts WHERE role = 'officer' AND disabled_at IS NULL AND id <> $1",
      [a.id],
    );
    if (Number(row!.n) === 0) throw lastOfficer(path);
  }

  /** The account after a guarded write: refused (409) when the guard kept it unchanged. */
  private async changed(id: string, done: (a: Account) => boolean, path: string): Promise<Account> {
    const b = await this.mustGet(id);
    if (!done(b)) throw lastOfficer(path);
    return b;
  }

  /** Sets (or, with null, removes) the account's local password. */
  async setPassword(id: string, password: string | null, actor: string): Promise<Account> {
    if (password !== null) checkPassword(password);
    await this.mustGet(id);
    const hash = password === null ? null : await hashPassword(password);
    await this.admin.record({ action: 'account.set_password', actor, target: id, facts: { password: hash !== null } }, async (tx) => {
      await tx.query('UPDATE console_accounts SET password_hash = $2, credentials_version = credentials_version + 1 WHERE id = $1', [id, hash]);
    });
    return this.mustGet(id);
  }

  /** Binds the account to an OpenID subject (first sign-in by verified e-mail, or an admin). */
  async bindOidc(id: string, issuer: string, subject: string, actor: string): Promise<Account> {
    const taken = await this.findByOidc(issuer, subject);
    if (taken && taken.id !== id) throw new CgError('ACCOUNT_EXISTS', 'another account is bound to this OpenID subject', 409);
    await this.mustGet(id);
    await this.admin.record({ action: 'account.bind_oidc', actor, target: id, facts: { issuer } }, async (tx) => {
      // Conflict-free: only when the subject is still free (the unique index would fail the batch).
      await tx.query(
        `UPDATE console_accounts SET oidc_issuer = $2, oidc_subject = $3, credentials_version = credentials_version + 1
          WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM console_accounts WHERE oidc_issuer = $2 AND oidc_subject = $3)`,
        [id, issuer, subject],
      );
    });
    return this.mustGet(id);
  }

  /**
   * The enabled account whose login and password match, else undefined — after the same work
   * either way, so the timing does not tell which logins exist or have a password.
   */
  async checkPassword(login: string, password: string): Promise<Account | undefined> {
    let row: Row | undefined;
    try {
      [row] = await this.db.query<Row>('SELECT * FROM console_accounts WHERE login = $1', [normalizeLogin(login)]);
    } catch {
      row = undefined;
    }
    if (!row?.password_hash) return burnPasswordCheck(password).then(() => undefined);
    const ok = await verifyPassword(password, row.password_hash);
    return ok && !row.disabled_at ? view(row) : undefined;
  }

  /** The account as a console principal, read now: refused once disabled, scopes from its current role. */
  async principalOf(id: string): Promise<{ ok: true; principal: Principal; account: Account } | { ok: false; reason: 'unknown' | 'disabled' }> {
    const a = await this.get(id);
    if (!a) return { ok: false, reason: 'unknown' };
    if (a.disabledAt) return { ok: false, reason: 'disabled' };
    return { ok: true, principal: principalOfAccount(a), account: a };
  }

  private async row(id: string): Promise<Row | undefined> {
    if (!ACCOUNT_ID_RE.test(id)) return undefined;
    const [row] = await this.db.query<Row>('SELECT * FROM console_accounts WHERE id = $1', [id]);
    return row;
  }

  private async mustGet(id: string): Promise<Account> {
    const a = await this.get(id);
    if (!a) throw new CgError('UNKNOWN_ACCOUNT', `no account "${id}"`, 404, [{ code: 'UNKNOWN_ACCOUNT', message: 'unknown account', path: 'id' }]);
    return a;
  }
}

export const principalOfAccount = (a: Account): Principal => ({ kind: 'admin', id: a.id, keyId: accountKeyId(a.id), scopes: scopesOfRole(a.role) });

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function view(r: Row): Account {
  return {
    id: r.id,
    login: r.login,
    displayName: r.display_name,
    role: r.role as Role,
    hasPassword: r.password_hash !== null,
    oidc: r.oidc_issuer && r.oidc_subject ? { issuer: r.oidc_issuer, subject: r.oidc_subject } : null,
    createdAt: iso(r.created_at)!,
    createdBy: r.created_by,
    disabledAt: iso(r.disabled_at),
    credentialsVersion: Number(r.credentials_version),
  };
}

/** Accounts as the console and the CLI show them: no password hash, ever. */
export const viewAccount = (a: Account) => ({
  id: a.id,
  login: a.login,
  display_name: a.displayName,
  role: a.role,
  scopes: [...scopesOfRole(a.role)],
  password: a.hasPassword,
  oidc: a.oidc ? { issuer: a.oidc.issuer } : null,
  created_at: a.createdAt,
  created_by: a.createdBy,
  disabled_at: a.disabledAt,
});

/** SQL guard for a write to account $1: it is no enabled officer, or another enabled officer remains. */
const ANOTHER_OFFICER = `(role <> 'officer' OR disabled_at IS NOT NULL OR EXISTS (SELECT 1 FROM console_accounts o WHERE o.role = 'officer' AND o.disabled_at IS NULL AND o.id <> $1))`;

const lastOfficer = (path: string) =>
  new CgError('LAST_OFFICER', 'the last enabled officer cannot be disabled or given another role; make another officer first', 409, [
    { code: 'LAST_OFFICER', message: 'at least one enabled officer must remain', path },
  ]);
