import { DEFAULT_TIME_ZONES } from '../core/rights/deadline.ts';
import { ConsentHistory } from '../core/audit/consent-history.ts';
import { createJudge } from '../core/audit/judge.ts';
import { isBadRow } from '../core/audit/record.ts';
import { SubjectIndex } from '../core/audit/subjects.ts';
import { ReplayTally, type ReplaySummary } from '../core/audit/summary.ts';
import type { Member } from '../core/audit/types.ts';
import { CgError } from '../core/errors.ts';
import type { Jurisdiction } from '../core/registry/schema.ts';
import { AtomicOutput } from './atomic-output.ts';
import { loadConsents } from './consents.ts';
import { FindingsFormatter } from './findings.ts';
import { openInput } from './input.ts';
import { loadMembers } from './members.ts';
import { loadRegistryFile } from './registry-file.ts';
import { shareBatches } from './shares.ts';

export interface ReplayOptions {
  readonly registry: string;
  readonly shares: string;
  readonly consents?: string;
  readonly members?: string;
  /**
   * Judge recipients that neither the registry nor `members` resolves as undeclared even though the
   * registry has recipient classes and no members file was given. Without it such a run is refused
   * (MEMBERS_REQUIRED): every class member would silently count as an undeclared recipient.
   */
  readonly acceptUnresolved?: boolean;
  /** Required when the registry's operator serves more than one jurisdiction. */
  readonly jurisdiction?: Jurisdiction;
  /** Directory for findings.csv, findings.jsonl and summary.json. */
  readonly outDir?: string;
  readonly onProgress?: (bytes: number, records: number, totalBytes: number) => void;
}

export const OUTPUT_FILES = ['findings.csv', 'findings.jsonl', 'summary.json'] as const;

/**
 * Replays a share log against a registry and a consent history. Inputs are validated before a
 * single share is read (registry, members, consents: any error is fatal); share rows stream
 * through with bounded memory. With `outDir`, outputs appear only if the whole run succeeded.
 */
export async function runReplay(o: ReplayOptions): Promise<ReplaySummary> {
  const registry = loadRegistryFile(o.registry);
  const jurisdiction = pickJurisdiction(registry.operator.jurisdictions, o.jurisdiction);
  const members: Map<string, Member> = o.members ? await loadMembers(o.members, registry) : new Map();
  const consents = o.consents ? await loadConsents(o.consents, registry) : new ConsentHistory().seal();
  const subjects = new SubjectIndex();
  const judge = createJudge({
    registry,
    members,
    consents,
    jurisdiction,
    collectedAt: (s) => minDefined(subjects.firstSeenAt(s), consents.firstGrantOf(s)),
  });
  const tally = new ReplayTally(DEFAULT_TIME_ZONES[jurisdiction]);
  const { stream, size } = openInput(o.shares, 'share log');
  const out = o.outDir ? new AtomicOutput(o.outDir) : undefined;
  const findings = new FindingsFormatter(jurisdiction);
  // Without --members, a class member is a name the registry cannot resolve: count them to refuse.
  const watchUnresolved = !o.members && !o.acceptUnresolved && [...registry.parties.values()].some((p) => p.kind === 'class');
  const unresolved = new UnresolvedRecipients();
  try {
    out?.write('findings.csv', findings.header());
    out?.write('findings.jsonl', '');
    for await (const batch of shareBatches(stream, o.shares)) {
      for (const row of batch.rows) {
        if (isBadRow(row)) {
          tally.addBad(row);
          continue;
        }
        if (watchUnresolved && !registry.parties.has(row.recipient)) unresolved.add(row.recipient);
        const n = subjects.see(row.subject, row.at);
        const verdict = judge(row);
        tally.add(row, n, verdict);
        if (out && verdict.codes.length > 0) {
          const [csv, json] = findings.lines(row, verdict);
          out.write('findings.csv', csv);
          out.write('findings.jsonl', json);
        }
      }
      o.onProgress?.(batch.bytes, tally.records, size);
    }
    if (unresolved.records > 0) throw unresolved.error();
    const summary = tally.summary(jurisdiction, registry.hash);
    if (out) {
      out.write('summary.json', JSON.stringify(summary, null, 2) + '\n');
      out.commit();
    }
    return summary;
  } catch (e) {
    out?.abort();
    stream.destroy();
    throw e;
  }
}

function pickJurisdiction(served: readonly Jurisdiction[], wanted: Jurisdiction | undefined): Jurisdiction {
  if (wanted) {
    if (!served.includes(wanted)) throw new CgError('JURISDICTION_NOT_SERVED', `the registry's operator does not serve ${wanted} (serves ${served.join(', ')})`, 400);
    return wanted;
  }
  if (served.length === 1) return served[0]!;
  throw new CgError('JURISDICTION_REQUIRED', `the operator serves ${served.join(' and ')}: say whose data the log holds with --jurisdiction`, 400);
}

/** Share records naming recipients the registry does not know, for the MEMBERS_REQUIRED refusal. */
class UnresolvedRecipients {
  static readonly MAX_DISTINCT = 100_000;
  records = 0;
  private readonly names = new Set<string>();
  add(recipient: string) {
    this.records++;
    if (this.names.size < UnresolvedRecipients.MAX_DISTINCT) this.names.add(recipient);
  }
  error(): CgError {
    const n = this.names.size;
    const distinct = n >= UnresolvedRecipients.MAX_DISTINCT ? `at least ${n}` : String(n);
    const examples = [...this.names].slice(0, 3).join(', ');
    return new CgError(
      'MEMBERS_REQUIRED',
      `${this.records} share records name ${distinct} recipients the registry cannot resolve (e.g. ${examples}), and the registry has recipient classes: ` +
        'pass --members <file> listing the class members (recipient_id,class,country), or --accept-unresolved to judge them all as undeclared recipients',
      400,
    );
  }
}

const minDefined = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
