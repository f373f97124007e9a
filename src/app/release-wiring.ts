import v8 from 'node:v8';
import { gateIndex } from '../core/gate/gate-index.ts';
import type { GateRecords } from '../core/gate/gate-records.ts';
import type { GateContext } from '../core/gate/types.ts';
import type { SuspensionsService } from './suspensions-service.ts';
import type { RegistryModel } from '../core/registry/model.ts';
import type { Database } from '../store/sql.ts';
import type { Journal } from '../store/journal.ts';
import { OperatorPolicies } from '../policy/cedar.ts';
import { loadKeyProvider, type KeyProvider } from '../vault/key-provider.ts';
import type { AdminActions } from './admin-actions.ts';
import { Issuers } from './issuers.ts';
import type { MembersService } from './members-service.ts';
import type { RegistryService } from './registry-service.ts';
import { ReleaseService, type ConsentOrder, type ReleasePolicy } from './release-service.ts';
import type { SubjectsService } from './subjects-service.ts';
import { VaultService } from './vault-service.ts';

/**
 * Wires the vault, the token/relay issuers and the release service from the services they
 * read: the active registry, class members, suspension orders and the gate's per-subject
 * records (which the subject directory, the consent projection, the orders index, the rights
 * stops and this vault keep) — all in memory — so `createApp` adds one call.
 */
export interface ReleaseWiringDeps {
  readonly db: Database;
  readonly journal: Journal;
  readonly admin: AdminActions;
  readonly registry: RegistryService;
  readonly members: MembersService;
  readonly subjects: SubjectsService;
  /**
   * What the gate reads per subject: its state, orders, consents, objections and completed
   * objection/suspension requests, written by the projections that own each (src/core/gate/gate-records.ts).
   * The vault created here writes its erasures into it.
   */
  readonly records: GateRecords;
  /** Recorded PIPC suspension orders (PIPA 28-9). */
  readonly suspensions: Pick<SuspensionsService, 'find'>;
  /** The consent ledger's write order (ConsentService): allowed decisions follow the consent writes they read. */
  readonly order?: ConsentOrder;
  /** Master key sources: CONSENTGATE_MASTER_KEY, else `<dataDir>/keys/master.key`. */
  readonly env?: Record<string, string | undefined>;
  readonly dataDir?: string | undefined;
  /** True for in-memory databases only: a random key that dies with the process. */
  readonly ephemeralKey?: boolean;
  readonly keys?: KeyProvider;
  /** Operator rules: an explicit policy, or every `*.cedar` file of `policyDir` (none if absent). */
  readonly policy?: ReleasePolicy;
  readonly policyDir?: string;
}

export interface ReleaseServices {
  readonly vault: VaultService;
  readonly issuers: Issuers;
  readonly releases: ReleaseService;
  /** start/stop in this order / reverse. */
  readonly lifecycle: ReadonlyArray<{ start(): Promise<void>; stop(): Promise<void> }>;
}

export function createReleaseServices(d: ReleaseWiringDeps): ReleaseServices {
  const keys =
    d.keys ??
    loadKeyProvider({ env: d.env ?? {}, ...(d.dataDir ? { dataDir: d.dataDir } : {}), ephemeral: d.ephemeralKey ?? false });
  const vault = new VaultService(d.db, {
    keys,
    categories: () => d.registry.model?.categories ?? EMPTY,
    audit: { admin: d.admin, pseudonym: (s) => d.subjects.pseudonymOf(s) },
    // Erasure can come from either side: the vault knows first, the subject directory on reload.
    erasures: d.records,
  });
  // The subject projection learns of the erasure from the row the vault just wrote.
  vault.onErased(async (subject) => {
    await d.subjects.reload(subject);
  });
  const issuers = new Issuers(d.db, vault, { operatorDomain: () => operatorDomain(d.registry.model) });

  // The members the gate knows: every one not disabled (MembersService keeps the table).
  const members = d.members.gate;
  let cached: { model: RegistryModel; ctx: GateContext } | undefined;
  const gate = (): GateContext | undefined => {
    const model = d.registry.model;
    if (!model) return undefined;
    if (cached?.model !== model) {
      // Compile the registry's gate tables (law-pack verdicts, allowed traces) now, not in the first release.
      gateIndex(model);
      cached = { model, ctx: { registry: model, members, subjects: d.records, suspensions: d.suspensions } };
    }
    return cached.ctx;
  };
  const policy = d.policy ?? (d.policyDir ? OperatorPolicies.loadDir(d.policyDir) : undefined);
  if (policy) avoidCedarDeoptCrash();
  const releases = new ReleaseService({
    journal: d.journal,
    vault,
    issuers,
    gate,
    pseudonym: (s) => d.subjects.pseudonymOf(s),
    ...(policy ? { policy } : {}),
    ...(d.order ? { order: d.order } : {}),
  });
  return { vault, issuers, releases, lifecycle: [vault, issuers] };
}

const EMPTY: ReadonlySet<string> = new Set();

/**
 * Node 20's V8 (11.3) aborts the process ("Fatal error … unreachable code" in
 * Deoptimizer::DoComputeBuiltinContinuation) when TurboFan-optimised `OperatorPolicies.apply`,
 * which calls into cedar-wasm, is lazily deoptimised under sustained concurrent releases —
 * reproducible within a few thousand requests. Keeping functions named `apply` in the
 * interpreter/baseline tiers avoids it (verified; costs a few µs per Cedar call). Remove once the
 * runtime is on a V8 without the bug.
 */
function avoidCedarDeoptCrash(): void {
  if (/^v20\./.test(process.version)) v8.setFlagsFromString('--turbo-filter=-apply');
}

/** Proxy e-mails live under the privacy officer's domain: `r-…@relay.<domain>`. */
export function operatorDomain(model: RegistryModel | undefined): string {
  const email = model?.operator.privacy_officer.email;
  const at = email?.lastIndexOf('@') ?? -1;
  return email && at > 0 ? email.slice(at + 1).toLowerCase() : 'consentgate.invalid';
}
