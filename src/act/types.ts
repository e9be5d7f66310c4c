/**
 * The three extension points of the act stage. Each implementation lives in its own file and is
 * listed once in its registry (`sinks/index.ts`, `revokers/index.ts`, `remediate/index.ts`).
 *
 * Errors: implementations throw `TokenradiusError`s only (wrap third-party errors with `wrapError`
 * or the connector's mapper). The error's `retry` hint decides what the act stage does: `never` ⇒
 * the action is `failed` at once; `later` / `{ afterMs }` ⇒ it is retried with the queue's
 * backoff, up to `act.delivery.maxAttempts`, then `dead-letter`. Messages never contain a token.
 */
import type { StoredFinding, StoredOccurrence } from '../store/types.js';
import type { EventType } from './options.js';
import type { RevocationOutcome, RevocationStatus } from './payload.js';

export type { EventType } from './options.js';
export type { RevocationOutcome, RevocationStatus } from './payload.js';

/** What a sink is told besides the finding. */
export interface AlertContext {
  type: EventType;
  /**
   * The delivery's idempotency key (`alert-<fp hex>-<version>-<sink>`): the same on every retry.
   * Webhook sinks send it as `webhook-id`, the SSF sink as the SET's `jti`.
   */
  deliveryId: string;
  /** 1 on the first attempt. */
  attempt: number;
  /** Revocations decided for this finding so far (approval pending, revoked, …). */
  revocations: readonly RevocationStatus[];
  /** For `revocation.completed`: the revocation being announced. */
  revocation?: RevocationStatus;
  now: Date;
}

/**
 * An alert destination. It never sees the raw token: it gets the stored finding (fingerprint,
 * redacted preview, masked claims) and builds its message from `summarizeFinding`.
 */
export interface AlertSink {
  /** Stable kebab-case id (config key, action target). */
  id: string;
  /** Event types it wants; absent = `finding.created` and `finding.updated`. */
  events?: readonly EventType[];
  /**
   * Deliver once. Resolve with small, token-free details to record on the action (a Slack message
   * ts, the receiver's status); throw to fail (see the retry rules above).
   */
  notify(finding: StoredFinding, ctx?: AlertContext): Promise<void | Record<string, unknown>>;
}

export interface RevokeOptions {
  /** Pretend: call nothing that changes anything (Slack `auth.revoke test=1` is allowed). */
  dryRun: boolean;
  now: Date;
  /** The revocation action's key: stable across retries, sent as `webhook-id` by the webhook revoker. */
  deliveryId: string;
  /** `policy:<rule>` or `user:<name>`. */
  actor: string;
}

export interface RevocationResult {
  outcome: RevocationOutcome;
  /** Human-readable, token-free: shown to responders and stored on the action. */
  reason: string;
  /**
   * The revoker established the token no longer works (introspection `active: false`, `auth.test`
   * failing, the provider's acceptance). A confirmed revocation deletes the sealed token and marks
   * the finding revoked; an unconfirmed one keeps the sealed token until the token's expiry.
   */
  confirmed?: boolean;
  /** Token-free details recorded on the action (endpoint origin, HTTP status, batch size). */
  details?: Record<string, unknown>;
}

/**
 * A way to revoke a leaked token. The act stage unseals the token immediately before calling
 * `revoke` / `check` and drops it right after: `secret` must not be stored, logged, or put in an
 * error or result.
 */
export interface Revoker {
  id: string;
  type: string;
  /** Offline and cheap: is this a token family this revoker handles (rule, issuer)? */
  supports(finding: StoredFinding): boolean;
  /**
   * Revoke it. Outcomes: `revoked`, `already-invalid` (the provider says it no longer works),
   * `dry-run`, `unsupported` (this token cannot be revoked here, e.g. issued to another client),
   * `failed` (a definitive refusal). Transient trouble is THROWN (retried), not returned.
   * Must be safe to call again after an interrupted attempt (see `check`).
   */
  revoke(secret: string, finding: StoredFinding, o: RevokeOptions): Promise<RevocationResult>;
  /**
   * Does the token still work? Called before re-running an attempt whose worker died between the
   * call and its record: `invalid` ⇒ recorded as `already-invalid` without a second call.
   */
  check?(secret: string, finding: StoredFinding): Promise<'valid' | 'invalid' | 'unknown'>;
}

export interface RemediationResult {
  outcome: 'succeeded' | 'skipped' | 'dry-run';
  reason: string;
  details?: Record<string, unknown>;
}

/** Opt-in clean-up at the place a token leaked (edit the message, comment on the issue/commit). */
export interface Remediator {
  id: string;
  type: string;
  /** Can it act on this occurrence (its source and locator kind)? */
  applies(occurrence: StoredOccurrence): boolean;
  /** Does `remediate` need the raw token (to find and replace it in the message)? */
  needsSecret: boolean;
  remediate(
    finding: StoredFinding,
    occurrence: StoredOccurrence,
    o: { dryRun: boolean; revocations: readonly RevocationStatus[]; secret?: string },
  ): Promise<RemediationResult>;
}
