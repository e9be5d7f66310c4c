/**
 * The scenario table: realistic tokens from every issuer family, each with the band a security
 * engineer triaging it would expect. Liveness is what the offline CLI reports (the clock only)
 * unless the row says otherwise; exposure is unknown unless the row gives one.
 */
import { describe, expect, it } from 'vitest';
import type { IssuerFamily } from '../../src/core/profile.js';
import type { Exposure, Liveness, Severity } from '../../src/core/types.js';
import { DAY, EXTERNAL_CHANNEL, HOUR, LIVE, MIN, PRIVATE_CHANNEL, PUBLIC_REPO, T, YEAR, guid, scoreJwt, sum } from './support.js';

interface Row {
  name: string;
  family: IssuerFamily;
  claims: Record<string, unknown>;
  header?: Record<string, unknown>;
  exposures?: Exposure[];
  liveness?: Liveness;
  band: Severity;
}

const GA = '62e90394-69f5-4237-9190-012177145e10';
const DEFAULT_USER_ROLE = 'b79fbf4d-3ef9-4689-8143-76b194e85509';
const GRAPH = '00000003-0000-0000-c000-000000000000';
const tid = guid();
const client = guid();
const entraV2 = (extra: Record<string, unknown>) => ({
  iss: `https://login.microsoftonline.com/${tid}/v2.0`,
  ver: '2.0',
  tid,
  oid: guid(),
  sub: 'Aq3s9kYg0hXmZ2',
  azp: client,
  azpacr: '0',
  iat: T - 15 * MIN,
  nbf: T - 15 * MIN,
  exp: T + 60 * MIN,
  ...extra,
});
const BIG_CHANNEL: Exposure = { visibility: 'private', audience: 50, label: '#eng' };

const rows: Row[] = [
  // Microsoft Entra ID
  {
    name: 'Entra v2 user token, Graph User.Read, 1 h, small private channel',
    family: 'entra-v2',
    claims: entraV2({ aud: GRAPH, scp: 'User.Read openid profile email', preferred_username: 'alice@contoso-corp.io', wids: [DEFAULT_USER_ROLE] }),
    exposures: [PRIVATE_CHANNEL],
    band: 'low',
  },
  {
    name: 'Entra v2 Global Administrator on Graph, 1 h, small private channel',
    family: 'entra-v2',
    claims: entraV2({ aud: GRAPH, scp: 'Directory.AccessAsUser.All', preferred_username: 'admin@contoso-corp.io', wids: [GA, DEFAULT_USER_ROLE] }),
    exposures: [PRIVATE_CHANNEL],
    band: 'high',
  },
  {
    name: 'Entra v1 app-only Graph token with RoleManagement.ReadWrite.Directory in a public repo',
    family: 'entra-v1',
    claims: {
      iss: `https://sts.windows.net/${tid}/`,
      aud: 'https://graph.microsoft.com',
      tid,
      appid: client,
      appidacr: '1',
      idtyp: 'app',
      oid: 'svc-oid',
      sub: 'svc-oid',
      roles: ['RoleManagement.ReadWrite.Directory'],
      iat: T - 10 * MIN,
      exp: T + 70 * MIN,
    },
    exposures: [PUBLIC_REPO],
    band: 'critical',
  },
  {
    name: 'Entra v2 Azure Resource Manager user_impersonation, 1 h',
    family: 'entra-v2',
    claims: entraV2({ aud: 'https://management.azure.com/', scp: 'user_impersonation', preferred_username: 'bob@contoso-corp.io' }),
    band: 'medium',
  },
  {
    name: 'Entra v2 Global Administrator, expired an hour ago',
    family: 'entra-v2',
    claims: entraV2({ aud: GRAPH, scp: 'Directory.AccessAsUser.All', wids: [GA], iat: T - 3 * HOUR, nbf: T - 3 * HOUR, exp: T - HOUR }),
    exposures: [PUBLIC_REPO],
    band: 'low',
  },
  {
    name: 'Entra v2 token with millisecond timestamps, User.Read',
    family: 'entra-v2',
    claims: entraV2({ aud: GRAPH, scp: 'User.Read', iat: (T - MIN) * 1000, nbf: (T - MIN) * 1000, exp: (T + HOUR) * 1000 }),
    band: 'low',
  },
  // Auth0
  {
    name: 'Auth0 M2M Management API token with user and client write scopes, 50-person channel',
    family: 'auth0',
    claims: {
      iss: 'https://acme.eu.auth0.com/',
      sub: `${client}@clients`,
      aud: 'https://acme.eu.auth0.com/api/v2/',
      azp: client,
      gty: 'client-credentials',
      scope: 'read:users update:users delete:users create:clients',
      iat: T - HOUR,
      exp: T + 23 * HOUR,
    },
    exposures: [BIG_CHANNEL],
    band: 'high',
  },
  {
    name: 'Auth0 user access token for a custom API with read permission, 2 h',
    family: 'auth0',
    claims: { iss: 'https://acme.us.auth0.com/', sub: 'auth0|6630bd0e6a1', aud: ['https://orders.acme.io', 'https://acme.us.auth0.com/userinfo'], azp: client, scope: 'openid', permissions: ['read:orders'], iat: T, exp: T + 2 * HOUR },
    band: 'low',
  },
  {
    name: 'Auth0 ID token of a single-page app',
    family: 'auth0',
    claims: { iss: 'https://acme.us.auth0.com/', sub: 'auth0|6630bd0e6a1', aud: client, nonce: 'n-0S6_WzA2Mj', email: 'carol@acme.io', name: 'Carol', iat: T, exp: T + 10 * HOUR },
    band: 'low',
  },
  // Okta
  {
    name: 'Okta org authorization server, client credentials with okta.*.manage, externally shared channel',
    family: 'okta',
    claims: { ver: 1, jti: 'AT.aB3dE5fG7hI9', iss: 'https://acme.okta.com', aud: 'https://acme.okta.com', cid: client, sub: client, scp: ['okta.users.manage', 'okta.apps.manage'], iat: T - 5 * MIN, exp: T + 55 * MIN },
    exposures: [EXTERNAL_CHANNEL],
    band: 'high',
  },
  {
    name: 'Okta developer org, user token with openid profile',
    family: 'okta',
    claims: { ver: 1, jti: 'AT.zY8xW6vU4', iss: 'https://dev-482913.okta.com/oauth2/default', aud: 'api://default', cid: client, uid: '00u1abcd', sub: 'dana@acme.io', scp: ['openid', 'profile'], iat: T, exp: T + 30 * MIN },
    band: 'low',
  },
  // Keycloak
  {
    name: 'Keycloak master-realm admin, 5 minutes, small private channel',
    family: 'keycloak',
    claims: { iss: 'https://sso.acme.io/realms/master', typ: 'Bearer', azp: 'admin-cli', sub: guid(), preferred_username: 'admin', realm_access: { roles: ['admin', 'create-realm'] }, iat: T, exp: T + 5 * MIN + 30 },
    exposures: [PRIVATE_CHANNEL],
    band: 'medium',
  },
  {
    name: 'Keycloak offline token in the prod realm, 30 days',
    family: 'keycloak',
    claims: { iss: 'https://sso.acme.io/realms/prod', typ: 'Offline', azp: 'web', sub: guid(), scope: 'openid offline_access', realm_access: { roles: ['offline_access', 'uma_authorization', 'default-roles-prod'] }, iat: T, exp: T + 30 * DAY + HOUR },
    band: 'medium',
  },
  {
    name: 'Keycloak service account with realm-management manage-users in staging',
    family: 'keycloak',
    claims: { iss: 'https://sso.acme.io/realms/staging', typ: 'Bearer', azp: 'provisioner', sub: guid(), preferred_username: 'service-account-provisioner', resource_access: { 'realm-management': { roles: ['manage-users', 'view-users'] } }, iat: T, exp: T + 5 * MIN + 30 },
    band: 'medium',
  },
  // AWS Cognito
  {
    name: 'Cognito access token with the self-service admin scope',
    family: 'cognito',
    claims: { iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab12Cd34E', token_use: 'access', client_id: client, username: 'erin', sub: guid(), scope: 'aws.cognito.signin.user.admin', iat: T, exp: T + HOUR },
    band: 'low',
  },
  {
    name: 'Cognito ID token in the admins group with an IAM admin role, public repo',
    family: 'cognito',
    claims: {
      iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Zy98Xw76V',
      token_use: 'id',
      aud: client,
      sub: guid(),
      'cognito:username': 'frank',
      'cognito:groups': ['admins'],
      'cognito:roles': ['arn:aws:iam::123456789012:role/ProdAdmin'],
      email: 'frank@acme.io',
      iat: T,
      exp: T + HOUR,
    },
    exposures: [PUBLIC_REPO],
    band: 'high',
  },
  {
    name: 'Cognito client-credentials token with write scopes',
    family: 'cognito',
    claims: { iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab12Cd34E', token_use: 'access', client_id: client, sub: client, scope: 'orders/read orders/write', iat: T, exp: T + HOUR },
    band: 'low',
  },
  // Google
  {
    name: 'Google service-account ID token for a Cloud Run service in a prod project',
    family: 'google',
    claims: { iss: 'https://accounts.google.com', aud: 'https://billing-7hx2k4-uc.a.run.app', azp: '104729384756102938475', sub: '104729384756102938475', email: 'deployer@acme-prod.iam.gserviceaccount.com', email_verified: true, iat: T, exp: T + HOUR },
    band: 'medium',
  },
  {
    name: 'Google user ID token, expired',
    family: 'google',
    claims: { iss: 'https://accounts.google.com', aud: `${client}.apps.googleusercontent.com`, sub: '110169484474386276334', email: 'gina@gmail.com', iat: T - 2 * HOUR, exp: T - HOUR },
    band: 'info',
  },
  // Kubernetes
  {
    name: 'Kubernetes legacy kube-system token (no exp), small private channel',
    family: 'k8s-legacy',
    claims: {
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': 'kube-system',
      'kubernetes.io/serviceaccount/secret.name': 'clusterrole-aggregation-controller-token-x7k2p',
      'kubernetes.io/serviceaccount/service-account.name': 'clusterrole-aggregation-controller',
      'kubernetes.io/serviceaccount/service-account.uid': guid(),
      sub: 'system:serviceaccount:kube-system:clusterrole-aggregation-controller',
    },
    exposures: [PRIVATE_CHANNEL],
    band: 'high',
  },
  {
    name: 'Kubernetes projected token of a dev pod, 1 h',
    family: 'k8s-bound',
    claims: {
      iss: 'https://oidc.eks.eu-west-1.amazonaws.com/id/4F9A0C',
      aud: ['sts.amazonaws.com'],
      sub: 'system:serviceaccount:dev:web',
      'kubernetes.io': { namespace: 'dev', serviceaccount: { name: 'web', uid: guid() }, pod: { name: 'web-7d9f-abcde', uid: guid() } },
      iat: T,
      nbf: T,
      exp: T + HOUR,
    },
    band: 'low',
  },
  {
    name: 'Kubernetes compatibility token (warnafter) in a prod namespace, 1 year',
    family: 'k8s-bound',
    claims: {
      iss: 'https://kubernetes.default.svc.cluster.local',
      aud: ['https://kubernetes.default.svc.cluster.local'],
      sub: 'system:serviceaccount:payments-prod:api',
      'kubernetes.io': { namespace: 'payments-prod', serviceaccount: { name: 'api', uid: guid() }, pod: { name: 'api-0', uid: guid() }, warnafter: T + HOUR },
      iat: T,
      exp: T + YEAR + DAY,
    },
    // A year of validity in production, but RBAC is not in the token: medium until a cluster lookup says more.
    band: 'medium',
  },
  {
    name: 'Kubernetes legacy token of the default service account',
    family: 'k8s-legacy',
    claims: {
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': 'default',
      'kubernetes.io/serviceaccount/secret.name': 'default-token-abcde',
      'kubernetes.io/serviceaccount/service-account.name': 'default',
      sub: 'system:serviceaccount:default:default',
    },
    band: 'medium',
  },
  // GitHub Actions OIDC
  {
    name: 'GitHub Actions OIDC for the production environment on main, public repository',
    family: 'github-actions',
    claims: {
      iss: 'https://token.actions.githubusercontent.com',
      aud: 'sts.amazonaws.com',
      sub: 'repo:acme/deployer:environment:production',
      repository: 'acme/deployer',
      repository_owner: 'acme',
      repository_visibility: 'public',
      ref: 'refs/heads/main',
      environment: 'production',
      event_name: 'push',
      job_workflow_ref: 'acme/deployer/.github/workflows/deploy.yml@refs/heads/main',
      runner_environment: 'github-hosted',
      iat: T,
      exp: T + 5 * MIN + 30,
    },
    exposures: [PUBLIC_REPO],
    band: 'medium',
  },
  {
    name: 'GitHub Actions OIDC of a pull_request run',
    family: 'github-actions',
    claims: {
      iss: 'https://token.actions.githubusercontent.com',
      aud: 'https://github.com/acme',
      sub: 'repo:acme/site:pull_request',
      repository: 'acme/site',
      event_name: 'pull_request',
      ref: 'refs/pull/42/merge',
      job_workflow_ref: 'acme/site/.github/workflows/ci.yml@refs/pull/42/merge',
      runner_environment: 'github-hosted',
      iat: T,
      exp: T + 5 * MIN + 30,
    },
    band: 'info',
  },
  // SPIFFE
  {
    name: 'SPIFFE JWT-SVID in the prod trust domain, three audiences, 5 minutes',
    family: 'spiffe',
    claims: { sub: 'spiffe://prod.acme.io/ns/payments/sa/api', aud: ['ledger', 'billing', 'audit'], iat: T, exp: T + 5 * MIN + 30 },
    header: { alg: 'ES256', typ: 'JOSE', kid: 'k1' },
    band: 'low',
  },
  {
    name: 'SPIFFE JWT-SVID in a dev trust domain, expired',
    family: 'spiffe',
    claims: { sub: 'spiffe://dev.acme.io/ns/web/sa/frontend', aud: ['api'], iat: T - HOUR, exp: T - 55 * MIN },
    band: 'info',
  },
  // Supabase
  {
    name: 'Supabase service_role key (10-year exp) in a public repo',
    family: 'supabase',
    claims: { iss: 'supabase', ref: 'qwertyuiopasdfgh', role: 'service_role', iat: T - DAY, exp: T + 10 * YEAR },
    header: { alg: 'HS256', typ: 'JWT' },
    exposures: [PUBLIC_REPO],
    band: 'critical',
  },
  {
    name: 'Supabase anon key in a public repo (public by design)',
    family: 'supabase',
    claims: { iss: 'supabase', ref: 'qwertyuiopasdfgh', role: 'anon', iat: T - DAY, exp: T + 10 * YEAR },
    header: { alg: 'HS256', typ: 'JWT' },
    exposures: [PUBLIC_REPO],
    band: 'low',
  },
  {
    name: 'Supabase user session, 1 h',
    family: 'supabase',
    claims: { iss: 'https://qwertyuiopasdfgh.supabase.co/auth/v1', aud: 'authenticated', role: 'authenticated', aal: 'aal1', session_id: guid(), is_anonymous: false, sub: guid(), email: 'hana@acme.io', iat: T, exp: T + HOUR },
    header: { alg: 'HS256', typ: 'JWT' },
    band: 'low',
  },
  // Firebase
  {
    name: 'Firebase ID token with admin custom claim in a prod project, small private channel',
    family: 'firebase',
    claims: { iss: 'https://securetoken.google.com/acme-prod', aud: 'acme-prod', auth_time: T, user_id: 'u1', sub: 'u1', email: 'ivan@acme.io', admin: true, firebase: { sign_in_provider: 'password', identities: {} }, iat: T, exp: T + HOUR },
    exposures: [PRIVATE_CHANNEL],
    band: 'medium',
  },
  {
    name: 'Firebase anonymous sign-in in a dev project',
    family: 'firebase',
    claims: { iss: 'https://securetoken.google.com/acme-dev', aud: 'acme-dev', auth_time: T, user_id: 'anon1', sub: 'anon1', firebase: { sign_in_provider: 'anonymous', identities: {} }, iat: T, exp: T + HOUR },
    band: 'info',
  },
  // Hasura
  {
    name: 'Hasura claims on a custom issuer with admin among allowed roles',
    family: 'hasura',
    claims: {
      iss: 'https://auth.acme.io/',
      sub: 'u-42',
      'https://hasura.io/jwt/claims': { 'x-hasura-allowed-roles': ['user', 'admin'], 'x-hasura-default-role': 'user', 'x-hasura-user-id': 'u-42' },
      iat: T,
      exp: T + HOUR,
    },
    band: 'medium',
  },
  {
    name: 'Hasura stringified claims, user role only',
    family: 'hasura',
    claims: {
      iss: 'https://auth.acme.io/',
      sub: 'u-43',
      'https://hasura.io/jwt/claims': JSON.stringify({ 'x-hasura-allowed-roles': ['user'], 'x-hasura-default-role': 'user', 'x-hasura-user-id': 'u-43' }),
      iat: T,
      exp: T + HOUR,
    },
    band: 'low',
  },
  // Generic RFC 9068 / OIDC
  {
    name: 'RFC 9068 access token with a read scope, 5 minutes, small private channel',
    family: 'generic',
    header: { alg: 'RS256', typ: 'at+jwt' },
    claims: { iss: 'https://as.acme.io', aud: 'https://orders.acme.io', sub: 'user-17', client_id: client, scope: 'orders:read', jti: 'j1', iat: T, exp: T + 5 * MIN + 30 },
    exposures: [PRIVATE_CHANNEL],
    band: 'low',
  },
  {
    name: 'Wildcard scope and tenant, prod API, no exp, public repo',
    family: 'generic',
    header: { alg: 'RS256', typ: 'at+jwt' },
    claims: { iss: 'https://as.acme.io', aud: 'https://api.prod.acme.io', sub: 'svc-build', client_id: 'svc-build', scope: '*', tenant: '*', iat: T - YEAR },
    exposures: [PUBLIC_REPO],
    band: 'critical',
  },
  {
    name: 'DPoP proof (not a bearer credential)',
    family: 'generic',
    header: { alg: 'ES256', typ: 'dpop+jwt', jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } },
    claims: { jti: 'p1', htm: 'POST', htu: 'https://api.prod.acme.io/token', iat: T },
    exposures: [PUBLIC_REPO],
    band: 'info',
  },
  {
    name: 'Security event token',
    family: 'generic',
    header: { alg: 'RS256', typ: 'secevent+jwt' },
    claims: { iss: 'https://idp.acme.io', aud: 'https://rp.acme.io', jti: 's1', iat: T, events: { 'https://schemas.openid.net/secevent/caep/event-type/session-revoked': { subject: { format: 'opaque', id: 'x' } } } },
    band: 'info',
  },
  {
    name: 'OIDC back-channel logout token',
    family: 'generic',
    header: { alg: 'RS256', typ: 'logout+jwt' },
    claims: { iss: 'https://idp.acme.io', aud: client, sub: 'u1', sid: 's1', jti: 'l1', iat: T, exp: T + 2 * MIN, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } },
    band: 'info',
  },
  {
    name: 'DPoP-bound admin access token in prod, 1 h',
    family: 'generic',
    header: { alg: 'ES256', typ: 'at+jwt' },
    claims: { iss: 'https://as.acme.io', aud: 'https://admin.prod.acme.io', sub: 'ops-1', client_id: client, scope: 'admin', cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' }, iat: T, exp: T + HOUR },
    band: 'low',
  },
  {
    name: 'Access token embedding a client secret and a password, 1 day',
    family: 'generic',
    claims: { iss: 'https://as.acme.io', aud: 'https://reports.acme.io', sub: 'svc-r', client_id: client, scope: 'reports:read', client_secret: 'Zk4…Qm1x[40 chars]', db_password: 'hunter2-but-longer', iat: T, exp: T + DAY + HOUR },
    band: 'medium',
  },
  {
    name: 'Access token with an env=production claim and write scopes, 30 days',
    family: 'generic',
    claims: { iss: 'https://as.acme.io', aud: 'https://ledger.acme.io', sub: 'u-9', client_id: client, scope: 'ledger:write', env: 'production', iat: T, exp: T + 30 * DAY + HOUR },
    band: 'medium',
  },
  {
    name: 'Verified-live Okta org admin token in a public repo',
    family: 'okta',
    claims: { ver: 1, jti: 'AT.qW2eR4tY6', iss: 'https://acme.okta.com', aud: 'https://acme.okta.com', cid: client, uid: '00u9', sub: 'root@acme.io', scp: ['okta.users.manage', 'okta.groups.manage'], iat: T, exp: T + HOUR },
    exposures: [PUBLIC_REPO],
    liveness: LIVE,
    band: 'critical',
  },
];

describe('scenario table: expected band per token', () => {
  it('has at least 40 tokens covering every issuer family', () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
    const families = new Set(rows.map((r) => r.family));
    for (const f of ['entra-v1', 'entra-v2', 'auth0', 'okta', 'keycloak', 'cognito', 'google', 'k8s-bound', 'k8s-legacy', 'github-actions', 'spiffe', 'supabase', 'firebase', 'hasura', 'generic'] as const) {
      expect(families, f).toContain(f);
    }
  });

  it.each(rows)('$name ⇒ $band', (row) => {
    const br = scoreJwt(row.claims, { ...(row.header ? { header: row.header } : {}), ...(row.exposures ? { exposures: row.exposures } : {}), ...(row.liveness ? { liveness: row.liveness } : {}) });
    const explain = br.factors.map((f) => `${f.id} ${f.points}: ${f.reason}`).join('\n');
    expect(br.profile.issuerFamily, explain).toBe(row.family);
    expect(br.severity, `score ${br.score}\n${explain}`).toBe(row.band);
    expect(sum(br)).toBe(br.score);
  });
});
