/**
 * The package version, read from the nearest `package.json` named `tokenradius` above this file —
 * which is two levels up from `src/cli` and three from `dist/src/cli`, so both the sources (tests)
 * and the build find it.
 */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function version(): string {
  if (cached) return cached;
  let url = new URL('./', import.meta.url);
  for (let i = 0; i < 6; i++) {
    url = new URL('../', url);
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tokenradius' && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      // not here: keep walking up
    }
  }
  return (cached = '0.0.0');
}
