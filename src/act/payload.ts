/**
 * The versioned JSON payloads tokenradius sends to other systems, as zod schemas (the JSON Schemas
 * in `docs/schemas/` are generated from these: `npm run schemas`), and the pure builders that fill
 * them from a stored finding.
 *
 * - `WebhookEvent` (version 1): what webhook sinks receive — `finding.created`, `finding.updated`,
 *   `revocation.completed`. Signed per Standard Webhooks; `id` equals the `webhook-id` header and
 *   stays the same across retries (receivers dedupe on it).
 * - `RevocationRequest` / `RevocationResponse` (version 1): the contract of the webhook revoker
 *   (an in-house revocation service).
 *
 * Compatibility: within a version, fields are only ever added (receivers must ignore unknown
 * fields); removing or changing a field means `version: 2`. Nothing here ever holds a raw token —
 * except `credential.token` of a revocation request whose revoker sets `includeToken: true`.
 */
import { z } from 'zod';
import { LivenessStateSchema, SeveritySchema, type Locator } from '../core/types.js';
import type { StoredFinding } from '../store/types.js';
import { issuerOf } from './policy.js';

export const PAYLOAD_VERSION = 1 as const;

export const FactorOutSchema = z.object({ id: z.string(), points: z.number(), reason: z.string() }).meta({ id: 'Factor' });

export const LocationSchema = z.object({
  /** Configured source id (or local source kind). */
  source: z.string(),
  kind: z.enum(['file', 'stdin', 'git', 'slack', 'jira', 'github']),
  /** Human-readable place: `acme/api@1a2b3c4:config/.env:12`, `#deploys (C0123) 1700000000.000100`, `OPS-42 description`. */
  where: z.string(),
  /** Permalink to the place, when the source knows one. */
  url: z.string().optional(),
  /** Who wrote it (Slack user id, commit author, Jira account), when known. */
  author: z.string().optional(),
  visibility: z.enum(['public', 'private', 'shared-external', 'unknown']).optional(),
  firstSeen: z.string(),
}).meta({ id: 'Location' });
export type Location = z.infer<typeof LocationSchema>;

export const RevocationOutcomeSchema = z.enum(['revoked', 'already-invalid', 'dry-run', 'unsupported', 'failed']);
export type RevocationOutcome = z.infer<typeof RevocationOutcomeSchema>;

export const RevocationStatusSchema = z.object({
  /** Revoker id from the configuration. */
  revoker: z.string(),
  /** Outcome, or `awaiting-approval` / `rejected` / `in-progress` while a decision or call is pending. */
  outcome: z.union([RevocationOutcomeSchema, z.enum(['awaiting-approval', 'rejected', 'in-progress'])]),
  reason: z.string().optional(),
  /** Whether the revoker could confirm the token no longer works (introspection, auth.test, …). */
  confirmed: z.boolean().optional(),
  /** The action in tokenradius (approve / reject it through the review API). */
  actionId: z.string(),
  /** `policy:<rule>` or `user:<name>`. */
  actor: z.string(),
  at: z.string(),
}).meta({ id: 'RevocationStatus' });
export type RevocationStatus = z.infer<typeof RevocationStatusSchema>;

export const FindingSummarySchema = z.object({
  /** `sha256:` + hex SHA-256 of the token: the stable id of the leaked credential. */
  fingerprint: z.string(),
  /** Detection rule (`jwt`, `github-classic-pat`, …). */
  rule: z.string(),
  kind: z.enum(['jwt', 'credential']),
  /** A preview that identifies the token to a human but cannot be used. */
  redacted: z.string(),
  severity: SeveritySchema,
  /** Blast-radius score, 0–100. */
  score: z.number(),
  /** The largest contributions to the score, biggest first (at most 5). */
  topFactors: z.array(FactorOutSchema),
  liveness: z.object({
    state: LivenessStateSchema,
    reason: z.string().optional(),
    expiresAt: z.string().optional(),
    checkedAt: z.string().optional(),
  }),
  issuer: z.string().optional(),
  issuerFamily: z.string().optional(),
  subject: z.string().optional(),
  clientId: z.string().optional(),
  environment: z.string().optional(),
  privilegeLevel: z.string().optional(),
  /** Review status in tokenradius. */
  status: z.string(),
  /** Increases each time the finding gets worse or changes state. */
  version: z.number().int(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  occurrenceCount: z.number().int(),
  /** Where it leaked (at most 20; `occurrenceCount` has the total). */
  locations: z.array(LocationSchema),
  /** What a responder should do next, in one or two sentences. */
  suggestedAction: z.string(),
}).meta({ id: 'FindingSummary' });
export type FindingSummary = z.infer<typeof FindingSummarySchema>;

const envelope = {
  /** Same as the `webhook-id` header; stable across retries of one delivery. Dedupe on it. */
  id: z.string(),
  version: z.literal(PAYLOAD_VERSION),
  /** When the event happened (ISO 8601). The signature's `webhook-timestamp` is the send time. */
  timestamp: z.string(),
};

export const WebhookEventSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('finding.created'), ...envelope, data: z.object({ finding: FindingSummarySchema, revocations: z.array(RevocationStatusSchema) }) }),
    z.object({ type: z.literal('finding.updated'), ...envelope, data: z.object({ finding: FindingSummarySchema, revocations: z.array(RevocationStatusSchema) }) }),
    z.object({ type: z.literal('revocation.completed'), ...envelope, data: z.object({ finding: FindingSummarySchema, revocation: RevocationStatusSchema }) }),
  ])
  .meta({
    title: 'tokenradius webhook event (version 1)',
    description: 'POSTed to webhook sinks, signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). Never contains a raw token.',
  });
export type WebhookEvent = z.infer<typeof WebhookEventSchema>;

export const RevocationRequestSchema = z
  .object({
    type: z.literal('revocation.requested'),
    ...envelope,
    data: z.object({
      credential: z.object({
        fingerprint: z.string(),
        /** Lowercase hex SHA-256 of the token (the fingerprint without its prefix): what a hashed-key store keeps. */
        sha256: z.string(),
        rule: z.string(),
        kind: z.enum(['jwt', 'credential']),
        redacted: z.string(),
        issuer: z.string().optional(),
        /** JWT `jti`, when the token has one. */
        jti: z.string().optional(),
        subject: z.string().optional(),
        clientId: z.string().optional(),
        expiresAt: z.string().optional(),
        /** The token itself: present only when the revoker is configured with `includeToken: true`. */
        token: z.string().optional(),
      }),
      /** Who asked: `policy:<rule>` or `user:<name>`. */
      actor: z.string(),
      /** Where it leaked (context for your logs). */
      locations: z.array(LocationSchema),
    }),
  })
  .meta({ title: 'tokenradius revocation request (version 1)', description: 'POSTed by the webhook revoker, signed per Standard Webhooks.' });
export type RevocationRequest = z.infer<typeof RevocationRequestSchema>;

export const RevocationResponseSchema = z
  .object({
    outcome: z.enum(['revoked', 'already-invalid', 'failed']),
    /** Short, human-readable; never the token. At most 500 characters are kept. */
    reason: z.string().optional(),
  })
  .meta({ title: 'tokenradius revocation response (version 1)', description: 'What the revocation service answers with HTTP 200.' });
export type RevocationResponse = z.infer<typeof RevocationResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Builders (pure)

const SHORT_SHA = 10;

function shortSha(sha: string): string {
  return /^[0-9a-f]{12,}$/i.test(sha) ? sha.slice(0, SHORT_SHA) : sha;
}

export function describeLocator(l: Locator): { where: string; url?: string } {
  switch (l.kind) {
    case 'file':
      return { where: `${l.path}:${l.line}:${l.column}` };
    case 'stdin':
      return { where: `stdin:${l.line}:${l.column}` };
    case 'git':
      return { where: `${l.repo}@${shortSha(l.commit)}:${l.path}:${l.line}` };
    case 'github':
      return { where: `${l.repo}@${shortSha(l.commit)}:${l.path}:${l.line}`, ...(l.url ? { url: l.url } : {}) };
    case 'slack': {
      const name = l.channelName ? `#${l.channelName} (${l.channel})` : l.channel;
      return { where: `${name} ${l.ts}${l.threadTs && l.threadTs !== l.ts ? ` in thread ${l.threadTs}` : ''}`, ...(l.permalink ? { url: l.permalink } : {}) };
    }
    case 'jira':
      return { where: `${l.issue} ${l.field}${l.commentId ? ` comment ${l.commentId}` : ''}`, ...(l.url ? { url: l.url } : {}) };
  }
}

export function locationsOf(f: Pick<StoredFinding, 'occurrences'>, limit = 20): Location[] {
  return f.occurrences.slice(0, limit).map((o) => {
    const d = describeLocator(o.locator);
    return {
      source: o.source,
      kind: o.locator.kind,
      where: d.where,
      ...(d.url ? { url: d.url } : {}),
      ...(o.author ? { author: o.author } : {}),
      ...(o.exposure ? { visibility: o.exposure.visibility } : {}),
      firstSeen: o.firstSeen,
    };
  });
}

const GITHUB_RULES = /^github-/;
const SLACK_RULES = /^slack-/;

/** One or two sentences a responder can act on. */
export function suggestedAction(f: Pick<StoredFinding, 'rule' | 'kind' | 'liveness' | 'status' | 'profile' | 'claims' | 'occurrenceCount'>, revocations: readonly RevocationStatus[] = []): string {
  const places = f.occurrenceCount === 1 ? 'the place it leaked' : `the ${f.occurrenceCount} places it leaked`;
  const done = revocations.find((r) => r.outcome === 'revoked' || r.outcome === 'already-invalid');
  if (done) {
    const note = done.confirmed === false ? ' (not confirmed: a self-contained token may work until it expires)' : '';
    return `Revoked by ${done.revoker}${note}. Remove it from ${places} and review the issuer's logs for use since it leaked.`;
  }
  const waiting = revocations.find((r) => r.outcome === 'awaiting-approval');
  if (waiting) return `A revocation by ${waiting.revoker} awaits approval (action ${waiting.actionId}): approve or reject it in tokenradius, then remove the token from ${places}.`;
  if (f.status === 'revoked' || f.liveness.state === 'revoked') return `The token is already revoked. Remove it from ${places}.`;
  if (f.liveness.state === 'expired') return `The token has expired: no revocation needed. Remove it from ${places} and check for use before it expired.`;
  if (f.kind === 'jwt') {
    const iss = issuerOf(f);
    return `Revoke the token (or the session / refresh token behind it)${iss ? ` at ${iss}` : ' at its issuer'}, rotate the client's credentials if it came from a client-credentials grant, then remove it from ${places}.`;
  }
  if (GITHUB_RULES.test(f.rule)) return `Revoke it on GitHub (the owner's token settings, or POST /credentials/revoke) and remove it from ${places}; rewriting history does not un-leak it.`;
  if (SLACK_RULES.test(f.rule)) return `Revoke it (auth.revoke, or reinstall / rotate the Slack app's tokens) and remove it from ${places}.`;
  return `Rotate the credential with its provider, then remove it from ${places}.`;
}

/** The webhook/alert view of a stored finding. Never holds the raw token (the store never has it). */
export function summarizeFinding(f: StoredFinding, revocations: readonly RevocationStatus[] = []): FindingSummary {
  const p = f.profile;
  const iss = issuerOf(f);
  const topFactors = [...f.blastRadius.factors]
    .sort((a, b) => Math.abs(b.points) - Math.abs(a.points))
    .slice(0, 5)
    .map((x) => ({ id: x.id, points: x.points, reason: x.reason }));
  return {
    fingerprint: f.fingerprint,
    rule: f.rule,
    kind: f.kind,
    redacted: f.redacted,
    severity: f.blastRadius.severity,
    score: f.blastRadius.score,
    topFactors,
    liveness: {
      state: f.liveness.state,
      ...(f.liveness.reason ? { reason: f.liveness.reason } : {}),
      ...(f.liveness.expiresAt ? { expiresAt: f.liveness.expiresAt } : {}),
      ...(f.liveness.checkedAt ? { checkedAt: f.liveness.checkedAt } : {}),
    },
    ...(iss ? { issuer: iss } : {}),
    ...(p?.issuerFamily ? { issuerFamily: p.issuerFamily } : {}),
    ...(p?.subject ? { subject: p.subject } : {}),
    ...(p?.clientId ? { clientId: p.clientId } : {}),
    ...(p?.environment ? { environment: p.environment } : {}),
    ...(p?.privilegeLevel ? { privilegeLevel: p.privilegeLevel } : {}),
    status: f.status,
    version: f.version,
    firstSeen: f.firstSeen,
    lastSeen: f.lastSeen,
    occurrenceCount: f.occurrenceCount,
    locations: locationsOf(f),
    suggestedAction: suggestedAction(f, revocations),
  };
}
