/** Test helpers for the pipeline tests: observations, chunks and a scripted source. */
import { randomBytes } from 'node:crypto';
import type { Chunk, FindingObservation, Severity } from '../../src/core/types.js';
import type { PulledChunk, PullOptions, Source } from '../../src/sources/types.js';

export function randomFingerprint(): string {
  return `sha256:${randomBytes(32).toString('hex')}`;
}

export function observation(fingerprint: string, severity: Severity = 'high', at = '2026-01-01T00:00:00.000Z', path = 'a.txt'): FindingObservation {
  return {
    fingerprint,
    rule: 'github-classic-pat',
    kind: 'credential',
    redacted: 'ghp_…abcd[40 chars]',
    liveness: { state: 'unknown', checkedBy: [] },
    blastRadius: { score: severity === 'critical' ? 95 : 70, severity, factors: [{ id: 'test', points: 70, reason: 'test' }] },
    occurrence: { source: 'test', locator: { kind: 'file', path, line: 1, column: 1 }, firstSeen: at },
  };
}

export function chunk(id: string, text: string, source = 'test-src'): Chunk {
  return { id, source, text, locator: { kind: 'file', path: `/x/${id}.txt`, line: 1, column: 1 } };
}

/** A source that yields the given chunks after `since` (cursor = index), optionally failing at one. */
export function scriptedSource(id: string, chunks: Chunk[], opts: { failAt?: number; pulls?: Array<string | undefined> } = {}): Source {
  return {
    id,
    async *pull(o: PullOptions): AsyncIterable<PulledChunk> {
      opts.pulls?.push(o.since);
      const start = o.since ? Number(o.since) : 0;
      for (let i = start; i < chunks.length; i++) {
        if (i === opts.failAt) {
          opts.failAt = undefined; // fail once, like a crash
          throw new Error('connector crashed');
        }
        yield { chunk: chunks[i]!, cursor: String(i + 1) };
      }
    },
  };
}

/** Substrings of a token that must never appear anywhere (the whole token and each long segment). */
export function leakNeedles(token: string): string[] {
  const parts = token.split(/[.~]/).filter((p) => p.length >= 24);
  return [token, ...parts.map((p) => p.slice(0, 24)), ...parts.map((p) => p.slice(-24))];
}

/** The planted tokens (or long pieces of them) found in `text`. */
export function findLeaks(text: string, tokens: readonly string[]): string[] {
  const leaks: string[] = [];
  for (const t of tokens) for (const n of leakNeedles(t)) if (text.includes(n)) leaks.push(n.slice(0, 12));
  return leaks;
}
