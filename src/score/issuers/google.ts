/**
 * Google-issued ID tokens (`https://accounts.google.com`): user sign-in and service-account ID
 * tokens minted for Cloud Run / IAP / Cloud Functions audiences.
 * https://cloud.google.com/iam/docs/create-short-lived-credentials-direct#sa-credentials-oidc
 */
import type { Privilege } from '../../core/profile.js';
import { str } from '../claims.js';
import type { FamilyFacts, FamilyInput, IssuerFamilyReader } from './types.js';

const SA_EMAIL = /@([a-z0-9-]+)\.iam\.gserviceaccount\.com$/;

export const google: IssuerFamilyReader = {
  id: 'google',
  kind: 'issuer',
  matches(input: FamilyInput): boolean {
    return input.issuer === 'https://accounts.google.com' || input.issuer === 'accounts.google.com';
  },
  read(input: FamilyInput): FamilyFacts {
    const c = input.claims;
    const email = str(c, 'email') ?? '';
    const project = SA_EMAIL.exec(email)?.[1];
    const serviceAccount = project !== undefined || email.endsWith('-compute@developer.gserviceaccount.com') || email.endsWith('@appspot.gserviceaccount.com');
    const hd = str(c, 'hd');
    const sub = str(c, 'sub');
    const azp = str(c, 'azp');
    const privileges: Privilege[] = [];
    // An ID token carries no scopes: it is worth whatever the audience service lets this identity do.
    const aud = input.audiences[0];
    if (serviceAccount && aud !== undefined) {
      privileges.push({ name: `invoke ${aud}`, source: 'claim', level: 'write', why: 'service-account ID token: calls the audience service as the service account' });
    }
    const tenants = [project, hd].filter((t): t is string => t !== undefined);
    return {
      family: 'google',
      tokenUse: 'id',
      subjectType: serviceAccount ? 'service' : 'user',
      ...(sub !== undefined ? { subject: sub } : {}),
      ...(azp !== undefined ? { clientId: azp } : {}),
      tenants,
      privileges,
      environmentHints: project !== undefined ? [{ text: project, evidence: 'GCP project' }] : [],
      ...(serviceAccount ? { attestation: [['serviceAccount', email] as [string, string]] } : {}),
    };
  },
};
