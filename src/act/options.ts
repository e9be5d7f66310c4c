/**
 * Alerting and revocation options (`act:` in the config file): where findings are sent (sinks and
 * routes), what may be revoked automatically (revocation rules → revokers), opt-in source
 * remediation, the global dry-run switch, the approval mode, delivery retries and the Shared
 * Signals transmitter identity.
 *
 * Secrets never appear in the file: `*Env` keys NAME environment variables (the loader reports every
 * unset one with its path). Ids are kebab-case and stable: they appear in action records, audit
 * lines and idempotency keys.
 *
 *   act:
 *     dryRun: false
 *     approval: auto
 *     sinks:
 *       - { id: sec-slack, type: slack, tokenEnv: SLACK_ALERT_TOKEN, channel: C0SECURITY }
 *       - { id: soc, type: webhook, url: "https://soc.example.com/hooks/tokenradius", secretEnv: SOC_WEBHOOK_SECRET }
 *     routes:
 *       - { sinks: [sec-slack, soc], match: { minSeverity: high } }
 *     revokers:
 *       - { id: idp, type: rfc7009 }
 *     revocation:
 *       - { revokers: [idp], match: { minSeverity: high, liveness: [live] } }
 */
import { z } from 'zod';
import { LivenessStateSchema, SeveritySchema } from '../core/types.js';
import { parseCidr } from '../core/net/ip.js';

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const IdSchema = z.string().regex(KEBAB, 'ids are kebab-case').max(64);
/** The loader checks `*Env` keys (valid name, set, non-empty); the schema only asks for a string. */
const ENV_NAME = z.string().min(1).max(128);

function httpUrl(what: string) {
  return z
    .string()
    .max(2048)
    .superRefine((value, ctx) => {
      let u: URL;
      try {
        u = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: `${what} must be an absolute URL` });
        return;
      }
      if (u.protocol !== 'https:' && u.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: `${what} must be https (or http for a local test server)` });
      if (u.username !== '' || u.password !== '') ctx.addIssue({ code: 'custom', message: `${what} must not embed credentials` });
      if (u.hash !== '') ctx.addIssue({ code: 'custom', message: `${what} must not have a #fragment` });
    });
}

/** A Web API / REST base URL: no query, no fragment, no credentials; normalised to end with `/`. */
const BaseUrlSchema = httpUrl('the API URL').transform((u) => (u.endsWith('/') ? u : `${u}/`));

/** Event types a webhook sink may subscribe to (see ./payload.ts). */
export const EVENT_TYPES = ['finding.created', 'finding.updated', 'revocation.completed'] as const;
export const EventTypeSchema = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventTypeSchema>;

/**
 * Which findings a route, revocation rule or remediation applies to. Every given condition must
 * hold (AND); the values inside one list are alternatives (OR); an absent or empty list matches all.
 */
export const MatchSchema = z
  .object({
    /** Severity at least this. */
    minSeverity: SeveritySchema.default('info'),
    /** Source ids (any occurrence's source). */
    sources: z.array(z.string().min(1)).default([]),
    /** Rule ids (`jwt`, `github-classic-pat`, …). */
    rules: z.array(z.string().min(1)).default([]),
    /** Exact issuer (`iss`) or issuer family (`okta`, `keycloak`, …) of a JWT. */
    issuers: z.array(z.string().min(1)).default([]),
    /** Liveness states (`live`, `unknown`, …). */
    liveness: z.array(LivenessStateSchema).default([]),
    kinds: z.array(z.enum(['jwt', 'credential'])).default([]),
  })
  .strict()
  .prefault({});
export type Match = z.infer<typeof MatchSchema>;

const timeoutMs = z.number().int().min(100).max(120_000).default(10_000);

export const SlackSinkSchema = z
  .object({
    id: IdSchema,
    type: z.literal('slack'),
    /** Environment variable holding the bot token that posts alerts (`chat:write`). */
    tokenEnv: ENV_NAME,
    /** Channel id (C0…) or name alerts go to; the bot must be a member. */
    channel: z.string().min(1).max(200),
    /** Web API base URL (a proxy or a local test server). */
    apiUrl: BaseUrlSchema.default('https://slack.com/api/'),
    /**
     * Also reply in the thread of each leaking Slack message, telling its author what happened and
     * what to do. Posted with this sink's token: only for occurrences from these source ids (the
     * same workspace; the bot must be in those channels). Empty = no thread replies.
     */
    threadReplySources: z.array(z.string().min(1)).default([]),
    events: z.array(EventTypeSchema).min(1).default(['finding.created', 'finding.updated']),
    timeoutMs,
  })
  .strict();

export const WebhookSinkSchema = z
  .object({
    id: IdSchema,
    type: z.literal('webhook'),
    url: httpUrl('url'),
    /** Environment variable holding the Standard Webhooks secret (`whsec_` + base64 of 24–64 random bytes). */
    secretEnv: ENV_NAME,
    events: z.array(EventTypeSchema).min(1).default([...EVENT_TYPES]),
    timeoutMs,
  })
  .strict();

export const SsfSinkSchema = z
  .object({
    id: IdSchema,
    type: z.literal('ssf'),
    /** The receiver's RFC 8935 push endpoint. */
    url: httpUrl('url'),
    /** `aud` of the SETs (the receiver's identifier as agreed for the stream). */
    audience: z.string().min(1).max(2048),
    /** Environment variable holding the agreed `Authorization` header value, if any. */
    authorizationEnv: ENV_NAME.optional(),
    /** A RISC credential-compromise is sent once per leaked credential: on `finding.created` by default. */
    events: z.array(EventTypeSchema).min(1).default(['finding.created']),
    timeoutMs,
  })
  .strict();

export const SinkConfigSchema = z.discriminatedUnion('type', [SlackSinkSchema, WebhookSinkSchema, SsfSinkSchema]);
export type SinkConfig = z.infer<typeof SinkConfigSchema>;

export const Rfc7009RevokerSchema = z
  .object({
    id: IdSchema,
    type: z.literal('rfc7009'),
    /**
     * Issuers (exact `iss` of `trust.issuers`) this revoker may act for; empty = every trusted
     * issuer with a `revocation` block. Endpoint and client credentials come from that block.
     */
    issuers: z.array(z.string().min(1)).default([]),
    tokenTypeHint: z.enum(['access_token', 'refresh_token']).optional(),
  })
  .strict();

export const SlackRevokerSchema = z
  .object({
    id: IdSchema,
    type: z.literal('slack'),
    /** `auth.revoke` is called WITH THE LEAKED TOKEN itself: listing this revoker is that policy decision. */
    apiUrl: BaseUrlSchema.default('https://slack.com/api/'),
    timeoutMs,
  })
  .strict();

export const GithubRevokerSchema = z
  .object({
    id: IdSchema,
    type: z.literal('github'),
    /** REST base URL; `POST {apiUrl}credentials/revoke` is unauthenticated on github.com. */
    apiUrl: BaseUrlSchema.default('https://api.github.com/'),
    /** Tokens arriving within this window (in one process) go out in one request. */
    batchWindowMs: z.number().int().min(0).max(60_000).default(2000),
    /** Credentials per request (GitHub accepts up to 1000). */
    maxBatch: z.number().int().min(1).max(1000).default(1000),
    /** Requests per hour across every worker (GitHub allows 60 unauthenticated). */
    hourlyBudget: z.number().int().min(1).max(5000).default(60),
    timeoutMs,
  })
  .strict();

export const WebhookRevokerSchema = z
  .object({
    id: IdSchema,
    type: z.literal('webhook'),
    /** Your revocation service; contract in docs/webhooks.md ("revocation requests"). */
    url: httpUrl('url'),
    secretEnv: ENV_NAME,
    /** Only findings of these rules (empty = any). */
    rules: z.array(z.string().min(1)).default([]),
    /** Only JWTs of these issuers (exact `iss` or family; empty = any). */
    issuers: z.array(z.string().min(1)).default([]),
    /**
     * Send the token itself (`credential.token`) in the signed request. Off by default: the
     * service gets the fingerprint (SHA-256 of the token, what a hashed-key store keeps) and
     * identifiers (jti, sub, client id). Turn on only for a service that needs the token, over https.
     */
    includeToken: z.boolean().default(false),
    timeoutMs,
  })
  .strict();

export const RevokerConfigSchema = z.discriminatedUnion('type', [Rfc7009RevokerSchema, SlackRevokerSchema, GithubRevokerSchema, WebhookRevokerSchema]);
export type RevokerConfig = z.infer<typeof RevokerConfigSchema>;

export const RemediatorConfigSchema = z
  .object({
    id: IdSchema,
    /**
     * - `slack`: replace the token in the leaking message with a notice (`chat.update`), or delete
     *   the message (`mode: delete`, `chat.delete`);
     * - `jira`: comment on the issue; `github`: comment on the commit.
     */
    type: z.enum(['slack', 'jira', 'github']),
    /** The configured source (`sources:` id) whose client and credentials are used; only its occurrences are remediated. */
    source: z.string().min(1),
    /** Slack only: a token other than the source's (chat.update edits only messages of the token's user). */
    tokenEnv: ENV_NAME.optional(),
    mode: z.enum(['update', 'delete']).default('update'),
    match: MatchSchema,
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.type !== 'slack' && (v.tokenEnv !== undefined || v.mode !== 'update')) {
      ctx.addIssue({ code: 'custom', path: ['mode'], message: 'tokenEnv and mode apply to slack remediation only' });
    }
  });
export type RemediatorConfig = z.infer<typeof RemediatorConfigSchema>;

export const RouteSchema = z
  .object({
    /** Shown in audit lines (`policy:<name>`). */
    name: IdSchema.optional(),
    match: MatchSchema,
    sinks: z.array(IdSchema).min(1),
  })
  .strict();
export type Route = z.infer<typeof RouteSchema>;

export const RevocationRuleSchema = z
  .object({
    name: IdSchema.optional(),
    match: MatchSchema,
    /** Tried in order; each one that handles the token's family is used. */
    revokers: z.array(IdSchema).min(1),
    /** Overrides `act.approval` for this rule. */
    approval: z.enum(['auto', 'required']).optional(),
  })
  .strict();
export type RevocationRule = z.infer<typeof RevocationRuleSchema>;

export const SsfOptionsSchema = z
  .object({
    /** Our transmitter issuer (`iss` of every SET, `issuer` of /.well-known/ssf-configuration): the public base URL of this service. */
    issuer: httpUrl('issuer'),
    /** Environment variable holding the signing key (PKCS#8 PEM or private JWK JSON). */
    signingKeyEnv: ENV_NAME.optional(),
    /** File holding the signing key (PEM or JWK). Without either, a key is generated in `<dataDir>/set-signing-key.jwk`. */
    signingKeyFile: z.string().min(1).optional(),
    alg: z.enum(['ES256', 'RS256', 'PS256', 'EdDSA']).default('ES256'),
    /** RISC `credential_type` for leaked tokens (no standard value exists for bearer tokens: agree one with receivers). */
    credentialType: z.string().min(1).max(100).default('bearer-token'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.signingKeyEnv && v.signingKeyFile) ctx.addIssue({ code: 'custom', path: ['signingKeyFile'], message: 'give signingKeyEnv or signingKeyFile, not both' });
  });
export type SsfOptions = z.infer<typeof SsfOptionsSchema>;

export const ActOptionsSchema = z
  .object({
    /** Revokers and remediation only pretend (Slack `auth.revoke test=1`; nothing else is called). Alerts still go out. */
    dryRun: z.boolean().default(false),
    /** `required`: a revocation waits (`awaiting-approval`) for a responder's decision. */
    approval: z.enum(['auto', 'required']).default('auto'),
    sinks: z.array(SinkConfigSchema).default([]),
    /** Empty: every sink gets every finding. */
    routes: z.array(RouteSchema).default([]),
    revokers: z.array(RevokerConfigSchema).default([]),
    /** Auto-revocation rules; empty = nothing is revoked automatically (responders can still revoke). */
    revocation: z.array(RevocationRuleSchema).default([]),
    remediation: z.array(RemediatorConfigSchema).default([]),
    delivery: z
      .object({
        /** Attempts per alert / revocation before it is dead-lettered (retries follow the queue's backoff). */
        maxAttempts: z.number().int().min(1).max(50).default(5),
        /** A `pending` action whose worker died is taken over after this (alerts are resent; revocations re-check first). */
        reclaimAfterMs: z.number().int().min(1000).max(86_400_000).default(120_000),
      })
      .strict()
      .prefault({}),
    /** Private ranges sinks, receivers and revokers may live in (CIDR or IP); see `trust.allowPrivateCidrs`. */
    allowPrivateCidrs: z.array(z.string().min(1).max(64)).max(100).default([]),
    ssf: SsfOptionsSchema.optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    const ids = new Map<string, string>();
    const unique = (id: string, path: PropertyKey[]) => {
      const prev = ids.get(id);
      if (prev) ctx.addIssue({ code: 'custom', path, message: `id "${id}" is already used by ${prev}` });
      else ids.set(id, path.join('.'));
    };
    v.sinks.forEach((s, i) => unique(s.id, ['sinks', i, 'id']));
    v.revokers.forEach((r, i) => unique(r.id, ['revokers', i, 'id']));
    v.remediation.forEach((r, i) => unique(r.id, ['remediation', i, 'id']));
    const sinkIds = new Set(v.sinks.map((s) => s.id));
    const revokerIds = new Set(v.revokers.map((r) => r.id));
    v.routes.forEach((r, i) =>
      r.sinks.forEach((s, j) => {
        if (!sinkIds.has(s)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'sinks', j], message: `no sink with id "${s}"` });
      }),
    );
    v.revocation.forEach((r, i) =>
      r.revokers.forEach((s, j) => {
        if (!revokerIds.has(s)) ctx.addIssue({ code: 'custom', path: ['revocation', i, 'revokers', j], message: `no revoker with id "${s}"` });
      }),
    );
    if (v.sinks.some((s) => s.type === 'ssf') && !v.ssf) ctx.addIssue({ code: 'custom', path: ['ssf'], message: 'an ssf sink needs act.ssf (issuer and signing key)' });
    v.allowPrivateCidrs.forEach((c, i) => {
      if (!parseCidr(c)) ctx.addIssue({ code: 'custom', path: ['allowPrivateCidrs', i], message: 'a CIDR range or IP address' });
    });
  })
  .prefault({});
export type ActOptions = z.infer<typeof ActOptionsSchema>;
export type ActOptionsInput = z.input<typeof ActOptionsSchema>;
