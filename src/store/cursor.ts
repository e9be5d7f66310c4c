/** Opaque keyset cursors: base64url JSON that callers pass back unchanged. */
import type { z } from 'zod';
import { TokenradiusError } from '../core/errors.js';

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** A cursor that does not decode to `schema` (tampered, or from another list or sort) is PAYLOAD_INVALID. */
export function decodeCursor<S extends z.ZodType>(cursor: string, schema: S): z.infer<S> {
  let raw: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new TokenradiusError('PAYLOAD_INVALID', 'cursor is not valid for this list');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new TokenradiusError('PAYLOAD_INVALID', 'cursor is not valid for this list (or for this sort order)');
  return parsed.data;
}
