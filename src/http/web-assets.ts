import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The web interfaces' files (console, privacy centre, widget, demo), read once at start-up from
 * `web/` plus three vendored ES modules from node_modules (Preact, its hooks, htm). Only files
 * found here are ever served: a URL is a map lookup, never a path joined onto the disk.
 *
 * Each HTML page gets a Content-Security-Policy that allows its own inline import map by hash
 * and nothing else inline, so the pages run under `script-src 'self'`.
 */
export interface WebAsset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  /** Set for HTML pages. */
  readonly csp?: string;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
};

export const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');

/** URL → module file inside a package; what the pages' import map points at. */
const VENDOR: ReadonlyArray<[url: string, pkg: string, file: string]> = [
  ['/vendor/preact.mjs', 'preact', 'dist/preact.mjs'],
  ['/vendor/preact-hooks.mjs', 'preact', 'hooks/dist/hooks.mjs'],
  ['/vendor/htm.mjs', 'htm', 'dist/htm.mjs'],
];

const INLINE_SCRIPT = /<script(?:\s+type="importmap")?>([\s\S]*?)<\/script>/g;

export function pageCsp(html: string): string {
  const hashes: string[] = [];
  for (const m of html.matchAll(INLINE_SCRIPT)) hashes.push(`'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);
  return [
    "default-src 'none'",
    `script-src 'self' ${hashes.join(' ')}`.trim(),
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function asset(body: Buffer, ext: string): WebAsset {
  const type = TYPES[ext] ?? 'application/octet-stream';
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return ext === '.html' ? { body, type, etag, csp: pageCsp(body.toString('utf8')) } : { body, type, etag };
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** Every servable file by URL path (`/console/index.html`, `/vendor/preact.mjs`, …). */
export function loadWebAssets(root = WEB_ROOT, modules = join(root, '..', 'node_modules')): Map<string, WebAsset> {
  const map = new Map<string, WebAsset>();
  for (const file of existsSync(root) ? walk(root) : []) {
    const ext = file.slice(file.lastIndexOf('.'));
    if (!(ext in TYPES)) continue;
    map.set('/' + relative(root, file).split(sep).join('/'), asset(readFileSync(file), ext));
  }
  for (const [url, pkg, file] of VENDOR) map.set(url, asset(readFileSync(join(modules, pkg, file)), '.mjs'));
  return map;
}
