/**
 * Shared data shapes of tokenradius. Every shape that crosses a boundary (queue payload, store row,
 * API response, report) is a zod schema here; the TypeScript type is `z.infer` of it, so the two can
 * never disagree.
 *
 * Data flows one way: a Source yields Chunks → the engine yields Matches → the scan stage turns a
 * Match into a Finding (fingerprint, redacted preview, masked claims, profile, liveness, blast
 * radius) → the store → the act stage. Only a Match holds the raw token, and only in memory.
 */
import { z } from 'zod';
import { TokenProfileSchema } from './profile.js';

export { TokenProfileSchema, type TokenProfile } from './profile.js';

/** How widely the place a token leaked is seen. */
export const ExposureSchema = z.object({
  visibility: z.enum(['public', 'private', 'shared-external', 'unknown']),
  /** Number of people who can read the place (channel members, org size), when known. */
  audience: z.number().int().nonnegative().optional(),
  /** Free-form context shown to responders: "#general (ext-shared)", "project OPS, level Internal". */
  label: z.string().max(300).optional(),
});
export type Exposure = z.infer<typeof ExposureSchema>;

const position = {
  /** 1-based line of the match (for a chunk's locator: the line its text starts on). */
  line: z.number().int().positive(),
  /** 1-based column of the match in UTF-16 code units (for a chunk's locator: where its text starts). */
  column: z.number().int().positive(),
};

/**
 * Where something is. A chunk carries the locator of the start of its text; the scan stage
 * derives each match's own line/column from it. `path` is always present so every report can show
 * "path:line:column" (for Slack and Jira exports, the path inside the export).
 */
export const LocatorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file'), path: z.string(), ...position }),
  z.object({ kind: z.literal('stdin'), path: z.literal('-'), ...position }),
  z.object({
    kind: z.literal('git'),
    repo: z.string(),
    commit: z.string(),
    path: z.string(),
    author: z.string().optional(),
    date: z.string().optional(),
    ...position,
  }),
  z.object({
    kind: z.literal('slack'),
    workspace: z.string().optional(),
    channel: z.string(),
    channelName: z.string().optional(),
    ts: z.string(),
    threadTs: z.string().optional(),
    permalink: z.string().optional(),
    /** Which part of the message: text, attachment, file snippet, previous edit. */
    field: z.string().optional(),
    path: z.string(),
    ...position,
  }),
  z.object({
    kind: z.literal('jira'),
    site: z.string().optional(),
    issue: z.string(),
    field: z.string(),
    commentId: z.string().optional(),
    url: z.string().optional(),
    path: z.string(),
    ...position,
  }),
  z.object({
    kind: z.literal('github'),
    repo: z.string(),
    commit: z.string(),
    path: z.string(),
    url: z.string().optional(),
    author: z.string().optional(),
    date: z.string().optional(),
    /** For issue / pull-request comments rather than commit patches. */
    field: z.string().optional(),
    ...position,
  }),
]);
export type Locator = z.infer<typeof LocatorSchema>;
export type LocatorKind = Locator['kind'];

/** A piece of text from one place, as a source yields it. */
export const ChunkSchema = z.object({
  /** Stable id of this piece of content at this place (used for idempotent job ids). */
  id: z.string().min(1),
  /** Id of the configured source (`slack-main`) or the local source kind (`files`, `git`, …). */
  source: z.string().min(1),
  locator: LocatorSchema,
  text: z.string(),
  exposure: ExposureSchema.optional(),
  author: z.string().optional(),
  /** ISO 8601 time the content was written, when known. */
  at: z.string().optional(),
});
export type Chunk = z.infer<typeof ChunkSchema>;

export const FindingKindSchema = z.enum(['jwt', 'credential']);
export type FindingKind = z.infer<typeof FindingKindSchema>;

export const LivenessStateSchema = z.enum([
  'live',
  'expired',
  'not-yet-valid',
  'revoked',
  'invalid-signature',
  'unverifiable',
  'unknown',
]);
export type LivenessState = z.infer<typeof LivenessStateSchema>;

export const LivenessSchema = z.object({
  state: LivenessStateSchema,
  /** Which rungs of the ladder were run: `temporal`, `jwks`, `introspection`, … */
  checkedBy: z.array(z.string()),
  reason: z.string().optional(),
  expiresAt: z.string().optional(),
  checkedAt: z.string().optional(),
});
export type Liveness = z.infer<typeof LivenessSchema>;

export const SeveritySchema = z.enum(['info', 'low', 'medium', 'high', 'critical']);
export type Severity = z.infer<typeof SeveritySchema>;
export const SEVERITY_ORDER: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
export function severityRank(s: Severity): number {
  return SEVERITY_ORDER.indexOf(s);
}

export const FactorSchema = z.object({
  id: z.string(),
  points: z.number(),
  reason: z.string(),
});
export type Factor = z.infer<typeof FactorSchema>;

export const BlastRadiusSchema = z.object({
  score: z.number().min(0).max(100),
  severity: SeveritySchema,
  factors: z.array(FactorSchema),
});
export type BlastRadius = z.infer<typeof BlastRadiusSchema>;

export const OccurrenceSchema = z.object({
  source: z.string(),
  locator: LocatorSchema,
  exposure: ExposureSchema.optional(),
  author: z.string().optional(),
  at: z.string().optional(),
  firstSeen: z.string(),
});
export type Occurrence = z.infer<typeof OccurrenceSchema>;

/** A claim path whose value was masked because it is itself a secret (or PII), and why. */
export const MaskedClaimSchema = z.object({ path: z.string(), reason: z.string() });
export type MaskedClaim = z.infer<typeof MaskedClaimSchema>;

const JsonObject = z.record(z.string(), z.unknown());

/** One leaked token, however many places it appears in. Never holds the raw token. */
export const FindingSchema = z.object({
  /** 'sha256:' + lowercase hex SHA-256 of the exact token string (UTF-8). */
  fingerprint: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  rule: z.string(),
  kind: FindingKindSchema,
  /** A preview that cannot be used to reconstruct the token. */
  redacted: z.string(),
  /** JWT only: decoded JOSE header. */
  header: JsonObject.optional(),
  /** JWT only: decoded claims with secret (and PII) values masked. */
  claims: JsonObject.optional(),
  maskedClaims: z.array(MaskedClaimSchema).optional(),
  /** JWT form: compact JWS, unsecured (alg none), JWE (header only), SD-JWT. */
  jwtForm: z.enum(['jws', 'unsecured', 'jwe', 'sd-jwt']).optional(),
  profile: TokenProfileSchema.optional(),
  liveness: LivenessSchema,
  blastRadius: BlastRadiusSchema,
  occurrences: z.array(OccurrenceSchema).min(1),
  firstSeen: z.string(),
  lastSeen: z.string(),
});
export type Finding = z.infer<typeof FindingSchema>;

/**
 * What the scan stage hands the store for one match at one place: the finding as it looks now,
 * plus this one occurrence, plus (service mode) the token sealed for later revocation.
 */
export const SealedTokenSchema = z.object({
  /** `seal(key, token, 'token:' + fingerprint)` output. */
  sealed: z.string(),
  keyId: z.string(),
  /** Delete the sealed token at this time (the token's own expiry), when known. */
  expiresAt: z.string().optional(),
});
export type SealedToken = z.infer<typeof SealedTokenSchema>;

export const FindingObservationSchema = FindingSchema.omit({ occurrences: true, firstSeen: true, lastSeen: true }).extend({
  occurrence: OccurrenceSchema,
  sealedToken: SealedTokenSchema.optional(),
});
export type FindingObservation = z.infer<typeof FindingObservationSchema>;

/**
 * How an observation changed what the store knew:
 * - `new`: first time this fingerprint is seen;
 * - `worse`: severity went up;
 * - `changed`: liveness state changed (e.g. live → expired) or a new occurrence widened exposure;
 * - `unchanged`: nothing an alert would say differently (a repeat occurrence is still recorded);
 * - `suppressed`: the fingerprint was marked false positive.
 * `version` increases on new/worse/changed; the act stage keys its idempotent job on it.
 */
export interface UpsertResult {
  change: 'new' | 'worse' | 'changed' | 'unchanged' | 'suppressed';
  version: number;
}

/** Where the scan stage puts observations: the CLI's in-memory aggregator or the findings store. */
export interface FindingSink {
  upsert(observation: FindingObservation): Promise<UpsertResult>;
}
