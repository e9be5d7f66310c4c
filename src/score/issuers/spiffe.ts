/**
 * SPIFFE JWT-SVIDs: `sub` = `spiffe://{trust-domain}/{path}`, `aud` and `exp` required.
 * https://github.com/spiffe/spiffe/blob/main/standards/JWT-SVID.md
 */
import { str } from '../claims.js';
import type { EnvironmentHint, FamilyFacts, FamilyInput, IssuerFamilyReader } from './types.js';

export const spiffe: IssuerFamilyReader = {
  id: 'spiffe',
  kind: 'issuer',
  matches(input: FamilyInput): boolean {
    return (str(input.claims, 'sub') ?? '').startsWith('spiffe://');
  },
  read(input: FamilyInput): FamilyFacts {
    const id = str(input.claims, 'sub') ?? '';
    const m = /^spiffe:\/\/([^/]+)(\/.*)?$/.exec(id);
    const trustDomain = m?.[1];
    const path = m?.[2] ?? '';
    const ns = /\/ns\/([^/]+)/.exec(path)?.[1];
    const sa = /\/sa\/([^/]+)/.exec(path)?.[1];
    const attestation: Array<[string, string]> = [['spiffeId', id]];
    if (trustDomain !== undefined) attestation.push(['trustDomain', trustDomain]);
    if (ns !== undefined) attestation.push(['namespace', ns]);
    if (sa !== undefined) attestation.push(['serviceAccount', sa]);
    const hints: EnvironmentHint[] = [];
    if (ns !== undefined) hints.push({ text: ns, evidence: 'SPIFFE path namespace' });
    if (path) hints.push({ text: path, evidence: 'SPIFFE path' });
    if (trustDomain !== undefined) hints.push({ text: trustDomain, evidence: 'SPIFFE trust domain' });
    const notes: string[] = [];
    if (input.audiences.length > 1) notes.push('multi-audience JWT-SVID: replayable to every listed service');
    return {
      family: 'spiffe',
      tokenUse: 'access',
      subjectType: 'service',
      subject: id,
      tenants: trustDomain !== undefined ? [trustDomain] : [],
      privileges: [{ name: id, source: 'claim', level: ns === 'kube-system' ? 'admin' : 'read', why: ns === 'kube-system' ? 'control-plane workload identity' : 'workload identity: authorisation is decided by the audience' }],
      environmentHints: hints,
      attestation,
      notes,
    };
  },
};
