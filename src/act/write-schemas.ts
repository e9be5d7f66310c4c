#!/usr/bin/env node
/**
 * `npm run schemas`: (re)writes docs/schemas/*.json from the zod payload schemas. Run it after
 * changing src/act/payload.ts and commit the result (a test fails while they differ).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateSchemas } from './schemas.js';

// dist/src/act/write-schemas.js → the package root is three levels up (src/act/ when run from source).
const here = import.meta.dirname;
const root = resolve(here, here.includes(`${join('dist', 'src')}`) ? '../../..' : '../..');
const dir = join(root, 'docs', 'schemas');
mkdirSync(dir, { recursive: true });
for (const [file, text] of Object.entries(generateSchemas())) {
  writeFileSync(join(dir, file), text);
  process.stdout.write(`wrote docs/schemas/${file}\n`);
}
