/**
 * GitHub source remediation (opt-in): a comment on the commit that leaked the token — what was
 * found (redacted preview, file and line), what was done, what to do. Posted with the GitHub
 * source's own client (the token needs *Contents: write* or commit-comment permission).
 */
import type { Octokit } from 'octokit';
import { createGithubClient, toGithubError } from '../../sources/github/client.js';
import type { StoredOccurrence } from '../../store/types.js';
import type { RemediatorConfig } from '../options.js';
import type { RevocationStatus } from '../payload.js';
import type { Remediator, RemediationResult } from '../types.js';

export interface GithubRemediatorDeps {
  token: string;
  baseUrl: string;
  timeoutMs?: number;
  client?: Octokit;
}

/** The comment body (never the token; exported for tests). */
export function commitCommentBody(redacted: string, rule: string, path: string, line: number, revocations: readonly RevocationStatus[]): string {
  const revoked = revocations.find((r) => r.outcome === 'revoked' || r.outcome === 'already-invalid');
  const done = revoked ? `It has been revoked (${revoked.revoker}).` : 'The security team has been alerted.';
  return `:warning: **tokenradius** found a credential (\`${rule}\`, \`${redacted}\`) in \`${path}\` line ${line} of this commit. ${done} Removing it in a later commit does not remove it from history: the credential must be rotated. Keep secrets out of the repository (environment, secrets manager).`;
}

export function createGithubRemediator(cfg: RemediatorConfig, deps: GithubRemediatorDeps): Remediator {
  const client = deps.client ?? createGithubClient({ token: deps.token, baseUrl: deps.baseUrl, timeoutMs: deps.timeoutMs ?? 30_000, retry: { retries: 0, minTimeoutMs: 100 } });
  return {
    id: cfg.id,
    type: 'github',
    needsSecret: false,
    applies: (o: StoredOccurrence) => o.source === cfg.source && o.locator.kind === 'github' && o.locator.field === undefined,
    async remediate(finding, occurrence, o): Promise<RemediationResult> {
      if (occurrence.locator.kind !== 'github') return { outcome: 'skipped', reason: 'not a GitHub commit' };
      const { repo, commit, path, line } = occurrence.locator;
      const [owner, name] = repo.split('/');
      if (!owner || !name || !/^[0-9a-f]{40}$/i.test(commit)) return { outcome: 'skipped', reason: `not a commit location (${repo}@${commit.slice(0, 12)})` };
      if (o.dryRun) return { outcome: 'dry-run', reason: `dry run: would comment on ${repo}@${commit.slice(0, 10)}` };
      try {
        await client.rest.repos.createCommitComment({ owner, repo: name, commit_sha: commit, body: commitCommentBody(finding.redacted, finding.rule, path, line, o.revocations) });
      } catch (e) {
        throw toGithubError(e, { op: 'createCommitComment', sourceId: cfg.source, repo });
      }
      return { outcome: 'succeeded', reason: `commented on ${repo}@${commit.slice(0, 10)}`, details: { repo, commit } };
    },
  };
}
