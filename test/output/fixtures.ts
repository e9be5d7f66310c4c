/** Synthetic findings for format tests (no token anywhere: only fingerprints and previews). */
import { createHash, randomBytes } from 'node:crypto';
import type { Finding, Occurrence, Severity } from '../../src/core/types.js';
import { emptyBySeverity, toReportFinding, type Report } from '../../src/output/report.js';

export const fp = (seed: string) => 'sha256:' + createHash('sha256').update(seed).digest('hex');

export function occurrence(over: Partial<Occurrence> & { locator: Occurrence['locator'] }): Occurrence {
  return { source: over.locator.kind === 'file' ? 'files' : over.locator.kind, firstSeen: '2026-01-01T00:00:00.000Z', ...over };
}

export function finding(opts: { seed?: string; rule?: string; kind?: 'jwt' | 'credential'; score: number; severity: Severity; occurrences: Occurrence[]; claims?: Record<string, unknown> }): Finding {
  const seed = opts.seed ?? randomBytes(8).toString('hex');
  return {
    fingerprint: fp(seed),
    rule: opts.rule ?? 'github-classic-pat',
    kind: opts.kind ?? 'credential',
    redacted: 'ghp_ab…wxyz[40 chars]',
    ...(opts.claims ? { header: { alg: 'RS256', typ: 'JWT' }, claims: opts.claims, jwtForm: 'jws' as const } : {}),
    liveness: { state: 'unknown', checkedBy: ['temporal'] },
    blastRadius: {
      score: opts.score,
      severity: opts.severity,
      factors: [
        { id: 'privilege', points: 30, reason: 'admin scope' },
        { id: 'exposure', points: 10, reason: 'public repository' },
        { id: 'lifetime', points: -5, reason: 'expires in 5 minutes' },
      ],
    },
    occurrences: opts.occurrences,
    firstSeen: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-01-01T00:00:00.000Z',
  };
}

export function sampleFindings(): Finding[] {
  return [
    finding({
      seed: 'a',
      score: 91,
      severity: 'critical',
      occurrences: [
        occurrence({ locator: { kind: 'file', path: 'src/config dir/app.ts', line: 12, column: 7 } }),
        occurrence({ locator: { kind: 'git', repo: '/tmp/repo', commit: 'a'.repeat(40), path: 'deploy.sh', line: 3, column: 1, author: 'Dev <dev@example.com>', date: '2025-01-01T00:00:00Z' }, source: 'git' }),
      ],
    }),
    finding({
      seed: 'b',
      rule: 'jwt',
      kind: 'jwt',
      score: 55,
      severity: 'medium',
      claims: { iss: 'https://issuer.example', sub: 'svc', client_secret: '[masked]' },
      occurrences: [
        occurrence({
          locator: { kind: 'slack', channel: 'C123', channelName: 'general', ts: '1712345678.000100', threadTs: '1712345000.000100', path: 'general/2024-04-05.json', line: 1, column: 30 },
          source: 'slack-export',
          exposure: { visibility: 'shared-external', audience: 120 },
        }),
      ],
    }),
    finding({
      seed: 'c',
      rule: 'aws-access-key-pair',
      score: 12,
      severity: 'low',
      occurrences: [occurrence({ locator: { kind: 'jira', issue: 'OPS-7', field: 'comment', commentId: '10001', path: 'export.json', line: 2, column: 4 }, source: 'jira-export' })],
    }),
  ];
}

export function reportOf(findings: Finding[]): Report {
  const bySeverity = emptyBySeverity();
  for (const f of findings) bySeverity[f.blastRadius.severity] += 1;
  return {
    findings: findings.map((f) => toReportFinding(f)),
    stats: {
      targets: ['.'],
      files: 3,
      items: 0,
      chunks: 4,
      bytes: 12345,
      skipped: 0,
      findings: findings.length,
      bySeverity,
      suppressed: { baseline: 0, belowMinSeverity: 0 },
      errors: [],
      durationMs: 42,
      startedAt: '2026-01-01T00:00:00.000Z',
    },
  };
}
