import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Option } from 'commander';
import { CgError } from '../../core/errors.ts';
import { formatJson } from '../../core/lint/format/json.ts';
import { formatSarif } from '../../core/lint/format/sarif.ts';
import { formatTable } from '../../core/lint/format/table.ts';
import { hasErrors, lintRegistry } from '../../core/lint/index.ts';
import { invalidReport, lintReport, type CheckReport, type Lang } from '../../core/lint/report.ts';
import { MAX_REGISTRY_BYTES, parseRegistry } from '../../core/registry/parse.ts';
import { RegistryModel } from '../../core/registry/model.ts';
import type { CliIO } from '../io.ts';
import { toolVersion } from '../version.ts';
import type { RegisterCommand } from './index.ts';

type Format = 'table' | 'json' | 'sarif';

/**
 * `consentgate check <registry.yaml>`: the statutory lint. Exit 0 clean (warnings allowed),
 * 1 error findings, 2 unreadable input — reported in the chosen format too, so a CI job that
 * uploads SARIF gets a file either way.
 */
export const registerCheck: RegisterCommand = (program, io, setExit) => {
  program
    .command('check')
    .description('lint a registry against PIPA and the GDPR (exit 1 on error findings, 2 on invalid input)')
    .argument('<registry>', 'registry YAML file')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'sarif']).default('table'))
    .addOption(new Option('-l, --lang <lang>', 'message language').choices(['en', 'ko']).default('en'))
    .action(async (file: string, opts: { format: Format; lang: Lang }) => {
      const report = await checkFile(file);
      write(io, report, opts.format, opts.lang);
      setExit(report.status === 'invalid' ? 2 : hasErrors(report.findings) ? 1 : 0);
    });
};

export async function checkFile(file: string): Promise<CheckReport> {
  try {
    const parsed = parseRegistry(await readBounded(file));
    const model = new RegistryModel(parsed.registry);
    return lintReport(file, model.hash, lintRegistry(model, parsed.locate));
  } catch (e) {
    if (e instanceof CgError) return invalidReport(file, e);
    throw e;
  }
}

/** Reads the file, refusing anything over the registry limit before loading it into memory. */
async function readBounded(file: string): Promise<Uint8Array> {
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new CgError('FILE_UNREADABLE', `${file} is not a regular file`, 400);
    if (st.size > MAX_REGISTRY_BYTES) {
      throw new CgError('REGISTRY_TOO_LARGE', `registry is ${st.size} bytes; the limit is ${MAX_REGISTRY_BYTES}`, 413);
    }
    return await readFile(file);
  } catch (e) {
    if (e instanceof CgError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CgError('FILE_NOT_FOUND', `${file} does not exist`, 404);
    throw new CgError('FILE_UNREADABLE', `${file} cannot be read (${code ?? 'error'})`, 400);
  }
}

function write(io: CliIO, report: CheckReport, format: Format, lang: Lang): void {
  if (format === 'json') io.out(formatJson(report));
  else if (format === 'sarif') io.out(formatSarif(report, { uri: artifactUri(report.file), lang, toolVersion: toolVersion() }));
  else if (report.status === 'invalid') io.err(formatTable(report, lang));
  else io.out(formatTable(report, lang));
}

/** SARIF wants a URI relative to the repository root; the working directory is the best guess. */
export function artifactUri(file: string): string {
  const abs = resolve(file);
  const rel = relative(process.cwd(), abs);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return pathToFileURL(abs).href;
  return rel.split(sep).map(encodeURIComponent).join('/');
}
