import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { readActiveRegistry } from '../../app/active-registry.ts';
import { loadConfig } from '../../config.ts';
import { CgError, type ErrorDetail } from '../../core/errors.ts';
import { registryToFides } from '../../core/fides/export.ts';
import { fidesToRegistry, type ImportOptions } from '../../core/fides/import.ts';
import { readManifests } from '../../core/fides/manifest.ts';
import { formatGaps, sortFindings } from '../../core/fides/gaps.ts';
import { formatNotes } from '../../core/fides/report.ts';
import { lintRegistry } from '../../core/lint/index.ts';
import { RegistryModel } from '../../core/registry/model.ts';
import { MAX_REGISTRY_BYTES, parseRegistry } from '../../core/registry/parse.ts';
import type { Jurisdiction, Registry } from '../../core/registry/schema.ts';
import type { RegisterCommand } from './index.ts';

/** A fideslang directory is configuration; this bounds what one import reads. */
const MAX_FILES = 500;
const MAX_FILE_BYTES = 1024 * 1024;

/**
 * `consentgate import fides <dir>` and `consentgate export fides <registry>`: the adapters around
 * the pure mapping in src/core/fides. The YAML goes to stdout or `--out` (written atomically);
 * the mapping report goes to stderr, so `> registry.yaml` captures the draft alone.
 */
export const registerFides: RegisterCommand = (program, io, setExit) => {
  program
    .command('import')
    .description('convert other privacy-as-code formats into a registry draft')
    .command('fides')
    .description('fideslang systems, datasets and organization (a directory of YAML) → registry draft; prints what could not be mapped')
    .argument('<dir>', 'directory of fideslang manifests (*.yml, *.yaml, read recursively)')
    .option('--operator-country <cc>', "the operator's country (ISO 3166-1 alpha-2); fideslang has none")
    .option('--default-country <cc>', 'where systems without meta.country process data (default: the operator country)')
    .option('--jurisdictions <list>', 'comma-separated: KR, EU (default KR,EU)')
    .option('--out <file>', 'write the draft here instead of stdout')
    .action((dir: string, opts: { operatorCountry?: string; defaultCountry?: string; jurisdictions?: string; out?: string }) => {
      const options = importOptions(opts);
      const resources = readManifests(readDirectory(dir));
      if (resources.systems.length === 0) {
        throw new CgError('FIDES_EMPTY', `${dir}: no fideslang system found (a manifest with a top-level "system:" list)`, 400, [{ code: 'FIDES_EMPTY', message: 'no system', path: dir }]);
      }
      const { registry, notes } = fidesToRegistry(resources, options);
      if (registry.purposes.length === 0) {
        io.err(formatNotes('mapping report', notes));
        throw new CgError('FIDES_EMPTY', `${dir}: no privacy declaration could be mapped (see the mapping report)`, 422, [{ code: 'FIDES_EMPTY', message: 'nothing mapped', path: dir }]);
      }
      const text = stringify(registry, { lineWidth: 0 });
      // Lint the draft exactly as `consentgate check` will read it, and say which findings are
      // fideslang's gaps rather than problems in the source.
      const parsed = parseRegistry(text);
      const findings = lintRegistry(new RegistryModel(parsed.registry), parsed.locate);
      const header = `# Registry draft imported from fideslang (${dir}) by consentgate import fides.\n# Review every TODO and the mapping report, then run: consentgate check <this file>\n`;
      emit(io, opts.out, header + text);
      io.err(formatNotes('mapping report', notes));
      io.err(formatGaps(sortFindings(findings)));
      setExit(0);
    });

  program
    .command('export')
    .description('convert a registry into other privacy-as-code formats')
    .command('fides')
    .description('registry (a file, or the active registry of a database) → fideslang systems with privacy declarations and the organization; prints what fideslang cannot hold')
    .argument('[registry]', 'registry YAML file (omit to read the active registry from the database)')
    .option('--database-url <url>', 'PostgreSQL of a ConsentGate (default DATABASE_URL)')
    .option('--data-dir <dir>', 'embedded PGlite directory of a stopped ConsentGate (default CONSENTGATE_DATA_DIR)')
    .option('--out <file>', 'write the manifest here instead of stdout')
    .action(async (file: string | undefined, opts: { databaseUrl?: string; dataDir?: string; out?: string }) => {
      const dbOption = opts.databaseUrl !== undefined || opts.dataDir !== undefined;
      if (file && dbOption) throw sourceError('CONFLICTING_SOURCES', 'give a registry file or a database, not both', '--database-url');
      let registry: Registry;
      let source: string;
      if (file) {
        registry = readRegistry(file);
        source = file;
      } else {
        // Like `consentgate report`: the database only when named (option or environment), never
        // a default directory that would be created empty.
        const env = process.env;
        if (!dbOption && !env.DATABASE_URL && !env.CONSENTGATE_DATA_DIR) throw sourceError('SOURCE_REQUIRED', 'give a registry file, or a database with --database-url / --data-dir (or DATABASE_URL)', 'registry');
        const base = loadConfig(env);
        const databaseUrl = opts.databaseUrl ?? (opts.dataDir ? undefined : base.databaseUrl);
        const dataDir = databaseUrl ? undefined : (opts.dataDir ?? base.dataDir);
        registry = await readActiveRegistry({ databaseUrl, dataDir, schema: base.schema });
        source = 'the active registry';
      }
      const { manifest, notes } = registryToFides(registry);
      emit(io, opts.out, `# fideslang manifest exported by consentgate export fides from ${source}\n` + stringify(manifest, { lineWidth: 0 }));
      io.err(formatNotes('export report', notes));
      setExit(0);
    });
};

function importOptions(opts: { operatorCountry?: string; defaultCountry?: string; jurisdictions?: string }): ImportOptions {
  const country = (v: string | undefined, flag: string) => {
    if (v === undefined) return undefined;
    if (!/^[A-Z]{2}$/.test(v)) throw bad(`${flag} must be an ISO 3166-1 alpha-2 code in upper case, such as KR`, flag);
    return v;
  };
  const operatorCountry = country(opts.operatorCountry, '--operator-country');
  const defaultCountry = country(opts.defaultCountry, '--default-country');
  let jurisdictions: Jurisdiction[] | undefined;
  if (opts.jurisdictions !== undefined) {
    const list = opts.jurisdictions.split(',').map((s) => s.trim());
    if (list.length === 0 || !list.every((j): j is Jurisdiction => j === 'KR' || j === 'EU')) throw bad('--jurisdictions is a comma-separated list of KR and EU', '--jurisdictions');
    jurisdictions = [...new Set(list)];
  }
  return { ...(operatorCountry ? { operatorCountry } : {}), ...(defaultCountry ? { defaultCountry } : {}), ...(jurisdictions ? { jurisdictions } : {}) };
}

const sourceError = (code: string, message: string, path: string) => new CgError(code, message, 400, [{ code, message, path }]);
const bad = (message: string, path: string) => new CgError('INVALID_VALUE', message, 400, [{ code: 'INVALID_VALUE', message, path }]);

/** Every *.yml / *.yaml below `dir`, sorted, parsed; a YAML error names its file and line. */
function readDirectory(dir: string): Array<{ file: string; value: unknown }> {
  let files: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new CgError('FILE_UNREADABLE', `${dir} is not a directory`, 400, [{ code: 'FILE_UNREADABLE', message: 'not a directory', path: dir }]);
    files = (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).filter((f) => /\.ya?ml$/i.test(f)).sort();
  } catch (e) {
    if (e instanceof CgError) throw e;
    throw new CgError('FILE_NOT_FOUND', `${dir} does not exist or cannot be read`, 404, [{ code: 'FILE_NOT_FOUND', message: 'cannot read', path: dir }]);
  }
  if (files.length > MAX_FILES) throw new CgError('FILE_TOO_LARGE', `${dir} holds more than ${MAX_FILES} YAML files`, 413);
  const details: ErrorDetail[] = [];
  const docs: Array<{ file: string; value: unknown }> = [];
  for (const f of files) {
    const path = join(dir, f);
    // Paths in the report are relative to the directory given: stable, and what the user sees there.
    const shown = f;
    if (statSync(path).size > MAX_FILE_BYTES) throw new CgError('FILE_TOO_LARGE', `${shown} is larger than ${MAX_FILE_BYTES} bytes`, 413, [{ code: 'FILE_TOO_LARGE', message: 'too large', path: shown }]);
    const doc = parseDocument(readFileSync(path, 'utf8'), { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      details.push({ code: 'FIDES_INVALID', message: e.message.split('\n')[0] ?? e.message, path: `${shown}:`, ...(e.linePos ? { line: e.linePos[0].line, column: e.linePos[0].col } : {}) });
      continue;
    }
    try {
      docs.push({ file: shown, value: doc.toJS({ maxAliasCount: 100 }) });
    } catch (err) {
      details.push({ code: 'FIDES_INVALID', message: (err as Error).message, path: `${shown}:` });
    }
  }
  if (details.length > 0) throw new CgError('FIDES_INVALID', `${details[0]!.path} ${details[0]!.message}`, 400, details);
  return docs;
}

/** A registry file, parsed and validated; errors name the file and keep the field's path and line. */
function readRegistry(file: string): Registry {
  let bytes: Buffer;
  try {
    if (!statSync(file).isFile()) throw new CgError('FILE_UNREADABLE', `${file} is not a regular file`, 400);
    if (statSync(file).size > MAX_REGISTRY_BYTES) throw new CgError('REGISTRY_TOO_LARGE', `${file} is larger than ${MAX_REGISTRY_BYTES} bytes`, 413);
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof CgError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CgError('FILE_NOT_FOUND', `${file} does not exist`, 404);
    throw new CgError('FILE_UNREADABLE', `${file} cannot be read (${code ?? 'error'})`, 400);
  }
  try {
    return parseRegistry(bytes).registry;
  } catch (e) {
    if (!(e instanceof CgError)) throw e;
    const first = e.details[0];
    const where = first?.line ? `${file}:${first.line}:${first.column ?? 1}` : file;
    throw new CgError(e.code, `${where}: ${e.message}`, e.status >= 500 ? e.status : 400, e.details, e.extra);
  }
}

/** stdout, or the file written through a temporary name so a failure leaves nothing half-written. */
function emit(io: { out(s: string): void; err(s: string): void }, out: string | undefined, text: string): void {
  if (!out) return io.out(text);
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, out);
  io.err(`wrote ${out}\n`);
}
