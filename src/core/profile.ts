/**
 * TokenProfile: what a token's claims say it can do, normalised across issuer families so the
 * scorer, the console and the API read one shape whatever issued the token. Built by
 * `src/score/profile.ts` from decoded (masked) claims; never contains a raw secret.
 */
import { z } from 'zod';

export const IssuerFamilySchema = z.enum([
  'entra-v1',
  'entra-v2',
  'auth0',
  'okta',
  'keycloak',
  'cognito',
  'google',
  'k8s-bound',
  'k8s-legacy',
  'github-actions',
  'spiffe',
  'supabase',
  'firebase',
  'hasura',
  'generic',
]);
export type IssuerFamily = z.infer<typeof IssuerFamilySchema>;

export const TokenUseSchema = z.enum([
  'access',
  'id',
  'refresh',
  'service-account',
  'api-key',
  'dpop-proof',
  'set',
  'logout',
  'unknown',
]);
export type TokenUse = z.infer<typeof TokenUseSchema>;

export const SubjectTypeSchema = z.enum(['user', 'service', 'automation', 'anonymous', 'unknown']);
export type SubjectType = z.infer<typeof SubjectTypeSchema>;

export const PrivilegeLevelSchema = z.enum(['none', 'read', 'write', 'admin', 'owner']);
export type PrivilegeLevel = z.infer<typeof PrivilegeLevelSchema>;
export const PRIVILEGE_ORDER: readonly PrivilegeLevel[] = ['none', 'read', 'write', 'admin', 'owner'];

export const PrivilegeSchema = z.object({
  /** The scope / role / group / permission / role-template id as the token states it. */
  name: z.string(),
  source: z.enum(['scope', 'role', 'group', 'permission', 'directory-role', 'claim']),
  level: PrivilegeLevelSchema,
  /** Why this level: "Entra Global Administrator", "matches admin vocabulary 'realm-admin'". */
  why: z.string().optional(),
});
export type Privilege = z.infer<typeof PrivilegeSchema>;

export const EnvironmentSchema = z.enum(['prod', 'staging', 'dev', 'test', 'unknown']);
export type Environment = z.infer<typeof EnvironmentSchema>;

export const TokenProfileSchema = z.object({
  issuerFamily: IssuerFamilySchema,
  issuer: z.string().optional(),
  tokenUse: TokenUseSchema,
  subjectType: SubjectTypeSchema,
  subject: z.string().optional(),
  clientId: z.string().optional(),
  tenants: z.array(z.string()),
  audiences: z.array(z.string()),
  privileges: z.array(PrivilegeSchema),
  /** Highest level among `privileges`. */
  privilegeLevel: PrivilegeLevelSchema,
  environment: EnvironmentSchema,
  environmentEvidence: z.string().optional(),
  lifetime: z.object({
    issuedAt: z.string().optional(),
    notBefore: z.string().optional(),
    expiresAt: z.string().optional(),
    totalSeconds: z.number().optional(),
    remainingSeconds: z.number().optional(),
    /** True when the token has no `exp`: valid until someone revokes it. */
    unbounded: z.boolean(),
    /** True when time claims were in milliseconds (an issuer bug) and were converted. */
    millisecondTimestamps: z.boolean().optional(),
  }),
  binding: z.object({
    bound: z.boolean(),
    method: z.enum(['dpop', 'mtls', 'jwk', 'other']).optional(),
  }),
  /** RFC 8693 `act` chain, current (outermost) actor first. */
  delegation: z.array(z.string()),
  /** Workload attestation facts: repository, ref, environment, job_workflow_ref, namespace, pod, spiffe id. */
  attestation: z.record(z.string(), z.string()),
  /** NHI-02: secrets, credentials, PII or bulk inside claims. */
  overEnrichment: z.array(
    z.object({
      claim: z.string(),
      kind: z.enum(['secret', 'credential', 'pii', 'size']),
      detail: z.string(),
    }),
  ),
  /** Set when the token is meant to be public (Supabase anon key, Firebase web key). */
  publicByDesign: z.string().optional(),
  /** Notes a responder should read ("Graph tokens fail third-party signature checks by design"). */
  notes: z.array(z.string()),
});
export type TokenProfile = z.infer<typeof TokenProfileSchema>;
