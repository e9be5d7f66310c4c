/** Test helpers for the alerting tests: stored findings, configs, leak searches, waiting. */
import { randomBytes } from 'node:crypto';
import type { StoredFinding } from '../../src/store/types.js';
import type { FindingObservation, Severity } from '../../src/core/types.js';

export function randomFingerprint(): string {
  return `sha256:${randomBytes(32).toString('hex')}`;
}

/** A stored finding as `getFinding` returns it (no raw token anywhere). */
export function storedFinding(o: Partial<StoredFinding> = {}): StoredFinding {
  const at = '2026-01-01T00:00:00.000Z';
  return {
    fingerprint: randomFingerprint(),
    rule: 'jwt',
    kind: 'jwt',
    redacted: 'eyJh…abcd[812 chars]',
    claims: { iss: 'https://idp.example.test', sub: 'svc-deploy', jti: 'jti-1', scope: 'admin' },
    liveness: { state: 'live', checkedBy: ['temporal', 'jwks'], expiresAt: '2026-01-01T01:00:00.000Z' },
    blastRadius: { score: 80, severity: 'high', factors: [{ id: 'privilege', points: 30, reason: 'admin scope' }, { id: 'exposure', points: 10, reason: 'public channel' }] },
    occurrences: [
      {
        source: 'slack-main',
        locator: { kind: 'slack', channel: 'C0LEAK', channelName: 'deploys', ts: '1700000000.000100', permalink: 'https://acme.slack.com/archives/C0LEAK/p1700000000000100', path: 'C0LEAK', line: 1, column: 1 },
        author: 'U0AUTHOR1',
        exposure: { visibility: 'public' },
        firstSeen: at,
        lastSeen: at,
      },
    ],
    firstSeen: at,
    lastSeen: at,
    status: 'open',
    statusChangedAt: at,
    version: 1,
    occurrenceCount: 1,
    sources: ['slack-main'],
    widestVisibility: 'public',
    ...o,
  };
}

/** An observation for the store (what the scan stage would hand it). */
export function observation(fingerprint: string, o: { severity?: Severity; rule?: string; kind?: 'jwt' | 'credential'; liveness?: FindingObservation['liveness']; claims?: Record<string, unknown>; source?: string; at?: string } = {}): FindingObservation {
  const severity = o.severity ?? 'high';
  return {
    fingerprint,
    rule: o.rule ?? 'github-classic-pat',
    kind: o.kind ?? 'credential',
    redacted: 'ghp_…abcd[40 chars]',
    ...(o.claims ? { claims: o.claims } : {}),
    liveness: o.liveness ?? { state: 'unknown', checkedBy: [] },
    blastRadius: { score: severity === 'critical' ? 95 : 70, severity, factors: [{ id: 'test', points: 70, reason: 'test' }] },
    occurrence: { source: o.source ?? 'test', locator: { kind: 'file', path: 'a.txt', line: 1, column: 1 }, firstSeen: o.at ?? '2026-01-01T00:00:00.000Z' },
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

export async function until(cond: () => boolean | Promise<boolean>, ms = 90_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} not met in time`);
}

/** A Standard Webhooks secret generated at test time. */
export function webhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
