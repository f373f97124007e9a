import { readFileSync } from 'node:fs';

let version: string | undefined;

/** The package version (`consentgate --version`, SARIF `tool.driver.semanticVersion`). */
export function toolVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return version;
}
