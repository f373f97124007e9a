import type { Registry as MetricsRegistry } from 'prom-client';
import type { Database } from '../store/sql.ts';
import type { Journal } from '../store/journal.ts';
import type { AppConfig } from '../config.ts';
import type { AdminActions } from './admin-actions.ts';
import type { ApiKeys } from './api-keys.ts';
import type { MembersService } from './members-service.ts';
import type { RegistryService } from './registry-service.ts';
import type { ConsentService } from './consent-service.ts';
import type { SubjectsService } from './subjects-service.ts';
import type { LedgerService } from './ledger-service.ts';
import type { VaultService } from './vault-service.ts';
import type { Issuers } from './issuers.ts';
import type { ReleaseService } from './release-service.ts';
import type { OutboxService } from '../outbox/service.ts';
import type { RightsService } from './rights-service.ts';
import type { ClientCertBindings } from './client-certs.ts';
import type { ReportService } from './report-service.ts';
import type { OrdersService } from './orders-service.ts';
import type { SuspensionsService } from './suspensions-service.ts';
import type { UsageNoticeService } from './usage-notice-service.ts';
import type { AccountsService } from './accounts-service.ts';

/**
 * The running application: every service an adapter (HTTP, CLI, console) may call.
 * Each feature adds its service here and constructs it in `create.ts`.
 */
export interface AppContext {
  readonly config: AppConfig;
  readonly db: Database;
  readonly journal: Journal;
  /** prom-client registry of this app: add feature metrics with `metric()` from src/http/metrics.ts. */
  readonly metrics: MetricsRegistry;
  /** Records an admin action and its effect in one journal transaction (ledger leaf included). */
  readonly admin: AdminActions;
  readonly keys: ApiKeys;
  /** Active registry in memory: `ctx.registry.model` (sync), `onActivated(fn)`. */
  readonly registry: RegistryService;
  /** Registered class members: `ctx.members.get(id)` (sync) → { classId, country, disabled }. */
  readonly members: MembersService;
  // ── feature services: add yours below ──
  /** Data subjects in memory: `get(id)` (gate view, sync), `record(id)`, `create`, `pseudonymOf`. */
  readonly subjects: SubjectsService;
  /** Notices and the consent ledger; implements the gate's `ConsentLookup` (docs/consent.md). */
  readonly consents: ConsentService;
  /** Transparency log: checkpoints, entries with inclusion proofs, consistency proofs (docs/ledger.md). */
  readonly ledger: LedgerService;
  /** Encrypted vault: put/describe/erase (crypto-shredding); `read` only for releases. */
  readonly vault: VaultService;
  /** Tokens and relay numbers (safe_number): redeem lookups, `revoke(subject, recipient|null, at)`. */
  readonly issuers: Issuers;
  /** The release gate: `release`, `explain`, `redeem`; every decision recorded (docs/release.md). */
  readonly releases: ReleaseService;
  /** Transactional outbox: webhook and NATS delivery, dead letters; `events` queues stream events (docs/rights.md). */
  readonly outbox: OutboxService;
  /** Data-subject rights: who has my data, export, requests with deadlines, deletion propagation (docs/rights.md). */
  readonly rights: RightsService;
  /** Recipients bound to a client certificate (mutual TLS, src/http/tls.ts). */
  readonly clientCerts: ClientCertBindings;
  /** Orders (PIPA 17(2)1, 18): a seller receives only its own customers' data; `get(ref)` is the gate's sync lookup. */
  readonly orders: OrdersService;
  /** PIPC suspension orders (PIPA 28-9) recorded by the operator; the gate refuses what they cover. */
  readonly suspensions: SuspensionsService;
  /** Regulator-ready reports and breach impact from the stored records, anchored to a signed checkpoint (docs/audit.md). */
  readonly reports: ReportService;
  /** PIPA 20-2 usage-history notices: the threshold and each subject's yearly notice (docs/legal/usage-and-breach.md). */
  readonly usageNotices: UsageNoticeService;
  /** People who sign in to the console: roles, passwords, OpenID Connect bindings (src/app/accounts-service.ts). */
  readonly accounts: AccountsService;
}
