/**
 * Non-JWT credentials are scored from their rule's reach (privilege, scope, typical lifetime,
 * public-by-design, test mode), the non-secret context the rule read, where they leaked, and
 * liveness (`unknown` until a safe check exists).
 */
import { describe, expect, it } from 'vitest';
import type { Exposure } from '../../src/core/types.js';
import type { CredentialReach } from '../../src/detect/types.js';
import { isPrivateHost, scoreFinding } from '../../src/score/score.js';
import { DEFAULTS, NOW, PRIVATE_CHANNEL, PUBLIC_REPO, UNKNOWN, factor, sum } from './support.js';

const score = (rule: string, reach: CredentialReach | undefined, o: { context?: Record<string, string>; exposures?: Exposure[] } = {}) =>
  scoreFinding({ kind: 'credential', rule, ...(reach ? { reach } : {}), ...(o.context ? { context: o.context } : {}), liveness: UNKNOWN, exposures: o.exposures ?? [PRIVATE_CHANNEL] }, DEFAULTS, NOW);

const AWS: CredentialReach = { privilege: 'admin', scope: 'an AWS account as the IAM user or role that owns the key', lifetime: 'unbounded' };
const AWS_KEY_ID: CredentialReach = { privilege: 'read', scope: 'identifies an AWS access key and its account', lifetime: 'unbounded' };
const GITHUB_PAT: CredentialReach = { privilege: 'admin', scope: 'every repository the user can reach', lifetime: 'months' };
const SLACK_USER: CredentialReach = { privilege: 'admin', scope: 'a Slack workspace as the user (DMs and private channels included)', lifetime: 'unbounded' };
const SLACK_WEBHOOK: CredentialReach = { privilege: 'write', scope: 'posts messages into one Slack channel', lifetime: 'unbounded' };
const PRIVATE_KEY: CredentialReach = { privilege: 'admin', scope: 'whatever trusts the matching public key', lifetime: 'unbounded' };
const POSTGRES: CredentialReach = { privilege: 'admin', scope: 'a PostgreSQL database as the URL’s role', lifetime: 'unbounded' };
const STRIPE_TEST: CredentialReach = { privilege: 'write', scope: 'a Stripe account’s test-mode data', lifetime: 'unbounded', testMode: true };
const PUBLISHABLE: CredentialReach = { privilege: 'read', scope: 'a client-side key', lifetime: 'unbounded', publicByDesign: 'publishable key' };

describe('credential scoring from reach', () => {
  it('factors come from the reach and add up; liveness is unknown, never live', () => {
    const br = score('aws-access-key', AWS, { context: { keyId: 'AKIA…WXYZ[20 chars]', keyType: 'long-term' } });
    expect(factor(br, 'privilege')?.reason).toBe('admin: an AWS account as the IAM user or role that owns the key');
    expect(factor(br, 'lifetime')?.reason).toMatch(/does not expire/);
    expect(factor(br, 'pair')?.reason).toMatch(/key id AKIA…WXYZ/);
    expect(factor(br, 'liveness')?.reason).toMatch(/liveness unknown/);
    expect(sum(br)).toBe(br.score);
  });

  it('an AWS key pair scores above a lone key id', () => {
    expect(score('aws-access-key', AWS, { context: { keyId: 'AKIA…WXYZ[20 chars]' } }).score).toBeGreaterThan(score('aws-access-key-id', AWS_KEY_ID).score);
  });

  it('a Slack user token scores above an incoming webhook', () => {
    expect(score('slack-user-token', SLACK_USER).score).toBeGreaterThan(score('slack-webhook-url', SLACK_WEBHOOK).score);
  });

  it('a GitHub PAT in a public repository is high or above; in a small private channel lower', () => {
    const pub = score('github-classic-pat', GITHUB_PAT, { exposures: [PUBLIC_REPO] });
    expect(['high', 'critical']).toContain(pub.severity);
    expect(score('github-classic-pat', GITHUB_PAT).score).toBeLessThan(pub.score);
  });

  it('an encrypted private key scores lower than an unencrypted one, not zero', () => {
    const plain = score('private-key', PRIVATE_KEY, { context: { keyType: 'rsa', encrypted: 'false' } });
    const enc = score('private-key', PRIVATE_KEY, { context: { keyType: 'rsa', encrypted: 'true' } });
    expect(factor(enc, 'protection')?.reason).toMatch(/passphrase/);
    expect(enc.score).toBeLessThan(plain.score);
    expect(enc.score).toBeGreaterThan(0);
  });

  it('a database URL on a public host scores above one on a private host; prod naming raises it', () => {
    const pub = score('postgres-url', POSTGRES, { context: { scheme: 'postgres', host: 'db.acme-cloud.com' } });
    const priv = score('postgres-url', POSTGRES, { context: { scheme: 'postgres', host: '10.0.3.7' } });
    const local = score('postgres-url', POSTGRES, { context: { scheme: 'postgres', host: 'localhost', local: 'true' } });
    expect(pub.score).toBeGreaterThan(priv.score);
    expect(factor(local, 'network')?.points).toBe(DEFAULTS.weights.credential.privateHost);
    const prod = score('postgres-url', POSTGRES, { context: { host: 'orders-prod.db.acme-cloud.com' } });
    expect(factor(prod, 'environment')?.reason).toMatch(/^prod \(host orders-prod/);
    expect(prod.score).toBeGreaterThan(pub.score);
  });

  it('test-mode and public-by-design credentials are at most low, with the reason', () => {
    const test = score('stripe-test-secret-key', STRIPE_TEST, { exposures: [PUBLIC_REPO] });
    expect(test.severity).toMatch(/info|low/);
    expect(factor(test, 'environment')?.reason).toMatch(/test/);
    const pub = score('publishable', PUBLISHABLE, { exposures: [PUBLIC_REPO] });
    expect(pub.severity).toMatch(/info|low/);
    // A rule may flag a single match as public by design through its context (Firebase web keys).
    const fb = score('google-api-key', { privilege: 'write', scope: 'Google APIs the key is allowed to call', lifetime: 'unbounded' }, { context: { publicByDesign: 'Firebase web API key' }, exposures: [PUBLIC_REPO] });
    expect(factor(fb, 'cap-public-by-design')?.reason).toMatch(/Firebase web API key/);
    expect(fb.severity).toMatch(/info|low/);
  });

  it('a credential with an expiry of its own (SAS se=) is scored by the time it has left', () => {
    const sas: CredentialReach = { privilege: 'write', scope: 'an Azure storage resource', lifetime: 'days' };
    const soon = score('azure-sas-token', sas, { context: { expiry: new Date(NOW.getTime() + 10 * 60_000).toISOString() } });
    const later = score('azure-sas-token', sas, { context: { expiry: new Date(NOW.getTime() + 400 * 86_400_000).toISOString() } });
    expect(factor(soon, 'lifetime')?.reason).toMatch(/10 minutes/);
    expect(later.score).toBeGreaterThan(soon.score);
  });

  it('a rule without reach is scored conservatively and says so', () => {
    const br = score('custom-internal-token', undefined);
    expect(factor(br, 'privilege')?.reason).toMatch(/states no reach; assumed write/);
  });

  it('private hosts: RFC 1918, loopback, link-local, CGNAT, ULA, private DNS suffixes', () => {
    for (const h of ['10.1.2.3', '172.20.0.1', '192.168.1.1', '127.0.0.1', '169.254.1.1', '100.64.0.1', '::1', 'fd12:3456::1', 'db.internal', 'pg.svc.cluster.local', 'db', 'localhost:5432']) expect(isPrivateHost(h), h).toBe(true);
    for (const h of ['db.acme.com', '8.8.8.8', '172.32.0.1', 'pg.eu-west-1.rds.amazonaws.com']) expect(isPrivateHost(h), h).toBe(false);
  });
});
