/**
 * Kubernetes service-account tokens: bound (projected / TokenRequest) tokens with a
 * `kubernetes.io` claim, and legacy Secret-based tokens (`iss: kubernetes/serviceaccount`, flat
 * `kubernetes.io/serviceaccount/*` claims, no `exp`).
 * https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/
 * Claims: kubernetes/kubernetes pkg/serviceaccount/claims.go
 */
import type { Privilege } from '../../core/profile.js';
import { obj, own, str } from '../claims.js';
import type { FamilyFacts, FamilyInput, IssuerFamilyReader } from './types.js';

const LEGACY_ISSUER = 'kubernetes/serviceaccount';
const CONTROL_PLANE_NAMESPACES = new Set(['kube-system']);

export const kubernetes: IssuerFamilyReader = {
  id: 'kubernetes',
  kind: 'issuer',
  matches(input: FamilyInput): boolean {
    if (input.issuer === LEGACY_ISSUER) return true;
    if (obj(input.claims, 'kubernetes.io') !== undefined) return true;
    if (str(input.claims, 'kubernetes.io/serviceaccount/namespace') !== undefined) return true;
    return (str(input.claims, 'sub') ?? '').startsWith('system:serviceaccount:');
  },
  read(input: FamilyInput): FamilyFacts {
    const c = input.claims;
    const k = obj(c, 'kubernetes.io');
    const legacy = input.issuer === LEGACY_ISSUER || (k === undefined && str(c, 'kubernetes.io/serviceaccount/namespace') !== undefined);
    const subParts = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(str(c, 'sub') ?? '');
    const namespace = str(k, 'namespace') ?? str(c, 'kubernetes.io/serviceaccount/namespace') ?? subParts?.[1];
    const serviceAccount = str(obj(k, 'serviceaccount'), 'name') ?? str(c, 'kubernetes.io/serviceaccount/service-account.name') ?? subParts?.[2];
    const pod = str(obj(k, 'pod'), 'name');
    const secret = str(obj(k, 'secret'), 'name') ?? str(c, 'kubernetes.io/serviceaccount/secret.name');
    const node = str(obj(k, 'node'), 'name');
    const attestation: Array<[string, string]> = [];
    if (namespace !== undefined) attestation.push(['namespace', namespace]);
    if (serviceAccount !== undefined) attestation.push(['serviceAccount', serviceAccount]);
    if (pod !== undefined) attestation.push(['pod', pod]);
    if (secret !== undefined) attestation.push(['secret', secret]);
    if (node !== undefined) attestation.push(['node', node]);
    const notes = ['RBAC is not in the token: the real blast radius needs a cluster lookup of the service account’s bindings'];
    if (legacy) notes.push('legacy Secret-based token: valid until the Secret is deleted');
    if (own(k, 'warnafter') !== undefined) notes.push('compatibility token: its exp was extended (up to a year) for clients that do not reload tokens');
    const name = `system:serviceaccount:${namespace ?? '?'}:${serviceAccount ?? '?'}`;
    const privileges: Privilege[] = [privilegeOf(name, namespace, serviceAccount, legacy)];
    const cluster = legacy ? undefined : input.issuer;
    return {
      family: legacy ? 'k8s-legacy' : 'k8s-bound',
      tokenUse: 'service-account',
      subjectType: 'service',
      subject: name,
      tenants: cluster !== undefined ? [cluster] : [],
      privileges,
      environmentHints: [
        ...(namespace !== undefined ? [{ text: namespace, evidence: 'k8s namespace' }] : []),
        ...(serviceAccount !== undefined ? [{ text: serviceAccount, evidence: 'k8s service account' }] : []),
      ],
      attestation,
      notes,
    };
  },
};

/** What a service account can probably do, from where it lives (RBAC itself is not in the token). */
function privilegeOf(name: string, namespace: string | undefined, sa: string | undefined, legacy: boolean): Privilege {
  if (namespace !== undefined && CONTROL_PLANE_NAMESPACES.has(namespace)) {
    return { name, source: 'claim', level: 'owner', why: 'kube-system service account: control-plane identities can usually escalate to cluster-admin' };
  }
  if (sa !== undefined && /controller|operator|admin/.test(sa)) {
    return { name, source: 'claim', level: 'admin', why: 'controller/operator service account: typically broad cluster permissions' };
  }
  if (sa === 'default') return { name, source: 'claim', level: 'read', why: 'default service account: usually no RBAC bindings' };
  return legacy
    ? { name, source: 'claim', level: 'write', why: 'long-lived token minted for automation; RBAC unknown, assumed write' }
    : { name, source: 'claim', level: 'read', why: 'workload token; RBAC unknown, assumed read' };
}
