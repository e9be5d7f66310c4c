/**
 * The findings store: the store of record for findings, their occurrences, sealed tokens, the
 * actions taken on them (alerts, revocations, remediations), the audit log, source cursors, API
 * keys and webhook delivery ids. Two implementations run the SAME SQL and the SAME migrations:
 * PostgreSQL (`createPostgresStore`, many processes) and embedded PGlite (`createPgliteStore`, one
 * process per data directory). `openStore` picks one from the config.
 *
 * What the store never holds: a raw token. Findings carry a fingerprint, a redacted preview and
 * masked claims; the token itself only exists sealed (AES-256-GCM) in `sealed_tokens`, and is
 * deleted at its expiry, after a confirmed revocation, when marked a false positive, or after the
 * configured retention. Everything a caller writes (audit details, action reasons and details,
 * status reasons, labels) is stored as given: callers pass redacted data only. As a backstop the
 * store refuses (`PAYLOAD_INVALID`) free-form values that contain a token-shaped string (a JWT,
 * a few unmistakable credential formats, an API key), and removes such strings from observations.
 *
 * Errors (all `TokenradiusError`, never a driver's message):
 * - `STORE_UNAVAILABLE` (retry later): the database cannot be reached, a connection dropped, a
 *   statement timed out, or an embedded data directory is locked by another process.
 * - `STORE_READ_ONLY` (never): the data directory or database refuses writes (permissions, full disk,
 *   read-only replica).
 * - `NOT_FOUND`: unknown fingerprint / action / API key.
 * - `CONFLICT`: a status transition or decision that the current state does not allow.
 * - `PAYLOAD_INVALID`: input that fails validation (bad observation, bad cursor, token-shaped detail).
 *
 * Times are ISO 8601 strings in UTC with millisecond precision. Lists are keyset-paginated with an
 * opaque `cursor`: inserting rows never makes a page repeat or skip an item that was already there.
 */
import { z } from 'zod';
import {
  FindingSchema,
  LivenessStateSchema,
  OccurrenceSchema,
  SeveritySchema,
  type FindingObservation,
  type FindingSink,
  type SealedToken,
  type Severity,
  type UpsertResult,
} from '../core/types.js';

// ---------------------------------------------------------------------------------------------
// Findings

/**
 * Review status of a finding. Transitions (anything else is `CONFLICT`):
 *
 * | method              | from                                   | to               |
 * |---------------------|----------------------------------------|------------------|
 * | `acknowledge`       | open                                   | acknowledged     |
 * | `assign`            | open, acknowledged                     | (unchanged)      |
 * | `markFalsePositive` | open, acknowledged                     | false-positive   |
 * | `resolve`           | open, acknowledged                     | resolved         |
 * | `markRevoked`       | open, acknowledged, resolved           | revoked          |
 * | `reopen`            | resolved, false-positive, revoked      | open             |
 */
export const FindingStatusSchema = z.enum(['open', 'acknowledged', 'resolved', 'false-positive', 'revoked']);
export type FindingStatus = z.infer<typeof FindingStatusSchema>;
export const FINDING_STATUSES: readonly FindingStatus[] = FindingStatusSchema.options;

export const VisibilitySchema = z.enum(['unknown', 'private', 'shared-external', 'public']);
export type Visibility = z.infer<typeof VisibilitySchema>;

/** A finding as stored, without its occurrences (what lists return). */
export const FindingRecordSchema = FindingSchema.omit({ occurrences: true }).extend({
  status: FindingStatusSchema,
  /** The reason given with the last status change (false positive, resolve, reopen), when any. */
  statusReason: z.string().optional(),
  assignee: z.string().optional(),
  statusChangedAt: z.string(),
  /** When the finding was (last) marked revoked. Kept after a reopen, for the stats. */
  revokedAt: z.string().optional(),
  /** Increases on `new`, `worse` and `changed` upserts only; the act stage keys its jobs on it. */
  version: z.number().int().positive(),
  occurrenceCount: z.number().int().nonnegative(),
  /** Distinct source ids of the occurrences, in the order first seen. */
  sources: z.array(z.string()),
  /** The widest visibility among the occurrences (`unknown` < `private` < `shared-external` < `public`). */
  widestVisibility: VisibilitySchema,
});
export type FindingRecord = z.infer<typeof FindingRecordSchema>;

/** An occurrence as stored: when this place was first and last seen carrying the token. */
export const StoredOccurrenceSchema = OccurrenceSchema.extend({ lastSeen: z.string() });
export type StoredOccurrence = z.infer<typeof StoredOccurrenceSchema>;

/** A finding with (the first `occurrenceLimit` of) its occurrences; assignable to `Finding`. */
export const StoredFindingSchema = FindingRecordSchema.extend({ occurrences: z.array(StoredOccurrenceSchema).min(1) });
export type StoredFinding = z.infer<typeof StoredFindingSchema>;

export const FindingSortSchema = z.enum(['score', 'firstSeen', 'lastSeen']);
export type FindingSort = z.infer<typeof FindingSortSchema>;
export const SortOrderSchema = z.enum(['asc', 'desc']);

const list = <T extends z.ZodType>(t: T) => z.array(t).max(100).optional();

/**
 * Filters combine with AND; the values inside one filter with OR. An empty array means no filter.
 * `issuer` matches `profile.issuer` or `profile.issuerFamily`; `tenant` any of `profile.tenants`;
 * `source` any occurrence's source; `text` is a case-insensitive substring of the redacted preview,
 * the rule id, or any occurrence's location (path, repo, commit, channel, issue, permalink, author…).
 * `lastSeen` is updated by every upsert, so paging by it while scanning may show an item twice.
 */
export const FindingQuerySchema = z
  .object({
    severity: list(SeveritySchema),
    status: list(FindingStatusSchema),
    source: list(z.string()),
    rule: list(z.string()),
    issuer: list(z.string()),
    tenant: list(z.string()),
    liveness: list(LivenessStateSchema),
    text: z.string().max(200).optional(),
    sort: FindingSortSchema.default('score'),
    order: SortOrderSchema.default('desc'),
    limit: z.number().int().min(1).max(500).default(50),
    cursor: z.string().max(2000).optional(),
  })
  .strict();
export type FindingQuery = z.input<typeof FindingQuerySchema>;

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

// ---------------------------------------------------------------------------------------------
// Actions (alerts, revocations, remediations)

export const ActionTypeSchema = z.enum(['alert', 'revocation', 'remediation']);
export type ActionType = z.infer<typeof ActionTypeSchema>;

/**
 * - `pending`: claimed, side effect in progress (or its worker died before recording an outcome);
 * - `awaiting-approval` → `approved` | `rejected` (a responder's decision);
 * - outcomes: `succeeded`, `failed`, `dry-run`, `dead-letter` (gave up after retries), `skipped`.
 */
export const ActionStatusSchema = z.enum([
  'pending',
  'awaiting-approval',
  'approved',
  'rejected',
  'succeeded',
  'failed',
  'dry-run',
  'dead-letter',
  'skipped',
]);
export type ActionStatus = z.infer<typeof ActionStatusSchema>;
export const ActionOutcomeSchema = z.enum(['succeeded', 'failed', 'dry-run', 'dead-letter', 'skipped']);
export type ActionOutcome = z.infer<typeof ActionOutcomeSchema>;

const Details = z.record(z.string(), z.unknown());

export const ActionSchema = z.object({
  id: z.string(),
  /** Idempotency key chosen by the caller, e.g. `revoke:<fingerprint>:<revoker-id>` or `alert:<sink>:<fp>:<version>`. */
  key: z.string(),
  fingerprint: z.string(),
  type: ActionTypeSchema,
  /** The sink / revoker / remediation id (`slack-alerts`, `rfc7009-okta`). */
  target: z.string(),
  status: ActionStatusSchema,
  /** Who or what started it: a policy id (`policy:auto-revoke`) or `user:<name>`. */
  actor: z.string(),
  /** The finding version that triggered it, when any. */
  findingVersion: z.number().int().optional(),
  reason: z.string().optional(),
  details: Details,
  /** How many times it has been claimed (1 + reclaims of a stale `pending`). */
  attempts: z.number().int().positive(),
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  completedAt: z.string().optional(),
});
export type Action = z.infer<typeof ActionSchema>;

export const ClaimActionInputSchema = z
  .object({
    key: z.string().min(1).max(500),
    fingerprint: z.string().min(1),
    type: ActionTypeSchema,
    target: z.string().min(1).max(200),
    /** Initial status: `pending` (do it now) or `awaiting-approval` (wait for a responder). */
    status: z.enum(['pending', 'awaiting-approval']).default('pending'),
    actor: z.string().min(1).max(200).default('system'),
    findingVersion: z.number().int().optional(),
    reason: z.string().max(2000).optional(),
    details: Details.default({}),
    /**
     * When set, an existing action still `pending` whose last claim is older than this is claimed
     * again (`attempts` + 1): for side effects that are safe to repeat after a crash (alerts are
     * at-least-once). Leave unset for side effects that must never repeat.
     */
    reclaimPendingAfterMs: z.number().int().positive().optional(),
  })
  .strict();
export type ClaimActionInput = z.input<typeof ClaimActionInputSchema>;

export const ActionQuerySchema = z
  .object({
    fingerprint: z.string().optional(),
    type: list(ActionTypeSchema),
    status: list(ActionStatusSchema),
    target: z.string().optional(),
    order: SortOrderSchema.default('desc'),
    limit: z.number().int().min(1).max(500).default(100),
    cursor: z.string().max(2000).optional(),
  })
  .strict();
export type ActionQuery = z.input<typeof ActionQuerySchema>;

// ---------------------------------------------------------------------------------------------
// Audit

export const AuditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  /** `user:<name>`, `api-key:<id>`, `policy:<id>`, `system`. */
  actor: z.string(),
  /** Dotted verb: `finding.acknowledged`, `action.revocation.succeeded`, `api-key.created`. */
  action: z.string(),
  fingerprint: z.string().optional(),
  details: Details,
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const AuditInputSchema = z
  .object({
    actor: z.string().min(1).max(200),
    action: z.string().min(1).max(200),
    fingerprint: z.string().max(200).optional(),
    details: Details.default({}),
  })
  .strict();
export type AuditInput = z.input<typeof AuditInputSchema>;

export const AuditQuerySchema = z
  .object({
    fingerprint: z.string().optional(),
    actor: z.string().optional(),
    action: z.string().optional(),
    order: SortOrderSchema.default('desc'),
    limit: z.number().int().min(1).max(500).default(100),
    cursor: z.string().max(2000).optional(),
  })
  .strict();
export type AuditQuery = z.input<typeof AuditQuerySchema>;

// ---------------------------------------------------------------------------------------------
// Cursors, API keys, stats

export interface SourceCursor {
  scope: string;
  cursor: string;
  updatedAt: string;
}

export const ApiKeyRoleSchema = z.enum(['viewer', 'responder', 'admin']);
export type ApiKeyRole = z.infer<typeof ApiKeyRoleSchema>;

export interface ApiKeyInfo {
  /** Public id, also embedded in the key itself (`trk_<id>_<secret>`). */
  id: string;
  role: ApiKeyRole;
  label: string;
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

export interface CreatedApiKey extends ApiKeyInfo {
  /** The plaintext key. Returned once; only its SHA-256 is stored. */
  key: string;
}

export interface StoreStats {
  /** Findings counted by `bySeverity` / `bySource` (those whose status is in `statuses`). */
  total: number;
  bySeverity: Record<Severity, number>;
  /** Always over every finding, whatever `statuses` says. */
  byStatus: Record<FindingStatus, number>;
  /** A finding seen in two sources counts once in each. */
  bySource: Record<string, number>;
  /** One entry per UTC day, oldest first, ending with the day of `now`. */
  series: Array<{ day: string; opened: number; revoked: number }>;
  /** Median of (revokedAt − firstSeen) over findings revoked within the window; null when none. */
  medianSecondsToRevoke: number | null;
}

export interface StatsQuery {
  now: Date;
  /** Length of `series` and of the window for the median. Default 30, at most 366. */
  days?: number;
  /** Restrict `total`, `bySeverity`, `bySource` to these statuses (default: all). */
  statuses?: FindingStatus[];
}

export interface PingResult {
  backend: 'postgres' | 'pglite';
  /** Highest applied migration. */
  schemaVersion: number;
}

export type { FindingObservation, SealedToken, UpsertResult };

// ---------------------------------------------------------------------------------------------
// The interface

export interface FindingStore extends FindingSink {
  /**
   * Record one observation (the finding as the scan stage sees it now, at one place).
   *
   * - Idempotent: the same observation twice changes nothing but `lastSeen` (of the finding and of
   *   the occurrence), and reports `unchanged`.
   * - Occurrences are unique per place: `source` + the locator's identity (kind, repo, commit, path,
   *   line, column, workspace, channel, ts, field, site, issue, commentId). Display-only locator
   *   fields (permalink, url, author, channelName) do not make a new occurrence.
   * - The finding's current rule, preview, claims, profile, liveness and blast radius are replaced by
   *   the observation's; `firstSeen` is the first observation's `occurrence.firstSeen`.
   * - `change`: `suppressed` when the finding is marked false positive (the occurrence is still
   *   recorded); else `new` on first sight; `worse` when severity rose; `changed` when the liveness
   *   state differs or a new occurrence is more visible than all earlier ones; else `unchanged`.
   *   `version` increases exactly on `new` / `worse` / `changed`.
   * - Concurrency-safe: any number of workers upserting the same fingerprint at once produce exactly
   *   one `new`.
   * - `sealedToken` is stored only if none is stored yet, the token has not expired, and the finding
   *   is neither false-positive nor revoked. It is never written to `findings`.
   * - Strings are stored well-formed: NUL and lone surrogates become U+FFFD (an attacker-crafted
   *   claim cannot make a finding unstorable); token-shaped strings (a JWT nested in a claim the
   *   scan stage failed to mask) become `[token removed by store]`. Invalid ⇒ `PAYLOAD_INVALID`.
   */
  upsert(observation: FindingObservation): Promise<UpsertResult>;
  /**
   * Several observations (one scan batch, at most 1000) in ONE transaction: the results, in input
   * order, are exactly what `upsert` would give one by one; the batch is all or nothing. Much faster
   * than single upserts because it commits (fsyncs) once. Findings are locked in fingerprint order,
   * so concurrent batches never deadlock. An invalid observation fails the whole batch up front.
   */
  upsertMany(observations: readonly FindingObservation[]): Promise<UpsertResult[]>;

  /** The finding with its first `occurrenceLimit` (default 100) occurrences, oldest first; null when unknown. */
  getFinding(fingerprint: string, opts?: { occurrenceLimit?: number }): Promise<StoredFinding | null>;
  /** Filtered, sorted, keyset-paginated findings (ties broken by fingerprint). Bad cursor ⇒ `PAYLOAD_INVALID`. */
  listFindings(query?: FindingQuery): Promise<Page<FindingRecord>>;
  /** Occurrences oldest first; `NOT_FOUND` for an unknown fingerprint. */
  listOccurrences(fingerprint: string, opts?: { limit?: number; cursor?: string }): Promise<Page<StoredOccurrence>>;

  // Status transitions (see FindingStatusSchema). Each appends `finding.<verb>` to the audit log with
  // its actor in the same transaction and returns the updated record. Unknown fingerprint ⇒ NOT_FOUND,
  // disallowed transition ⇒ CONFLICT (details.status holds the current status).
  acknowledge(fingerprint: string, actor: string): Promise<FindingRecord>;
  /** `assignee: null` unassigns. */
  assign(fingerprint: string, assignee: string | null, actor: string): Promise<FindingRecord>;
  /** Suppresses the fingerprint: later upserts return `suppressed`. Deletes the sealed token. `reason` is required. */
  markFalsePositive(fingerprint: string, reason: string, actor: string): Promise<FindingRecord>;
  resolve(fingerprint: string, actor: string, reason?: string): Promise<FindingRecord>;
  /** Back to `open`; lifts a false-positive suppression. */
  reopen(fingerprint: string, actor: string, reason?: string): Promise<FindingRecord>;
  /** After a confirmed revocation: sets `revokedAt` and deletes the sealed token. */
  markRevoked(fingerprint: string, actor: string, reason?: string): Promise<FindingRecord>;

  // Sealed tokens
  /** The sealed token, or null when none is kept (never stored, expired, deleted). */
  getSealedToken(fingerprint: string): Promise<SealedToken | null>;
  /** Deletes it (audited as `sealed-token.deleted` with the reason); false when there was none. */
  deleteSealedToken(fingerprint: string, reason: string, actor?: string): Promise<boolean>;
  /**
   * Deletes sealed tokens whose `expiresAt` ≤ now, and those older than the retention
   * (`store.sealedTokenRetentionDays`) whatever their expiry. Returns how many were deleted.
   */
  purgeExpiredSealedTokens(now: Date): Promise<number>;

  // Actions
  /**
   * Insert-if-absent by `key`. `claimed: true` means this caller created it (or reclaimed a stale
   * `pending`, see `reclaimPendingAfterMs`) and must perform the side effect and `completeAction`.
   * `claimed: false` returns the existing action untouched: a retried job sees the earlier outcome
   * and must not repeat the side effect. A `pending` action it did not claim means an earlier
   * attempt started and recorded no outcome — the side effect may or may not have happened.
   * Unknown fingerprint ⇒ NOT_FOUND.
   */
  claimAction(input: ClaimActionInput): Promise<{ claimed: boolean; action: Action }>;
  /**
   * Record the outcome of a `pending` or `approved` action, and append `action.<type>.<outcome>` to
   * the audit log (actor = the action's actor). Any other status ⇒ CONFLICT; unknown id ⇒ NOT_FOUND.
   */
  completeAction(id: string, outcome: ActionOutcome, reason?: string, details?: Record<string, unknown>): Promise<Action>;
  getAction(id: string): Promise<Action | null>;
  /** A fingerprint lists that finding's actions (newest first); a query filters and paginates. */
  listActions(query: string | ActionQuery): Promise<Page<Action>>;
  /** Actions `awaiting-approval`, oldest first (at most 500). */
  listPendingApprovals(): Promise<Action[]>;
  /**
   * `awaiting-approval` → `approved` | `rejected`, audited (`action.approved` / `action.rejected`)
   * with the actor. Already decided ⇒ CONFLICT.
   */
  decideApproval(id: string, decision: 'approve' | 'reject', actor: string, reason?: string): Promise<Action>;
  /**
   * The executor of an approved action takes it: `approved` → `pending`, exactly once (`claimed`
   * false for every other caller and every other status). Then `completeAction`.
   */
  beginApprovedAction(id: string): Promise<{ claimed: boolean; action: Action }>;

  // Audit
  /** Appends one entry. `details` are stored as given (redacted data only; token-shaped strings are refused). */
  appendAudit(entry: AuditInput): Promise<AuditEntry>;
  /** Newest first by default. */
  listAudit(query?: AuditQuery): Promise<Page<AuditEntry>>;

  // Source cursors (resume points). `scope` is a channel / repo / project, '' for the whole source.
  getCursor(sourceId: string, scope?: string): Promise<string | null>;
  setCursor(sourceId: string, scope: string, cursor: string): Promise<void>;
  listCursors(sourceId: string): Promise<SourceCursor[]>;

  // API keys
  /** Returns the plaintext key once (`trk_<id>_<secret>`); stores only its SHA-256. Audited. */
  createApiKey(input: { role: ApiKeyRole; label: string; actor?: string }): Promise<CreatedApiKey>;
  /**
   * `{ id, role, label }` for a valid, unrevoked key (constant-time hash comparison; updates
   * `lastUsedAt` at most once a minute), else null. Never throws for a malformed key.
   */
  verifyApiKey(plaintext: string): Promise<{ id: string; role: ApiKeyRole; label: string } | null>;
  listApiKeys(): Promise<ApiKeyInfo[]>;
  /** Idempotent; audited on the first revocation. Unknown id ⇒ NOT_FOUND. */
  revokeApiKey(id: string, actor?: string): Promise<ApiKeyInfo>;

  // Stats for the dashboard
  stats(query: StatsQuery): Promise<StoreStats>;

  /**
   * Webhook / event dedupe: true the first time `(source, deliveryId)` is seen within `ttlSeconds`,
   * false for a repeat (Slack `event_id`, GitHub `X-GitHub-Delivery`, Jira webhook identifier).
   * Concurrent calls with the same id: exactly one gets true.
   */
  rememberDelivery(source: string, deliveryId: string, ttlSeconds: number): Promise<boolean>;
  /**
   * Un-remembers a delivery id (true if it was remembered): for a receiver that remembered an id and
   * then could not hand the delivery on (answered 503), so the sender's retry is accepted instead of
   * being dropped as a duplicate.
   */
  forgetDelivery(source: string, deliveryId: string): Promise<boolean>;
  /** Deletes expired sealed tokens (as `purgeExpiredSealedTokens`) and expired delivery ids. */
  purgeExpired(now: Date): Promise<{ sealedTokens: number; deliveries: number }>;

  /** Every row of every table as text, table by table, for leak audits (tests, `doctor`). */
  dumpTables(): AsyncIterable<{ table: string; rows: string[] }>;
  /** Round trip to the database; throws STORE_UNAVAILABLE when it cannot be reached. */
  ping(): Promise<PingResult>;
  /** Releases connections (and the data-directory lock). Idempotent. */
  close(): Promise<void>;
}
