import { describe, expect, it } from 'vitest';
import { HOUR, T, YEAR, profileOf, scoreJwt } from '../support.js';

describe('issuer family: Kubernetes service accounts', () => {
  it('legacy Secret-based token: no exp ⇒ unbounded, flat claims read, kube-system ⇒ owner', () => {
    const p = profileOf({
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': 'kube-system',
      'kubernetes.io/serviceaccount/secret.name': 'ctrl-token-abc',
      'kubernetes.io/serviceaccount/service-account.name': 'ctrl',
      sub: 'system:serviceaccount:kube-system:ctrl',
    });
    expect(p.issuerFamily).toBe('k8s-legacy');
    expect(p.tokenUse).toBe('service-account');
    expect(p.subjectType).toBe('service');
    expect(p.lifetime.unbounded).toBe(true);
    expect(p.attestation).toMatchObject({ namespace: 'kube-system', serviceAccount: 'ctrl' });
    // The Secret's name is an identifier, not a secret, even though the masker hides it.
    expect(p.overEnrichment).toEqual([]);
    expect(p.privilegeLevel).toBe('owner');
    expect(p.notes.join(' ')).toMatch(/valid until the Secret is deleted/);
    expect(scoreJwt({ iss: 'kubernetes/serviceaccount', sub: 'system:serviceaccount:kube-system:ctrl' }).factors.find((f) => f.id === 'lifetime')?.reason).toMatch(/no exp/);
  });

  it('bound token: namespace, pod, cluster issuer as tenant; namespace names the environment', () => {
    const p = profileOf({
      iss: 'https://container.googleapis.com/v1/projects/p/locations/l/clusters/c',
      aud: ['vault'],
      sub: 'system:serviceaccount:staging:api',
      'kubernetes.io': { namespace: 'staging', serviceaccount: { name: 'api', uid: 'u' }, pod: { name: 'api-1', uid: 'p' }, node: { name: 'n1', uid: 'n' } },
      iat: T,
      exp: T + HOUR,
    });
    expect(p.issuerFamily).toBe('k8s-bound');
    expect(p.attestation).toMatchObject({ namespace: 'staging', serviceAccount: 'api', pod: 'api-1', node: 'n1' });
    expect(p.environment).toBe('staging');
    expect(p.tenants).toEqual(['https://container.googleapis.com/v1/projects/p/locations/l/clusters/c']);
    expect(p.privilegeLevel).toBe('read');
  });

  it('compatibility tokens with warnafter are noted', () => {
    const p = profileOf({ iss: 'https://k8s.acme.io', sub: 'system:serviceaccount:a:b', 'kubernetes.io': { namespace: 'a', serviceaccount: { name: 'b' }, warnafter: T + HOUR }, exp: T + YEAR });
    expect(p.notes.join(' ')).toMatch(/compatibility token/);
  });

  it('controller service accounts are admin, the default service account is read', () => {
    expect(profileOf({ sub: 'system:serviceaccount:ops:cert-manager-controller', iss: 'https://k8s.acme.io', exp: T + HOUR }).privilegeLevel).toBe('admin');
    expect(profileOf({ sub: 'system:serviceaccount:web:default', iss: 'https://k8s.acme.io', exp: T + HOUR }).privilegeLevel).toBe('read');
  });
});
