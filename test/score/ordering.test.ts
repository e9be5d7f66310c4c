/**
 * Ordered pairs: two tokens that differ in one respect, and the order their scores must have.
 * A team triaging by score relies on exactly these comparisons.
 */
import { describe, expect, it } from 'vitest';
import type { Liveness } from '../../src/core/types.js';
import { DAY, HOUR, LIVE, MIN, PRIVATE_CHANNEL, T, YEAR, factor, guid, scoreJwt } from './support.js';

const GA = '62e90394-69f5-4237-9190-012177145e10';
const tid = guid();
const base = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  iss: 'https://as.acme.io',
  aud: 'https://orders.acme.io',
  sub: 'user-17',
  client_id: 'web-portal',
  scope: 'orders:read',
  iat: T,
  exp: T + HOUR,
  ...extra,
});

function expectAbove(higher: Record<string, unknown>, lower: Record<string, unknown>, o: { higherLiveness?: Liveness; lowerLiveness?: Liveness } = {}): void {
  const h = scoreJwt(higher, { exposures: [PRIVATE_CHANNEL], ...(o.higherLiveness ? { liveness: o.higherLiveness } : {}) });
  const l = scoreJwt(lower, { exposures: [PRIVATE_CHANNEL], ...(o.lowerLiveness ? { liveness: o.lowerLiveness } : {}) });
  const show = (x: typeof h) => x.factors.map((f) => `${f.id} ${f.points}`).join(', ');
  expect(h.score, `higher: ${h.score} (${show(h)})\nlower: ${l.score} (${show(l)})`).toBeGreaterThan(l.score);
}

describe('ordered pairs', () => {
  it('the same token unbound scores above it bound (cnf.jkt / cnf.x5t#S256)', () => {
    const unbound = base({ scope: 'orders:write admin', env: 'production' });
    expectAbove(unbound, { ...unbound, cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' } });
    expectAbove(unbound, { ...unbound, cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' } });
  });

  it('the same token in production scores above it in development', () => {
    expectAbove(base({ aud: 'https://orders.prod.acme.io' }), base({ aud: 'https://orders.dev.acme.io' }));
  });

  it('admin scopes score above read-only scopes', () => {
    expectAbove(base({ scope: 'orders:admin' }), base({ scope: 'orders:read' }));
  });

  it('an Entra token with the Global Administrator role scores above the same token without it', () => {
    const entra = (wids: string[]) => ({
      iss: `https://login.microsoftonline.com/${tid}/v2.0`,
      ver: '2.0',
      tid,
      oid: 'o1',
      sub: 's1',
      azp: 'c1',
      aud: 'https://graph.microsoft.com',
      scp: 'User.Read',
      wids,
      iat: T,
      exp: T + HOUR,
    });
    expectAbove(entra([GA]), entra([]));
  });

  it('one year remaining scores above five minutes remaining', () => {
    expectAbove(base({ exp: T + YEAR + DAY }), base({ exp: T + 5 * MIN + 30 }));
  });

  it('claims embedding a secret score above the same claims without it', () => {
    expectAbove(base({ client_secret: 'A9s8D7f6G5h4J3k2L1q0W9e8R7t6Y5u4' }), base());
    // Also when the masker already replaced the value with its redacted preview.
    expectAbove(base({ api_key: 'sk_l…9xQz[40 chars]' }), base());
  });

  it('a Supabase service_role key scores above the anon key of the same project', () => {
    const key = (role: string) => ({ iss: 'supabase', ref: 'qwertyuiopasdfgh', role, iat: T, exp: T + 10 * YEAR });
    expectAbove(key('service_role'), key('anon'));
  });

  it('a live token scores above the same token expired', () => {
    const expired: Liveness = { state: 'expired', checkedBy: ['temporal'] };
    expectAbove(base(), base(), { higherLiveness: LIVE, lowerLiveness: expired });
    expectAbove(base({ exp: T + HOUR }), base({ exp: T - HOUR }));
  });

  it('a verified live token scores above the same token unverifiable', () => {
    const unverifiable: Liveness = { state: 'unverifiable', checkedBy: ['temporal'], reason: 'HS256' };
    expectAbove(base(), base(), { higherLiveness: LIVE, lowerLiveness: unverifiable });
  });

  it('a wildcard tenant scores above a single tenant', () => {
    expectAbove(base({ tenant: '*' }), base({ tenant: 'acme' }));
  });

  it('a legacy kube-system Kubernetes token scores above a projected dev token', () => {
    const legacy = {
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': 'kube-system',
      'kubernetes.io/serviceaccount/service-account.name': 'replicaset-controller',
      'kubernetes.io/serviceaccount/secret.name': 'replicaset-controller-token-q2w3e',
      sub: 'system:serviceaccount:kube-system:replicaset-controller',
    };
    const projected = {
      iss: 'https://kubernetes.default.svc.cluster.local',
      aud: ['vault'],
      sub: 'system:serviceaccount:dev:web',
      'kubernetes.io': { namespace: 'dev', serviceaccount: { name: 'web', uid: 'u' }, pod: { name: 'web-1', uid: 'p' } },
      iat: T,
      exp: T + HOUR,
    };
    expectAbove(legacy, projected);
  });

  it('a bound token keeps its order even when a cap flattened both totals', () => {
    // Expired: both capped at the top of `low`; binding still separates them.
    const claims = base({ scope: '*', tenant: '*', exp: T - MIN, env: 'production' });
    const expired: Liveness = { state: 'expired', checkedBy: ['temporal'] };
    const unbound = scoreJwt(claims, { liveness: expired });
    const bound = scoreJwt({ ...claims, cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' } }, { liveness: expired });
    expect(factor(unbound, 'cap-inactive')).toBeDefined();
    expect(bound.score).toBeLessThan(unbound.score);
  });

  it('a public repository scores above an externally shared channel, which scores above a small private channel', () => {
    const t = base();
    const pub = scoreJwt(t, { exposures: [{ visibility: 'public' }] });
    const ext = scoreJwt(t, { exposures: [{ visibility: 'shared-external', audience: 2000 }] });
    const priv = scoreJwt(t, { exposures: [{ visibility: 'private', audience: 3 }] });
    expect(pub.score).toBeGreaterThan(ext.score);
    expect(ext.score).toBeGreaterThan(priv.score);
  });
});
