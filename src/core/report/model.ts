import type { ReplaySummary } from '../audit/summary.ts';
import type { RegistryModel } from '../registry/model.ts';
import type { BreachImpact } from './breach.ts';
import type { StoredFacts } from './stored.ts';

/**
 * The report model: what a report says, independent of how it is rendered (HTML, CSV, later PDF)
 * and of where its numbers come from. Each `ReportSource` turns a context into sections; new data
 * sources (stored decisions, consent statistics, rights requests, breach impact) plug in as more
 * sources or as more optional inputs on the context, without touching the renderers.
 */
export type Lang = 'ko' | 'en';

export interface Table {
  readonly kind: 'table';
  readonly caption: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<ReadonlyArray<string | number>>;
}

/** A chart is always paired with the table of its data: screen readers and CSV get the numbers. */
export interface Chart {
  readonly kind: 'chart';
  readonly caption: string;
  readonly svg: string;
  readonly data: Table;
}

export interface Paragraph {
  readonly kind: 'paragraph';
  readonly text: string;
}

export interface Facts {
  readonly kind: 'facts';
  readonly caption?: string;
  readonly items: ReadonlyArray<readonly [string, string]>;
}

/** Text shown exactly as is (a signed checkpoint note: one changed byte breaks its signature). */
export interface Preformatted {
  readonly kind: 'pre';
  readonly caption: string;
  readonly text: string;
}

export type Block = Table | Chart | Paragraph | Facts | Preformatted;

export interface Section {
  readonly id: string;
  readonly title: string;
  /** Provisions the section answers to, e.g. "GDPR 30", "PIPA 30". */
  readonly articles: readonly string[];
  readonly blocks: readonly Block[];
}

/** A signed transparency-log checkpoint the report's numbers were computed against. */
export interface Checkpoint {
  readonly size: number;
  readonly root: string;
  readonly signature?: string;
  readonly key_id?: string;
  /** The whole signed C2SP tlog-checkpoint note, as served by `GET /v1/ledger/checkpoint`. */
  readonly note?: string;
  /** The log's verifier key (`<origin>+<hash>+<base64>`) that checks `note`. */
  readonly verifier_key?: string;
}

export interface Report {
  readonly lang: Lang;
  readonly title: string;
  readonly operator: string;
  /** Calendar days in `time_zone` (e.g. "Asia/Seoul, UTC+09:00" for the PIPC, or "UTC"). */
  readonly period: { readonly from: string; readonly to: string; readonly time_zone: string };
  readonly generated_at: string;
  readonly registry_hash: string;
  readonly checkpoint?: Checkpoint;
  /** Where the numbers came from (e.g. "replay of 2023-01-01 .. 2023-12-31"). */
  readonly sources: readonly string[];
  readonly notes: readonly string[];
  readonly sections: readonly Section[];
}

/** Releases and distinct subjects per declaration and destination country. */
export interface TransferVolume {
  readonly releases: number;
  readonly subjects: number;
}

export interface TransferVolumes {
  /** Human description of the source, shown in the report. */
  readonly source: string;
  get(declarationId: string, country: string): TransferVolume | undefined;
  /** Transfers abroad to recipients no declaration covers (only a log replay can see these). */
  undeclared(): ReadonlyArray<{ recipient: string; country: string } & TransferVolume>;
}

export interface ReportContext {
  readonly registry: RegistryModel;
  readonly lang: Lang;
  /** Epoch ms, inclusive. */
  readonly from: number;
  readonly to: number;
  /** Epoch ms; passed in (the core reads no clock). */
  readonly generatedAt: number;
  /** IANA zone the period's days are shown in (src/core/report/zone.ts); UTC when omitted. */
  readonly timeZone?: string;
  readonly replay?: ReplaySummary;
  readonly volumes?: TransferVolumes;
  readonly checkpoint?: Checkpoint;
  /** Numbers read from the running product's database (stored.ts), all below `checkpoint.size`. */
  readonly stored?: StoredFacts;
  /** Breach-impact assessment to include (breach.ts). */
  readonly breach?: BreachImpact;
  /** Most provision rows a table shows (HTML/PDF); CSV passes Infinity for the full list. */
  readonly provisionRows?: number;
}

export interface ReportSource {
  readonly id: string;
  build(ctx: ReportContext): Section[];
}
