import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { testApp, type TestApp } from '../http/app-support.ts';
import { checkPromql, isDuration, LABEL_NAME } from './promql.ts';
import { parseScrape, type Scrape } from './scrape.ts';

/**
 * deploy/prometheus/alerts.yaml, deploy/prometheus/prometheus.yml and deploy/grafana/consentgate.json
 * are checked as `promtool check rules` would check them — structure, durations, label names,
 * every expression through the Prometheus project's PromQL parser and type checker
 * (./promql.ts) — and every metric they name must be exported by a running server, scraped
 * over TCP from its metrics listener. (`promtool test rules deploy/prometheus/alerts.test.yaml`
 * holds the alerts' behaviour; it needs the Prometheus binary, so the suite only checks that every
 * alert has a case there.)
 */
const root = new URL('../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(root + path, 'utf8');

// The rule-file format, strict like Prometheus' own YAML decoding (unknown keys are errors).
const template = z.string().refine((s) => !s.includes('{{') || /^(?:[^{]|\{(?!\{)|\{\{ (?:\$value|\$labels\.[a-zA-Z_]\w*)(?: \| (?:humanize|humanizeDuration|humanizePercentage))? \}\})*$/.test(s), 'only {{ $value }}, {{ $labels.<name> }} and humanize pipes');
const ruleSchema = z.strictObject({
  alert: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/).optional(),
  record: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/).optional(),
  expr: z.string().min(1),
  for: z.string().refine(isDuration, 'a Prometheus duration').optional(),
  keep_firing_for: z.string().refine(isDuration, 'a Prometheus duration').optional(),
  labels: z.record(z.string().regex(LABEL_NAME), z.string()).optional(),
  annotations: z.record(z.string().regex(LABEL_NAME), template).optional(),
}).refine((r) => (r.alert === undefined) !== (r.record === undefined), 'exactly one of alert and record');
const rulesSchema = z.strictObject({
  groups: z.array(z.strictObject({ name: z.string().min(1), interval: z.string().refine(isDuration).optional(), limit: z.number().int().optional(), rules: z.array(ruleSchema).min(1) })).min(1),
});
type Rule = z.infer<typeof ruleSchema>;

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Array<{ refId: string; expr: string; datasource?: { uid: string } }>;
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: unknown; definition?: string }> };
}

/** Grafana's variables in an expression, replaced by what Grafana would put there. */
const GRAFANA_VARIABLES: Readonly<Record<string, string>> = { $__rate_interval: '5m', $__interval: '1m', $__range: '1h', $job: 'consentgate' };
function grafanaExpr(expr: string): string {
  const unknown = expr.match(/\$\{?\w+\}?/g)?.filter((v) => !(v in GRAFANA_VARIABLES));
  if (unknown?.length) throw new Error(`unknown dashboard variable(s) ${unknown.join(', ')} in ${expr}`);
  return expr.replace(/\$\w+/g, (v) => GRAFANA_VARIABLES[v]!);
}

const allPanels = (panels: readonly Panel[]): Panel[] => panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);

/** The exported family a selected name belongs to: itself, or a histogram's _bucket/_sum/_count. */
function family(scrape: Scrape, name: string): { name: string; type: string; samples: number } | undefined {
  const direct = scrape.get(name);
  if (direct) return { name, type: direct.type, samples: direct.metrics.length };
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  const base = m ? scrape.get(m[1]!) : undefined;
  return base && (base.type === 'HISTOGRAM' || base.type === 'SUMMARY') ? { name: base.name, type: `${base.type}_${m![2]}`, samples: base.metrics.length } : undefined;
}

/** Names passed straight to rate() or increase(): those must be counters (or histogram buckets). */
const rated = (expr: string) => [...expr.matchAll(/\b(?:rate|increase|irate)\(\s*([a-zA-Z_:][\w:]*)/g)].map((m) => m[1]!);

describe('deploy/: alert rules, scrape config and dashboard', () => {
  let app: TestApp;
  let scrape: Scrape;
  const rules = rulesSchema.parse(parse(read('deploy/prometheus/alerts.yaml')));
  const alerts: Rule[] = rules.groups.flatMap((g) => g.rules);
  const dashboard = JSON.parse(read('deploy/grafana/consentgate.json')) as Dashboard;

  beforeAll(async () => {
    app = await testApp({ metricsPort: 0 });
    await app.metricsServer!.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.metricsServer!.server.address() as AddressInfo).port;
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    scrape = parseScrape(await res.text());
  }, 60_000);
  afterAll(() => app?.close());

  it('the rule file has unique group and alert names, and the alerts a privacy team pages on', () => {
    const groups = rules.groups.map((g) => g.name);
    expect(new Set(groups).size).toBe(groups.length);
    const names = alerts.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['ConsentGateRightsRequestOverdue', 'ConsentGateCheckpointStale', 'ConsentGateDeadLetters', 'ConsentGateWritesFailing']));
    for (const r of alerts) expect(r.labels?.severity, r.alert).toMatch(/^(critical|warning)$/);
  });

  it('every rule expression parses and type-checks as an instant vector', () => {
    for (const r of alerts) {
      const c = checkPromql(r.expr);
      expect(c.errors, `${r.alert}: ${r.expr}`).toEqual([]);
      expect(c.type, r.alert).toBe('vector');
      expect(c.metrics.length, r.alert).toBeGreaterThan(0);
    }
  });

  it('every metric the rules name is exported by a running server, counters under rate() and increase()', () => {
    for (const r of alerts) {
      for (const name of checkPromql(r.expr).metrics) {
        const f = family(scrape, name);
        expect(f, `${r.alert} names ${name}, which the server does not export`).toBeDefined();
        expect(f!.samples, name).toBeGreaterThan(0);
      }
      for (const name of rated(r.expr)) expect(['COUNTER', 'HISTOGRAM_bucket'], `${r.alert}: rate/increase of ${name}`).toContain(family(scrape, name)?.type);
    }
  });

  it('annotations only use labels the alert expression keeps', () => {
    for (const r of alerts) {
      const used = [...JSON.stringify(r.annotations ?? {}).matchAll(/\$labels\.(\w+)/g)].map((m) => m[1]!);
      const exported = new Set(['job', 'instance', ...checkPromql(r.expr).metrics.flatMap((n) => scrape.get(family(scrape, n)!.name)!.metrics.flatMap((s) => Object.keys(s.labels ?? {})))]);
      for (const label of used) {
        expect(exported.has(label), `${r.alert} uses $labels.${label}`).toBe(true);
        expect(new RegExp(`without \\([^)]*\\b${label}\\b`).test(r.expr), `${r.alert} aggregates ${label} away`).toBe(false);
      }
    }
  });

  it('every alert has a firing case in the promtool unit tests', () => {
    const tests = parse(read('deploy/prometheus/alerts.test.yaml')) as { rule_files: string[]; tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }> };
    expect(tests.rule_files).toEqual(['alerts.yaml']);
    const firing = new Set(tests.tests.flatMap((t) => t.alert_rule_test ?? []).filter((c) => c.exp_alerts.length > 0).map((c) => c.alertname));
    for (const r of alerts) expect(firing.has(r.alert!), `${r.alert} has no firing case in alerts.test.yaml`).toBe(true);
  });

  it('the scrape config loads the rules and scrapes each server on the metrics port compose opens', () => {
    const prom = parse(read('deploy/prometheus/prometheus.yml')) as { rule_files: string[]; scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }> };
    expect(prom.rule_files).toEqual(['alerts.yaml']);
    const compose = parse(read('deploy/compose.yaml'), { merge: true }) as { services: Record<string, { environment?: Record<string, string>; expose?: string[] }> };
    const servers = Object.keys(compose.services).filter((s) => /^cg\d+$/.test(s));
    const port = compose.services[servers[0]!]!.environment!.CONSENTGATE_METRICS_PORT!;
    expect(port).toMatch(/^\d+$/);
    for (const s of servers) expect(compose.services[s]!.expose).toContain(port);
    const job = prom.scrape_configs.find((c) => c.job_name === 'consentgate')!;
    expect(job.static_configs.flatMap((c) => c.targets).sort()).toEqual(servers.map((s) => `${s}:${port}`).sort());
    // The balancer never forwards the metrics port.
    expect(read('deploy/Caddyfile')).not.toContain(port);
  });

  it('every dashboard query parses, and every metric it names is exported', () => {
    const panels = allPanels(dashboard.panels);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const vars = dashboard.templating.list.map((v) => v.name);
    expect(vars).toEqual(expect.arrayContaining(['datasource', 'job']));
    const queries = panels.filter((p) => p.type !== 'row').flatMap((p) => {
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      expect(p.datasource?.uid, p.title).toBe('${datasource}');
      return p.targets!.map((t) => ({ title: p.title, expr: t.expr }));
    });
    const jobVar = dashboard.templating.list.find((v) => v.name === 'job')!;
    const labelValues = /^label_values\(([a-zA-Z_:][\w:]*), job\)$/.exec(jobVar.definition ?? '');
    expect(labelValues, 'the job variable lists label_values(<metric>, job)').not.toBeNull();
    expect(family(scrape, labelValues![1]!)).toBeDefined();
    for (const q of queries) {
      const c = checkPromql(grafanaExpr(q.expr));
      expect(c.errors, `${q.title}: ${q.expr}`).toEqual([]);
      expect(c.type, q.title).toBe('vector');
      expect(q.expr, `${q.title} filters by the job variable`).toContain('job="$job"');
      for (const name of c.metrics) expect(family(scrape, name), `${q.title} names ${name}, which the server does not export`).toBeDefined();
      for (const name of rated(q.expr)) expect(['COUNTER', 'HISTOGRAM_bucket'], `${q.title}: rate/increase of ${name}`).toContain(family(scrape, name)?.type);
    }
  });

  it('the checks fail on what promtool refuses and on names the server does not export', () => {
    expect(checkPromql('rate(consentgate_ledger_entries)').errors[0]).toMatch(/expected type matrix/);
    expect(checkPromql('sum(consentgate_outbox_backlog) by (x').errors).not.toEqual([]);
    expect(checkPromql('consentgate_outbox_backlog{state="a"').errors).not.toEqual([]);
    expect(checkPromql('abs("x")').errors[0]).toMatch(/expected type vector/);
    expect(checkPromql('consentgate_outbox_backlog[5m]').type).toBe('matrix');
    expect(family(scrape, 'consentgate_rights_requests_late')).toBeUndefined();
    expect(family(scrape, 'consentgate_outbox_backlog_bucket')).toBeUndefined();
    expect(() => grafanaExpr('rate(x{job="$cluster"}[5m])')).toThrow(/\$cluster/);
    expect(ruleSchema.safeParse({ alert: 'X', expr: 'up', for: '5 minutes' }).success).toBe(false);
    expect(ruleSchema.safeParse({ alert: 'X', expr: 'up', annotations: { summary: '{{ .Value }}' } }).success).toBe(false);
    expect(ruleSchema.safeParse({ alert: 'X', expr: 'up', severity: 'critical' }).success).toBe(false);
  });
});
