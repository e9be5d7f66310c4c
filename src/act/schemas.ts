/**
 * JSON Schemas of the payloads in ./payload.ts, generated from the zod schemas (zod 4
 * `z.toJSONSchema`). `npm run schemas` writes them to `docs/schemas/`; a test checks that the
 * committed files equal what this generates, so the published contract cannot drift from the code.
 */
import { z } from 'zod';
import { RevocationRequestSchema, RevocationResponseSchema, WebhookEventSchema } from './payload.js';

const SCHEMAS: ReadonlyArray<[file: string, schema: z.ZodType]> = [
  ['webhook-event.v1.json', WebhookEventSchema],
  ['revocation-request.v1.json', RevocationRequestSchema],
  ['revocation-response.v1.json', RevocationResponseSchema],
];

/** File name → pretty-printed JSON Schema (draft 2020-12), each ending with a newline. */
export function generateSchemas(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [file, schema] of SCHEMAS) {
    // `io: 'input'`: objects stay open (receivers must accept fields added within a version);
    // `reused: 'ref'`: shared parts (FindingSummary, Location…) appear once under $defs.
    const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', reused: 'ref' });
    out[file] = JSON.stringify(json, null, 2) + '\n';
  }
  return out;
}
