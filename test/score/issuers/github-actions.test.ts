import { describe, expect, it } from 'vitest';
import { MIN, T, profileOf } from '../support.js';

const base = {
  iss: 'https://token.actions.githubusercontent.com',
  aud: 'https://github.com/acme',
  repository: 'acme/app',
  repository_owner: 'acme',
  repository_visibility: 'private',
  job_workflow_ref: 'acme/app/.github/workflows/deploy.yml@refs/heads/main',
  runner_environment: 'self-hosted',
  iat: T,
  exp: T + 5 * MIN,
};

describe('issuer family: GitHub Actions OIDC', () => {
  it('attestation, automation subject, environment claim decides the environment', () => {
    const p = profileOf({ ...base, sub: 'repo:acme/app:environment:Production', environment: 'Production', ref: 'refs/heads/main', event_name: 'push' });
    expect(p.issuerFamily).toBe('github-actions');
    expect(p.subjectType).toBe('automation');
    expect(p.tenants).toEqual(['acme']);
    expect(p.attestation).toMatchObject({ repository: 'acme/app', ref: 'refs/heads/main', environment: 'Production', runner_environment: 'self-hosted' });
    expect(p.environment).toBe('prod');
    expect(p.privilegeLevel).toBe('write');
    expect(p.notes.join(' ')).toMatch(/self-hosted/);
  });

  it('main branch without environment ⇒ prod; pull_request ⇒ dev and read', () => {
    expect(profileOf({ ...base, sub: 'repo:acme/app:ref:refs/heads/main', ref: 'refs/heads/main' }).environment).toBe('prod');
    const pr = profileOf({ ...base, sub: 'repo:acme/app:pull_request', event_name: 'pull_request', ref: 'refs/pull/7/merge' });
    expect(pr.environment).toBe('dev');
    expect(pr.privilegeLevel).toBe('read');
  });

  it('GHES issuers (/_services/token) are recognised', () => {
    expect(profileOf({ ...base, iss: 'https://ghe.acme.io/_services/token', sub: 'repo:acme/app:ref:refs/heads/dev' }).issuerFamily).toBe('github-actions');
  });
});
