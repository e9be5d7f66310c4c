/**
 * Options of blast-radius scoring (`score:` in the config file). Every weight, band threshold and
 * vocabulary the scorer uses lives here, validated by zod with defaults, so a team tunes scoring
 * without touching code. `config/default.yaml` documents each key.
 *
 * How the numbers combine is explained in `src/score/score.ts` (and the README): additive impact
 * factors, clamped to 0..100, then caps (hard rules), then multipliers (liveness, binding).
 */
import { z } from 'zod';
import { EnvironmentSchema, PrivilegeLevelSchema } from '../core/profile.js';
import { SeveritySchema } from '../core/types.js';

const Points = z.number().min(-100).max(100);
const Multiplier = z.number().min(0).max(1);
/**
 * A vocabulary pattern, matched case-insensitively. A single word (letters, digits, `_`) matches a
 * whole name or any segment of it (names are split on non-alphanumerics: `Mail.ReadWrite` →
 * `mail`, `readwrite`); anything else matches the whole name, where `*` stands for any run of
 * characters (`okta.*.manage`, `https://*.auth0.com/api/v2/`).
 */
const Pattern = z.string().min(1).max(300);
const Patterns = z.array(Pattern).max(2000);

const LevelVocabularySchema = z
  .object({
    owner: Patterns.default(['owner', 'owners', 'root', 'superuser', 'superadmin', 'super*admin', 'cluster-admin', 'god', 'global*admin*']),
    admin: Patterns.default([
      'admin',
      'admins',
      'administrator',
      'administrators',
      'manage',
      'impersonation',
      'impersonate',
      'sudo',
      'fullcontrol',
      'full*access',
      'privileged',
    ]),
    write: Patterns.default([
      'write',
      'writer',
      'readwrite',
      'update',
      'create',
      'delete',
      'edit',
      'editor',
      'modify',
      'put',
      'post',
      'patch',
      'send',
      'upload',
      'push',
      'publish',
      'deploy',
      'deployer',
      'rw',
      'execute',
      'exec',
      'invoke',
      'accessasuser',
      'contributor',
      'developer',
      'maintainer',
      'operator',
      'user_impersonation',
    ]),
    read: Patterns.default(['read', 'readonly', 'reader', 'get', 'list', 'view', 'viewer', 'openid', 'profile', 'email', 'phone', 'address', 'guest', 'basic']),
  })
  .strict();

const EntraRoleSchema = z
  .object({
    /** Directory role template id as it appears in `wids`. */
    id: z.string().regex(/^[0-9a-fA-F-]{36}$/, 'an Entra role template id is a GUID'),
    name: z.string().min(1),
    level: PrivilegeLevelSchema,
  })
  .strict();

/**
 * Entra built-in directory roles labelled "privileged" (template ids from the built-in roles
 * reference; see /work/shared/reference/jwt-claims.md). The default user role is listed with level
 * `none` so it is recognised rather than guessed. A `wids` id not listed here is levelled by
 * `unknownEntraRoleLevel`.
 */
export const DEFAULT_ENTRA_ROLES: Array<z.input<typeof EntraRoleSchema>> = [
  { id: '62e90394-69f5-4237-9190-012177145e10', name: 'Global Administrator', level: 'owner' },
  { id: 'e8611ab8-c189-46e8-94e1-60213ab1f814', name: 'Privileged Role Administrator', level: 'owner' },
  { id: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13', name: 'Privileged Authentication Administrator', level: 'owner' },
  { id: '194ae4cb-b126-40b2-bd5b-6091b380977d', name: 'Security Administrator', level: 'admin' },
  { id: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', name: 'Application Administrator', level: 'admin' },
  { id: '158c047a-c907-4556-b7ef-446551a6b5f7', name: 'Cloud Application Administrator', level: 'admin' },
  { id: 'fe930be7-5e62-47db-91af-98c3a49a38b1', name: 'User Administrator', level: 'admin' },
  { id: 'c4e39bd9-1100-46d3-8c65-fb160da0071f', name: 'Authentication Administrator', level: 'admin' },
  { id: 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9', name: 'Conditional Access Administrator', level: 'admin' },
  { id: '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2', name: 'Hybrid Identity Administrator', level: 'admin' },
  { id: '3a2c62db-5318-420d-8d74-23affee5d9d5', name: 'Intune Administrator', level: 'admin' },
  { id: '729827e3-9c14-49f7-bb1b-9608f156bbb8', name: 'Helpdesk Administrator', level: 'admin' },
  { id: '966707d0-3269-4727-9be2-8c3a10f19b9d', name: 'Password Administrator', level: 'admin' },
  { id: 'd29b2b05-8046-44ba-8758-1e26182fcf32', name: 'Directory Synchronization Accounts', level: 'admin' },
  { id: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', name: 'Global Reader', level: 'read' },
  { id: 'b79fbf4d-3ef9-4689-8143-76b194e85509', name: 'default user role', level: 'none' },
];

/** High-risk Microsoft Graph application permissions (in an app-only token's `roles`). */
export const DEFAULT_GRAPH_APP_PERMISSIONS: Array<{ name: string; level: z.infer<typeof PrivilegeLevelSchema> }> = [
  { name: 'RoleManagement.ReadWrite.Directory', level: 'owner' },
  { name: 'AppRoleAssignment.ReadWrite.All', level: 'owner' },
  { name: 'Application.ReadWrite.All', level: 'admin' },
  { name: 'Directory.ReadWrite.All', level: 'admin' },
  { name: 'User.ReadWrite.All', level: 'admin' },
  { name: 'Mail.ReadWrite', level: 'admin' },
  { name: 'Files.ReadWrite.All', level: 'admin' },
  { name: 'Sites.FullControl.All', level: 'admin' },
];

const VocabularySchema = z
  .object({
    /** Words and patterns that put a scope / role / group / permission at a privilege level. Highest level wins. */
    levels: LevelVocabularySchema.prefault({}),
    /** Checked before `levels`, first match wins: names that look privileged but are not (or the reverse). */
    overrides: z
      .array(z.object({ pattern: Pattern, level: PrivilegeLevelSchema }).strict())
      .default([
        // Cognito: lets a signed-in user call the user-pool API on their own account only.
        { pattern: 'aws.cognito.signin.user.admin', level: 'write' },
        // Entra: the standard delegated scope "access the API as the signed-in user".
        { pattern: 'user_impersonation', level: 'write' },
        { pattern: 'offline_access', level: 'read' },
      ]),
    /** Level of a name that matches nothing above. */
    unknownLevel: PrivilegeLevelSchema.default('read'),
    /** Entra directory roles (`wids`): template id → name and level. */
    entraDirectoryRoles: z.array(EntraRoleSchema).default(DEFAULT_ENTRA_ROLES),
    /** Level of a `wids` template id not in `entraDirectoryRoles` (every other built-in role is some administrator). */
    unknownEntraRoleLevel: PrivilegeLevelSchema.default('write'),
    /** Microsoft Graph application permissions that are dangerous in an app-only token. */
    graphAppPermissions: z.array(z.object({ name: z.string().min(1), level: PrivilegeLevelSchema }).strict()).default(DEFAULT_GRAPH_APP_PERMISSIONS),
    /** Audiences that are administration APIs (whole-name patterns): a token for one of them raises the score. */
    adminAudiences: Patterns.default([
      'https://graph.microsoft.com',
      'https://graph.microsoft.com/',
      '00000003-0000-0000-c000-000000000000',
      'https://management.azure.com',
      'https://management.azure.com/',
      'https://management.core.windows.net/',
      '797f4846-ba00-4fd7-ba43-dac1f8f63013',
      'https://*.auth0.com/api/v2/',
      'https://*.okta.com',
      'https://*.okta.com/',
      'https://kubernetes.default.svc',
      'https://kubernetes.default.svc.cluster.local',
      'https://iam.googleapis.com/*',
      'https://www.googleapis.com/auth/cloud-platform',
    ]),
    /** Tenant values (exact, case-insensitive — not patterns) that mean "any tenant" (wildcard breadth). */
    wildcardTenants: Patterns.default(['*', 'all', 'any', 'common', 'organizations']),
  })
  .strict();

const EnvironmentVocabularySchema = z
  .object({
    prod: Patterns.default(['prod', 'production', 'prd', 'live', 'prod-*']),
    staging: Patterns.default(['staging', 'stage', 'stg', 'preprod', 'pre-prod', 'uat', 'preview']),
    dev: Patterns.default(['dev', 'develop', 'development', 'sandbox', 'localhost', 'pull_request']),
    test: Patterns.default(['test', 'testing', 'qa', 'ci', 'e2e', 'example', 'demo']),
  })
  .strict();

const LifetimeTierSchema = z.object({ minSeconds: z.number().int().min(0), points: Points }).strict();

const WeightsSchema = z
  .object({
    privilege: z
      .object({ none: Points.default(0), read: Points.default(8), write: Points.default(18), admin: Points.default(32), owner: Points.default(45) })
      .strict()
      .prefault({}),
    subject: z
      .object({ user: Points.default(0), service: Points.default(5), automation: Points.default(4), anonymous: Points.default(-8), unknown: Points.default(0) })
      .strict()
      .prefault({}),
    tokenUse: z
      .object({
        access: Points.default(0),
        id: Points.default(-3),
        refresh: Points.default(8),
        'service-account': Points.default(4),
        'api-key': Points.default(4),
        'dpop-proof': Points.default(0),
        set: Points.default(0),
        logout: Points.default(0),
        unknown: Points.default(0),
      })
      .strict()
      .prefault({}),
    breadth: z
      .object({
        perExtraAudience: Points.default(3),
        maxAudiences: Points.default(9),
        perExtraTenant: Points.default(4),
        maxTenants: Points.default(12),
        wildcardTenant: Points.default(12),
        wildcardScope: Points.default(10),
        wildcardAudience: Points.default(10),
        adminAudience: Points.default(10),
      })
      .strict()
      .prefault({}),
    /** Added once when a tenant, audience, issuer or environment is on the crown-jewel lists. */
    crownJewel: Points.default(15),
    lifetime: z
      .object({
        /** No `exp`: valid until someone revokes it. */
        unbounded: Points.default(20),
        /** Remaining lifetime tiers, first tier whose `minSeconds` the remaining time reaches wins. */
        tiers: z
          .array(LifetimeTierSchema)
          .min(1)
          .default([
            { minSeconds: 365 * 86400, points: 18 },
            { minSeconds: 30 * 86400, points: 15 },
            { minSeconds: 86400, points: 11 },
            { minSeconds: 3600, points: 7 },
            { minSeconds: 300, points: 4 },
            { minSeconds: 0, points: 2 },
          ]),
        /** Already past `exp`. */
        expired: Points.default(0),
      })
      .strict()
      .prefault({}),
    environment: z
      .object({ prod: Points.default(15), staging: Points.default(5), dev: Points.default(-5), test: Points.default(-8), unknown: Points.default(5) })
      .strict()
      .prefault({}),
    exposure: z
      .object({
        public: Points.default(25),
        'shared-external': Points.default(15),
        private: Points.default(4),
        unknown: Points.default(5),
        /** Added to `private` / `shared-external` by audience size: first tier reached wins. */
        audienceTiers: z
          .array(z.object({ atLeast: z.number().int().min(0), points: Points }).strict())
          .default([
            { atLeast: 1000, points: 8 },
            { atLeast: 100, points: 5 },
            { atLeast: 20, points: 2 },
          ]),
        /** Per additional place the token was seen, up to `maxSpread`. */
        perExtraPlace: Points.default(2),
        maxSpread: Points.default(6),
      })
      .strict()
      .prefault({}),
    delegation: z.object({ perActor: Points.default(3), max: Points.default(6) }).strict().prefault({}),
    overEnrichment: z
      .object({ secret: Points.default(15), credential: Points.default(15), pii: Points.default(6), size: Points.default(4), max: Points.default(25) })
      .strict()
      .prefault({}),
    /** Non-JWT credentials, scored from their rule's `reach`. */
    credential: z
      .object({
        /** A credential is a complete bearer secret usable as-is. */
        baseline: Points.default(6),
        lifetime: z
          .object({ minutes: Points.default(2), hours: Points.default(6), days: Points.default(10), months: Points.default(15), unbounded: Points.default(20) })
          .strict()
          .prefault({}),
        /** Private key protected by a passphrase: the remaining share of the score. */
        encryptedKeyMultiplier: Multiplier.default(0.5),
        /** Database / service URL whose host is on the public internet. */
        publicHost: Points.default(6),
        /** … or only on a private network (RFC 1918, `.internal`, `.local`, cluster DNS). */
        privateHost: Points.default(-6),
        /** Both halves of a pair (AWS key id + secret) leaked together. */
        completePair: Points.default(4),
      })
      .strict()
      .prefault({}),
    /** Share of the score a sender-constrained token (`cnf`) keeps: it cannot be replayed without its key. */
    binding: z.object({ multiplier: Multiplier.default(0.6) }).strict().prefault({}),
    /** Share of the score kept per liveness state. `unverifiable` must stay below `live`. */
    liveness: z
      .object({
        live: Multiplier.default(1),
        unverifiable: Multiplier.default(0.9),
        unknown: Multiplier.default(0.9),
        'not-yet-valid': Multiplier.default(0.9),
        expired: Multiplier.default(0.5),
        revoked: Multiplier.default(0.3),
        'invalid-signature': Multiplier.default(0.3),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const BandsSchema = z
  .object({
    /** Lowest score of each band; `info` starts at 0. */
    low: z.number().int().min(1).max(100).default(15),
    medium: z.number().int().min(1).max(100).default(40),
    high: z.number().int().min(1).max(100).default(65),
    critical: z.number().int().min(1).max(100).default(85),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (!(b.low < b.medium && b.medium < b.high && b.high < b.critical)) {
      ctx.addIssue({ code: 'custom', message: 'band thresholds must increase: low < medium < high < critical' });
    }
  });

const CapsSchema = z
  .object({
    /** Expired, revoked or invalid-signature tokens score at most this band. */
    inactive: SeveritySchema.default('low'),
    /** Tokens meant to be public (Supabase anon key, Firebase web key, publishable keys). */
    publicByDesign: SeveritySchema.default('low'),
    /** Test-mode / sandbox credentials (Stripe `sk_test_`). */
    testMode: SeveritySchema.default('low'),
    /** JOSE objects that grant nothing by themselves: DPoP proofs, security event tokens, logout tokens. */
    nonBearer: SeveritySchema.default('info'),
  })
  .strict();

const CrownJewelsSchema = z
  .object({
    /** Tenants (Entra tid, Auth0/Okta org, Keycloak realm, Cognito pool, GCP/Firebase project, …). Patterns. */
    tenants: Patterns.default([]),
    /** Audiences (APIs) whose compromise is critical for you. Patterns. */
    audiences: Patterns.default([]),
    /** Issuers. Patterns. */
    issuers: Patterns.default([]),
    environments: z.array(EnvironmentSchema).default([]),
  })
  .strict();

const OverEnrichmentSchema = z
  .object({
    /** More claims (counting nested members) than this is over-enrichment of kind `size`. */
    maxClaims: z.number().int().min(1).default(60),
    /** More bytes of claim names and values than this is `size`. */
    maxBytes: z.number().int().min(64).default(8192),
    /** Nesting deeper than this is `size`. */
    maxDepth: z.number().int().min(1).default(6),
    /** An array longer than this is `size` (Entra switches to a groups overage claim above 200). */
    maxArrayLength: z.number().int().min(1).default(150),
    /** Claim names (normalised: lowercase, no `_ - .`) that hold personal data. */
    piiClaims: Patterns.default([
      'email',
      'emailaddress',
      'mail',
      'upn',
      'phone',
      'phonenumber',
      'mobile',
      'telephone',
      'address',
      'streetaddress',
      'postalcode',
      'zipcode',
      'birthdate',
      'dob',
      'dateofbirth',
      'ssn',
      'socialsecuritynumber',
      'nationalid',
      'nationalidentifier',
      'passport',
      'passportnumber',
      'taxid',
      'iban',
      'creditcard',
      'cardnumber',
      'ipaddr',
      'ipaddress',
      'ip',
      'clientip',
      'sourceip',
      'xforwardedfor',
    ]),
    /** Claim names (normalised) whose string value is a secret even if no detector recognised it. */
    secretClaims: Patterns.default([
      'password',
      'passwd',
      'pwd',
      'secret',
      'clientsecret',
      'apikey',
      'apisecret',
      'privatekey',
      'refreshtoken',
      'accesstoken',
      'idtoken',
      'sessiontoken',
      'cookie',
      'credentials',
      'credential',
      'connectionstring',
      'dbpassword',
      'signingkey',
      'secretkey',
    ]),
    /**
     * Claim names (normalised) that are identifiers, not secrets, even when a masker hid them
     * because their name contains "session", "token" or "secret": standard session ids and hashes,
     * a Kubernetes Secret's name.
     */
    notSecretClaims: Patterns.default(['sid', 'sessionid', 'sessionstate', 'sessionindex', 'tokenuse', 'tokentype', 'athash', 'chash', 'originjti', 'secretname']),
  })
  .strict();

export const ScoreOptionsSchema = z
  .object({
    weights: WeightsSchema.prefault({}),
    bands: BandsSchema.prefault({}),
    caps: CapsSchema.prefault({}),
    vocab: VocabularySchema.prefault({}),
    environments: EnvironmentVocabularySchema.prefault({}),
    crownJewels: CrownJewelsSchema.prefault({}),
    overEnrichment: OverEnrichmentSchema.prefault({}),
  })
  .strict()
  .superRefine((o, ctx) => {
    const l = o.weights.liveness;
    if (!(l.unverifiable < l.live)) {
      ctx.addIssue({ code: 'custom', path: ['weights', 'liveness', 'unverifiable'], message: 'unverifiable must keep less of the score than live' });
    }
    if (!(l.unknown < l.live)) {
      ctx.addIssue({ code: 'custom', path: ['weights', 'liveness', 'unknown'], message: 'unknown must keep less of the score than live' });
    }
    if (!(o.weights.binding.multiplier < 1)) {
      ctx.addIssue({ code: 'custom', path: ['weights', 'binding', 'multiplier'], message: 'a bound token must keep less than all of its score' });
    }
  })
  .prefault({});

export type ScoreOptions = z.infer<typeof ScoreOptionsSchema>;
export type ScoreOptionsInput = z.input<typeof ScoreOptionsSchema>;

/** Defaults, for callers (tests, `inspect` without a config) that have no loaded config. */
export function defaultScoreOptions(): ScoreOptions {
  return ScoreOptionsSchema.parse(undefined);
}
