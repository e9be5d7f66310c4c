/**
 * Jira source remediation (opt-in): a comment on the issue that leaked the token — what was found
 * (redacted preview, where), what was done (revocation) and what to do (remove it, rotate it).
 * Posted with the Jira source's own client and credentials (the user needs *Add comments*).
 */
import type { Version3Client } from 'jira.js';
import { createJiraClient, toJiraError } from '../../sources/jira/client.js';
import type { StoredOccurrence } from '../../store/types.js';
import type { RemediatorConfig } from '../options.js';
import type { RevocationStatus } from '../payload.js';
import type { Remediator, RemediationResult } from '../types.js';

export interface JiraRemediatorDeps {
  host: string;
  email: string;
  apiToken: string;
  timeoutMs?: number;
  client?: Version3Client;
}

/** The comment text (never the token; exported for tests). */
export function jiraCommentText(redacted: string, rule: string, field: string, revocations: readonly RevocationStatus[]): string {
  const revoked = revocations.find((r) => r.outcome === 'revoked' || r.outcome === 'already-invalid');
  const done = revoked ? `It has been revoked (${revoked.revoker}).` : 'The security team has been alerted.';
  return `tokenradius found a credential (${rule}, ${redacted}) in this issue's ${field}. ${done} Please remove it from the issue (edit the ${field}; old versions stay in the history, so the credential must be rotated) and keep secrets in a secrets manager.`;
}

export function createJiraRemediator(cfg: RemediatorConfig, deps: JiraRemediatorDeps): Remediator {
  const client = deps.client ?? createJiraClient({ host: deps.host, email: deps.email, apiToken: deps.apiToken, timeoutMs: deps.timeoutMs ?? 30_000 });
  return {
    id: cfg.id,
    type: 'jira',
    needsSecret: false,
    applies: (o: StoredOccurrence) => o.source === cfg.source && o.locator.kind === 'jira',
    async remediate(finding, occurrence, o): Promise<RemediationResult> {
      if (occurrence.locator.kind !== 'jira') return { outcome: 'skipped', reason: 'not a Jira issue' };
      const issue = occurrence.locator.issue;
      if (o.dryRun) return { outcome: 'dry-run', reason: `dry run: would comment on ${issue}` };
      const text = jiraCommentText(finding.redacted, finding.rule, occurrence.locator.field, o.revocations);
      const doc = { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] };
      try {
        await client.issueComments.addComment({ issueIdOrKey: issue, comment: doc as never });
      } catch (e) {
        throw toJiraError(e, { op: 'addComment', sourceId: cfg.source });
      }
      return { outcome: 'succeeded', reason: `commented on ${issue}`, details: { issue } };
    },
  };
}
