import { CgError } from '../core/errors.ts';
import {
  buildUsageNotice,
  dailyCounts,
  noticeYearRange,
  registryRecipient,
  thresholdWindow,
  usageThreshold,
  type RecipientInfo,
  type UsageNotice,
  type UsageThreshold,
} from '../core/law/kr/usage-notice.ts';
import type { RegistryModel } from '../core/registry/model.ts';
import type { AppConfig } from '../config.ts';
import type { Database } from '../store/sql.ts';
import * as q from '../store/usage-notice-queries.ts';
import { openRegistryReader } from './active-registry.ts';
import type { RegistryService } from './registry-service.ts';

export interface UsageNoticeDeps {
  readonly db: Database;
  readonly registry: Pick<RegistryService, 'model'>;
  readonly now?: () => number;
}

/** How many subjects' releases are read per query when every notice of a year is written. */
export const NOTICE_BATCH = 500;

/**
 * PIPA 20-2 usage-history notices from the stored records: the threshold (decree daily average
 * over the last three months of the year) and each subject's notice, built by the pure core
 * (src/core/law/kr/usage-notice.ts) from the subject's allowed release decisions. Subjects' ids
 * and data never go to logs: callers log counts only.
 */
/** How long a computed threshold is reused: it changes by the day, and each request would otherwise scan the subjects. */
export const THRESHOLD_TTL_MS = 10 * 60_000;

export class UsageNoticeService {
  private readonly now: () => number;
  private readonly thresholds = new Map<string, { at: number; value: Promise<UsageThreshold> }>();

  constructor(private readonly deps: UsageNoticeDeps) {
    this.now = deps.now ?? Date.now;
  }

  private model(): RegistryModel {
    const m = this.deps.registry.model;
    if (!m) throw new CgError('NO_ACTIVE_REGISTRY', 'no registry is active: activate one before asking for usage notices', 409);
    return m;
  }

  /** Whether the notice is due for `year`, and why. */
  threshold(year: number): Promise<UsageThreshold> {
    const m = this.model();
    const now = this.now();
    // Per registry too: its categories decide which threshold applies.
    const key = `${m.hash}:${year}`;
    const hit = this.thresholds.get(key);
    if (hit && now - hit.at < THRESHOLD_TTL_MS) return hit.value;
    const value = (async () => {
      const window = thresholdWindow(year, now);
      const c = await q.subjectCountsByDay(this.deps.db, window);
      return usageThreshold(m, year, window, dailyCounts(c.baseline, c.created, c.erased, window.days), c.current);
    })();
    this.thresholds.set(key, { at: now, value });
    value.catch(() => this.thresholds.delete(key));
    return value;
  }

  /** One subject's notice (the HTTP route has already checked who may ask). */
  async forSubject(subject: { id: string; pseudonym: string }, year: number): Promise<UsageNotice> {
    const m = this.model();
    const { from, to } = noticeYearRange(year);
    const releases = (await q.releasesOf(this.deps.db, [subject.pseudonym], from, to)).get(subject.pseudonym) ?? [];
    const recipient = await this.recipients(m, releases.map((r) => r.recipient));
    return buildUsageNotice(m, { subject: subject.id, year, releases, recipient });
  }

  /**
   * Every notice of `year`, in subject-id order, batch by batch: subjects created by the year's end
   * and not erased (an erased subject's contact data is gone, and with it any way to send one).
   */
  async *all(year: number, batch = NOTICE_BATCH): AsyncGenerator<UsageNotice> {
    const m = this.model();
    const { from, to } = noticeYearRange(year);
    let after: string | null = null;
    for (;;) {
      const page = await q.subjectsPage(this.deps.db, { after, createdBy: to, limit: batch });
      if (page.length === 0) return;
      const byPseudonym = await q.releasesOf(this.deps.db, page.map((s) => s.pseudonym), from, to);
      const recipient = await this.recipients(m, [...byPseudonym.values()].flat().map((r) => r.recipient));
      for (const s of page) yield buildUsageNotice(m, { subject: s.id, year, releases: byPseudonym.get(s.pseudonym) ?? [], recipient });
      after = page[page.length - 1]!.id;
    }
  }

  /** Registry recipients from the registry; class members (sellers) from the member index, with their class's role. */
  private async recipients(m: RegistryModel, ids: readonly string[]): Promise<(id: string) => RecipientInfo | undefined> {
    const unknown = [...new Set(ids)].filter((id) => !m.parties.has(id));
    const members = await q.membersOf(this.deps.db, unknown);
    return (id) => {
      const fromRegistry = registryRecipient(m, id);
      if (fromRegistry) return fromRegistry;
      const member = members.get(id);
      if (!member) return undefined;
      const cls = m.parties.get(member.classId);
      return { name: member.name, country: member.country, role: cls?.role ?? 'third_party' };
    };
  }
}

/** The service over a database alone (the CLI): the active registry, nothing that listens or writes. */
export async function openUsageNoticeService(
  config: Pick<AppConfig, 'databaseUrl' | 'dataDir' | 'schema'>,
): Promise<{ notices: UsageNoticeService; close(): Promise<void> }> {
  const { db, registry, close } = await openRegistryReader(config);
  return { notices: new UsageNoticeService({ db, registry }), close };
}
