/**
 * Test helpers for sources: where a planted string shows up in the chunks a source yields, with
 * the exact line/column the scan stage would compute (chunk locator + offset), deduplicated by
 * place the way the aggregator does. Independent of the detection engine.
 */
import type { Chunk, Locator } from '../../src/core/types.js';
import type { PulledChunk, Source } from '../../src/sources/types.js';

export interface Hit {
  locator: Locator;
  chunk: Chunk;
}

/** Line/column of `offset` in a chunk's text, from the chunk's own start position. */
export function positionIn(chunk: Chunk, offset: number): { line: number; column: number } {
  const before = chunk.text.slice(0, offset);
  const nl = before.lastIndexOf('\n');
  const lines = before.split('\n').length - 1;
  const line = chunk.locator.line + lines;
  const column = lines === 0 ? chunk.locator.column + offset : offset - nl;
  return { line, column };
}

function placeKey(l: Locator): string {
  const { line, column, kind } = l;
  const rest = Object.entries(l)
    .filter(([k]) => !['line', 'column', 'kind', 'field', 'author', 'date'].includes(k))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('|');
  return `${kind}|${rest}|${line}|${column}`;
}

/** Every place `needle` occurs in the chunks (same place from overlapping chunks counted once). */
export function findAll(chunks: readonly Chunk[], needle: string): Hit[] {
  const seen = new Map<string, Hit>();
  for (const chunk of chunks) {
    let i = chunk.text.indexOf(needle);
    while (i !== -1) {
      const pos = positionIn(chunk, i);
      const locator = { ...chunk.locator, ...pos } as Locator;
      const key = placeKey(locator);
      if (!seen.has(key)) seen.set(key, { locator, chunk });
      i = chunk.text.indexOf(needle, i + 1);
    }
  }
  return [...seen.values()];
}

/** Drain a source into an array. */
export async function pullAll(source: Source, opts: { since?: string } = {}): Promise<Chunk[]> {
  const out: Chunk[] = [];
  const ac = new AbortController();
  for await (const p of source.pull({ signal: ac.signal, ...(opts.since ? { since: opts.since } : {}) }) as AsyncIterable<PulledChunk>) out.push(p.chunk);
  return out;
}

/** A token-shaped random string (no rule needs to match it; sources just carry text). */
export function randomToken(prefix = 'tok_'): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = prefix;
  for (let i = 0; i < 32; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}
