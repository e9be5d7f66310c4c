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
