/**
 * The committed JSON Schemas (docs/schemas/) must equal what the zod schemas generate. After changing
 * src/act/payload.ts run `npm run schemas` (or this test with TR_WRITE_SCHEMAS=1) and commit.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { generateSchemas } from '../../src/act/schemas.js';
import { webhookEvent } from '../../src/act/sinks/webhook.js';
import { storedFinding } from './helpers.js';

const dir = resolve(import.meta.dirname, '../../docs/schemas');

describe('published JSON Schemas', () => {
  const generated = generateSchemas();
  if (process.env.TR_WRITE_SCHEMAS === '1') {
    mkdirSync(dir, { recursive: true });
    for (const [f, text] of Object.entries(generated)) writeFileSync(join(dir, f), text);
  }

  it.each(Object.keys(generated))('docs/schemas/%s is up to date (npm run schemas)', (file) => {
    expect(readFileSync(join(dir, file), 'utf8')).toBe(generated[file]);
  });

  it('accept what the webhook sink sends and reject a payload missing a required field', () => {
    const ajv = new Ajv2020.default({ strict: false });
    const validate = ajv.compile(JSON.parse(generated['webhook-event.v1.json']!) as object);
    const event = webhookEvent(storedFinding(), { type: 'finding.created', deliveryId: 'alert-x-1-soc', revocations: [], now: new Date() });
    expect(validate(event)).toBe(true);
    // Receivers must ignore unknown fields: a later minor addition stays valid.
    expect(validate({ ...event, extra: true })).toBe(true);
    const broken = structuredClone(event) as { data: { finding: Record<string, unknown> } };
    delete broken.data.finding.fingerprint;
    expect(validate(broken)).toBe(false);
  });
});
