/**
 * GitHub Actions OIDC tokens (`https://token.actions.githubusercontent.com`, GHES
 * `https://HOST/_services/token`). Worth exactly what cloud roles trusting its `sub` allow.
 * https://docs.github.com/actions/reference/security/oidc
 */
import type { Privilege } from '../../core/profile.js';
import { str } from '../claims.js';
import { issuerPath } from './common.js';
import type { EnvironmentHint, FamilyFacts, FamilyInput, IssuerFamilyReader } from './types.js';

const ATTESTED = ['repository', 'repository_visibility', 'ref', 'ref_type', 'environment', 'event_name', 'job_workflow_ref', 'workflow_ref', 'runner_environment', 'actor', 'enterprise'] as const;

export const githubActions: IssuerFamilyReader = {
  id: 'github-actions',
  kind: 'issuer',
  matches(input: FamilyInput): boolean {
    if (input.issuer === 'https://token.actions.githubusercontent.com') return true;
    if (issuerPath(input) === '/_services/token') return true;
    const c = input.claims;
    return str(c, 'repository') !== undefined && str(c, 'job_workflow_ref') !== undefined && str(c, 'runner_environment') !== undefined;
  },
  read(input: FamilyInput): FamilyFacts {
    const c = input.claims;
    const sub = str(c, 'sub') ?? '';
    const attestation: Array<[string, string]> = [];
    for (const k of ATTESTED) {
      const v = str(c, k);
      if (v !== undefined) attestation.push([k, v]);
    }
    const environment = str(c, 'environment');
    const ref = str(c, 'ref') ?? /:ref:(.+)$/.exec(sub)?.[1];
    const pullRequest = str(c, 'event_name') === 'pull_request' || str(c, 'event_name') === 'pull_request_target' || sub.endsWith(':pull_request');
    const hints: EnvironmentHint[] = [];
    if (environment !== undefined) hints.push({ text: environment, evidence: 'GitHub deployment environment', explicit: true });
    if (pullRequest) hints.push({ text: 'pull_request', evidence: 'pull_request workflow', environment: 'dev' });
    if (ref === 'refs/heads/main' || ref === 'refs/heads/master') hints.push({ text: ref, evidence: 'default branch ref', environment: 'prod' });
    const notes: string[] = [];
    if (str(c, 'runner_environment') === 'self-hosted') notes.push('minted on a self-hosted runner');
    if (pullRequest) notes.push('pull_request subject: cloud roles rarely trust it');
    const privileges: Privilege[] = [
      pullRequest
        ? { name: sub || 'workflow', source: 'claim', level: 'read', why: 'OIDC token of a pull_request run: seldom trusted by cloud roles' }
        : { name: sub || 'workflow', source: 'claim', level: 'write', why: 'OIDC token: whatever cloud roles trusting this subject allow (deploys, secrets)' },
    ];
    const owner = str(c, 'repository_owner') ?? (/^repo:([^/@:]+)/.exec(sub)?.[1]);
    const enterprise = str(c, 'enterprise');
    return {
      family: 'github-actions',
      tokenUse: 'id',
      subjectType: 'automation',
      ...(sub ? { subject: sub } : {}),
      tenants: [owner, enterprise].filter((t): t is string => t !== undefined),
      privileges,
      environmentHints: hints,
      attestation,
      notes,
    };
  },
};
