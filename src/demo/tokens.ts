/**
 * The demo's planted tokens, built at run time: random bodies, real checksums, JWTs with fresh
 * times and random signatures (no key could ever verify them, and no issuer knows them). Nothing
 * token-shaped is committed: a literal here would be flagged by our own scanner.
 *
 * The set spans every severity on purpose: an Entra Global Administrator token pasted into an
 * externally shared channel (critical), an Okta admin token and live cloud keys (high), a GitHub
 * token in git history (medium to high), a short read-only token (low) and an expired one (info).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ALNUM, BASE32, BASE64, base62ChecksumToken, randomBody } from '../detect/rules/gen.js';
import { plausibleAwsSecret } from '../detect/rules/aws.js';

const b64url = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A JWS-shaped token with a random signature of the right length for RS256. */
export function demoJwt(claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  return `${b64url({ alg: 'RS256', typ: 'JWT', kid: randomBytes(6).toString('hex'), ...header })}.${b64url(claims)}.${randomBytes(256).toString('base64url')}`;
}

const nonZeroDigits = (n: number): string => `${randomBody('123456789', 1)}${randomBody('0123456789', n - 1)}`;

export interface DemoTokens {
  entraGlobalAdmin: string;
  oktaAdmin: string;
  k8sLegacy: string;
  readOnly: string;
  expired: string;
  overEnriched: string;
  githubPat: string;
  slackBot: string;
  aws: { accessKeyId: string; secretAccessKey: string };
  stripeLive: string;
}

export function demoTokens(now: Date): DemoTokens {
  const t = Math.floor(now.getTime() / 1000);
  const tid = randomUUID();
  let secretAccessKey = randomBody(BASE64, 40);
  while (!plausibleAwsSecret(secretAccessKey)) secretAccessKey = randomBody(BASE64, 40);
  return {
    entraGlobalAdmin: demoJwt({
      aud: '00000003-0000-0000-c000-000000000000',
      iss: `https://login.microsoftonline.com/${tid}/v2.0`,
      iat: t - 600,
      nbf: t - 600,
      exp: t + 90 * 86_400,
      tid,
      oid: randomUUID(),
      sub: randomUUID(),
      azp: randomUUID(),
      ver: '2.0',
      name: 'Dana Ops',
      preferred_username: 'dana.ops@acme-corp.example',
      scp: 'Directory.ReadWrite.All User.ReadWrite.All RoleManagement.ReadWrite.Directory',
      wids: ['62e90394-69f5-4237-9190-012177145e10'],
      env: 'prod',
    }),
    oktaAdmin: demoJwt(
      {
        ver: 1,
        jti: `AT.${randomBytes(12).toString('base64url')}`,
        iss: 'https://acme-corp.okta.com/oauth2/default',
        aud: 'api://default',
        iat: t - 300,
        exp: t + 86_400,
        cid: randomBytes(10).toString('hex'),
        uid: randomBytes(10).toString('hex'),
        scp: ['okta.users.manage', 'okta.apps.manage', 'okta.groups.manage'],
        sub: 'deploy-bot@acme-corp.example',
        groups: ['Admins', 'Production-Deployers'],
      },
      { typ: 'application/okta-internal-at+jwt' },
    ),
    k8sLegacy: demoJwt({
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': 'kube-system',
      'kubernetes.io/serviceaccount/secret.name': 'ci-deployer-token-7x9kq',
      'kubernetes.io/serviceaccount/service-account.name': 'ci-deployer',
      'kubernetes.io/serviceaccount/service-account.uid': randomUUID(),
      sub: 'system:serviceaccount:kube-system:ci-deployer',
    }),
    readOnly: demoJwt({
      iss: 'https://auth.staging.acme-corp.example/',
      sub: 'docs-reader',
      aud: 'https://docs.staging.acme-corp.example',
      scope: 'read:docs',
      env: 'staging',
      iat: t - 120,
      exp: t + 4 * 3600,
    }),
    expired: demoJwt({
      iss: 'https://auth.acme-corp.example/',
      sub: 'old-session',
      aud: 'https://app.acme-corp.example',
      scope: 'profile',
      iat: t - 40 * 86_400,
      exp: t - 39 * 86_400,
    }),
    overEnriched: demoJwt({
      iss: 'https://sso.acme-corp.example/realms/internal',
      sub: randomUUID(),
      aud: 'billing-api',
      azp: 'billing-frontend',
      iat: t - 60,
      exp: t + 7 * 86_400,
      realm_access: { roles: ['billing-admin', 'offline_access'] },
      email: 'finance.lead@acme-corp.example',
      db_password: randomBody(ALNUM, 20),
      env: 'prod',
    }),
    githubPat: base62ChecksumToken('ghp_'),
    slackBot: `xoxb-${nonZeroDigits(12)}-${nonZeroDigits(13)}-${randomBody(ALNUM, 24)}`,
    aws: { accessKeyId: `AKIA${randomBody(BASE32, 16)}`, secretAccessKey },
    stripeLive: `sk_live_${randomBody(ALNUM, 99)}`,
  };
}
