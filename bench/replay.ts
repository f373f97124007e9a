/**
 * Replay throughput: 1,000,000 share records (AliExpress-shaped, examples/aliexpress-case
 * registry and members, 100,000 subjects, 35,000 consent events) replayed end to end through
 * `runReplay` with findings written to disk, in a child process so its peak RSS is its own.
 * Baseline, same file, same run, also in a child: the bare minimum any reader must do — read the
 * file, split lines and split each line into fields (CSV) or JSON.parse it (JSONL).
 * Target (issue 8): ≤ 30 s for 1M records.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ratio, report, round } from './lib.ts';

const N = 1_000_000;
const SUBJECTS = 100_000;
const example = fileURLToPath(new URL('../examples/aliexpress-case/', import.meta.url));

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generate(dir: string): { csv: string; jsonl: string; consents: string } {
  const r = rng(42);
  const start = Date.UTC(2023, 0, 1);
  const step = (365 * 86_400_000) / N;
  const sellers = Array.from({ length: 150 }, (_, i) => `seller-${String(i + 1).padStart(4, '0')}`);
  const csvPath = join(dir, 'shares.csv');
  const jsonlPath = join(dir, 'shares.jsonl');
  const csv = openSync(csvPath, 'w');
  const jsonl = openSync(jsonlPath, 'w');
  let cbuf = 'timestamp,subject_id,recipient_id,purpose,items,recipient_country\n';
  let jbuf = '';
  for (let i = 0; i < N; i++) {
    const ts = new Date(start + Math.floor(i * step)).toISOString().slice(0, 19) + 'Z';
    const subject = `kr-${String(Math.floor(r() * SUBJECTS)).padStart(6, '0')}`;
    const k = r();
    const [recipient, purpose, items, country] =
      k < 0.55 ? [sellers[Math.floor(r() * sellers.length)]!, 'order_fulfilment', 'name;phone;address;customs_code', r() < 0.7 ? 'CN' : '']
      : k < 0.8 ? ['kr_courier', 'order_fulfilment', 'name;phone;address', 'KR']
      : k < 0.88 ? ['kr_customs_broker', 'customs_clearance', 'name;address;customs_code', '']
      : k < 0.97 ? ['kr_ad_agency', 'marketing', 'email;phone', '']
      : ['cn-logistics-hub', 'order_fulfilment', 'name;phone;address', 'CN'];
    cbuf += `${ts},${subject},${recipient},${purpose},${items},${country}\n`;
    jbuf += JSON.stringify({ timestamp: ts, subject_id: subject, recipient_id: recipient, purpose, items: items.split(';'), ...(country ? { recipient_country: country } : {}) }) + '\n';
    if (cbuf.length > 1 << 20) {
      writeSync(csv, cbuf);
      writeSync(jsonl, jbuf);
      cbuf = jbuf = '';
    }
  }
  writeSync(csv, cbuf);
  writeSync(jsonl, jbuf);
  closeSync(csv);
  closeSync(jsonl);
  const consentsPath = join(dir, 'consents.jsonl');
  const lines: Array<[number, string]> = [];
  for (let s = 0; s < SUBJECTS; s++) {
    if (r() >= 0.3) continue;
    const at = start - 30 * 86_400_000 + Math.floor(r() * 300) * 86_400_000;
    const subject = `kr-${String(s).padStart(6, '0')}`;
    lines.push([at, JSON.stringify({ at: new Date(at).toISOString(), subject, action: 'grant', declaration: 'marketing_messages' })]);
    if (r() < 0.2) lines.push([at + 40 * 86_400_000, JSON.stringify({ at: new Date(at + 40 * 86_400_000).toISOString(), subject, action: 'withdraw', declaration: 'marketing_messages' })]);
  }
  lines.sort((a, b) => a[0] - b[0]);
  const c = openSync(consentsPath, 'w');
  writeSync(c, lines.map(([, l]) => l).join('\n') + '\n');
  closeSync(c);
  return { csv: csvPath, jsonl: jsonlPath, consents: consentsPath };
}

interface ChildResult { wall_s: number; cpu_s: number; records: number; peak_rss_mib: number; violating?: number; bad_rows?: number }

function child(mode: string, ...args: string[]): ChildResult {
  const res = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', mode, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  if (res.status !== 0) throw new Error(`bench child ${mode} failed: ${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').pop()!) as ChildResult;
}

async function childMain(mode: string, file: string, consents: string, outDir: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  let records = 0;
  let extra: Partial<ChildResult> = {};
  if (mode === 'replay') {
    const { runReplay } = await import('../src/audit/replay.ts');
    const s = await runReplay({ registry: join(example, 'registry.yaml'), members: join(example, 'members.csv'), shares: file, consents, outDir });
    records = s.records;
    extra = { violating: s.violating_records, bad_rows: s.bad_rows.count };
  } else {
    // Baseline: read + split lines + split fields (CSV) or JSON.parse (JSONL); nothing else.
    const json = mode === 'baseline-jsonl';
    let carry = '';
    const decoder = new TextDecoder();
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      const parts = (carry + decoder.decode(chunk as Buffer, { stream: true })).split('\n');
      carry = parts.pop()!;
      for (const line of parts) {
        if (line === '') continue;
        if (json) JSON.parse(line);
        else line.split(',');
        records++;
      }
    }
    if (!json) records--; // header
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const usage = process.resourceUsage();
  const cpu = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
  console.log(JSON.stringify({ wall_s: round(wall), cpu_s: round(cpu), records, peak_rss_mib: round(usage.maxRSS / 1024, 1), ...extra }));
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cg-bench-replay-'));
  try {
    const files = generate(dir);
    // The machine may be shared: record its load so wall times can be read against CPU times.
    const results: Record<string, unknown> = { records: N, subjects: SUBJECTS, target_s: 30, load_avg_1m_before: round(loadavg()[0]!, 2) };
    for (const [fmt, file] of [['csv', files.csv], ['jsonl', files.jsonl]] as const) {
      const base = child(`baseline-${fmt}`, file, files.consents, join(dir, 'out-base'));
      const ours = child('replay', file, files.consents, join(dir, `out-${fmt}`));
      results[fmt] = {
        replay: { ...ours, records_per_s: Math.round(ours.records / ours.wall_s) },
        baseline: { ...base, records_per_s: Math.round(base.records / base.wall_s) },
        time_ratio_vs_baseline: ratio(ours.wall_s, base.wall_s),
        cpu_ratio_vs_baseline: ratio(ours.cpu_s, base.cpu_s),
        within_target: ours.wall_s <= 30,
      };
    }
    results.load_avg_1m_after = round(loadavg()[0]!, 2);
    report('replay', results);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const argv = process.argv;
if (argv[2] === '--child') await childMain(argv[3]!, argv[4]!, argv[5]!, argv[6]!);
else if (argv[1] && fileURLToPath(import.meta.url) === argv[1]) await run();
