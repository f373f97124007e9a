import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * The served OpenAPI document as a contract: `redocly lint` (the recommended ruleset) over it,
 * and a check of one live response against the operation it answers — status declared, content
 * type declared, body valid against that media type's schema (JSON Schema 2020-12, ajv).
 */
export type Json = Record<string, any>;

export interface Operation {
  readonly method: string;
  /** OpenAPI path template, `/v1/members/{id}`. */
  readonly path: string;
  readonly operationId: string;
  readonly op: Json;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REDOCLY = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

export function operations(doc: Json): Operation[] {
  return Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => METHODS.includes(m))
      .map(([m, op]) => ({ method: m.toUpperCase(), path, operationId: (op as Json).operationId as string, op: op as Json })),
  );
}

export interface LintResult {
  readonly errors: number;
  readonly warnings: number;
  /** `severity rule: message (at pointer)`, one per problem. */
  readonly problems: readonly string[];
}

/** `redocly lint --extends recommended` over the document; no network (telemetry and update checks off). */
export async function redoclyLint(doc: Json): Promise<LintResult> {
  const dir = mkdtempSync(join(tmpdir(), 'cg-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc, null, 2));
    writeFileSync(join(dir, 'redocly.yaml'), 'extends:\n  - recommended\n');
    const run = promisify(execFile);
    const out = await run(process.execPath, [REDOCLY, 'lint', file, '--config', join(dir, 'redocly.yaml'), '--format', 'json', '--max-problems', '1000'], {
      cwd: dir,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      maxBuffer: 32 * 1024 * 1024,
    }).catch((e: { stdout?: string; stderr?: string; code?: number }) => {
      // Exit 1 with problems found still prints the JSON report.
      if (e.stdout && e.stdout.includes('"totals"')) return { stdout: e.stdout, stderr: e.stderr ?? '' };
      throw new Error(`redocly lint failed (${e.code}): ${e.stderr ?? ''}`);
    });
    const report = JSON.parse(out.stdout.slice(out.stdout.indexOf('{'))) as {
      totals: { errors: number; warnings: number };
      problems: Array<{ ruleId: string; severity: string; message: string; location?: Array<{ pointer?: string }> }>;
    };
    return {
      errors: report.totals.errors,
      warnings: report.totals.warnings,
      problems: report.problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} (at ${p.location?.[0]?.pointer ?? '?'})`),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One response as the test received it (a `server.inject` answer). */
export interface Answer {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly body: string;
}

/**
 * Validates live responses against the document. `check` returns what is wrong ([] when the
 * response is what the operation promises).
 */
export class ContractValidator {
  private readonly ajv: InstanceType<typeof Ajv2020>;
  private readonly compiled = new Map<string, ReturnType<InstanceType<typeof Ajv2020>['compile']>>();
  private static readonly DOC_ID = 'urn:consentgate:openapi';

  constructor(private readonly doc: Json) {
    // Not strict: the document carries annotations (`x-…`, `contentMediaType`) ajv does not know.
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    (addFormats as unknown as (a: unknown) => void)(this.ajv);
    this.ajv.addSchema({ $id: ContractValidator.DOC_ID, components: doc.components }, ContractValidator.DOC_ID);
  }

  /** The response object that answers `status` (exact, then `4XX`, then `default`). */
  responseFor(op: Operation, status: number): Json | undefined {
    const r = op.op.responses as Record<string, Json>;
    return r[String(status)] ?? r[`${String(status)[0]}XX`] ?? r.default;
  }

  check(op: Operation, res: Answer): string[] {
    const where = `${op.operationId} → ${res.statusCode}`;
    const declared = this.responseFor(op, res.statusCode);
    if (!declared) return [`${where}: status not declared (${Object.keys(op.op.responses).join(', ')})`];
    const header = res.headers['content-type'];
    const type = typeof header === 'string' ? header.split(';')[0]!.trim().toLowerCase() : undefined;
    const content = declared.content as Record<string, Json> | undefined;
    if (!content) return res.body.length === 0 ? [] : [`${where}: a body (${type}) where none is declared`];
    if (!type) return [`${where}: no content-type, declared ${Object.keys(content).join(', ')}`];
    const media = content[type];
    if (!media) return [`${where}: served as ${type}, declared ${Object.keys(content).join(', ')}`];
    const schema = media.schema as Json | undefined;
    if (!schema) return [];
    let value: unknown = res.body;
    if (/[/+]json$/.test(type)) {
      try {
        value = JSON.parse(res.body);
      } catch {
        return [`${where}: ${type} body is not JSON`];
      }
    }
    const validate = this.validator(`${op.operationId} ${res.statusCode} ${type}`, schema);
    if (validate(value)) return [];
    return (validate.errors ?? []).slice(0, 10).map((e) => `${where} (${type}): ${e.instancePath || '(body)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  }

  private validator(key: string, schema: Json) {
    let v = this.compiled.get(key);
    if (!v) {
      // `#/components/schemas/X` names the document's components, held under DOC_ID.
      const rooted = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${ContractValidator.DOC_ID}#/components/`)) as Json;
      v = this.ajv.compile(rooted);
      this.compiled.set(key, v);
    }
    return v;
  }
}
