/**
 * The act stage's building blocks, shared by `act()` (src/pipeline/act.ts) and the responder
 * operations (./operations.ts): idempotent alert deliveries, revocations and remediations recorded
 * as store actions.
 *
 * Idempotency and retries. Every side effect is claimed in the store first (`claimAction`, insert
 * if absent) under a deterministic key, and performed only by the caller that claimed it:
 * - alert `alert-<fp hex>-<version>-<sink>` (also the `webhook-id` / SET `jti`), one per finding
 *   version and sink; `revocation-completed-<action id>-<sink>` for revocation announcements;
 * - revocation `revoke-<fp hex>-<revoker>` (`…-dry-run` in dry-run mode): one per fingerprint and
 *   revoker, whatever the version;
 * - remediation `remediate-<fp hex>-<remediator>-<place hash>`.
 * A retryable failure completes the attempt as `failed` with `details.retry = true` and the NEXT
 * attempt claims `<key>-r<n>`, so every attempt is its own record, the history is listable, and two
 * workers can never run the same attempt. The last allowed attempt (`act.delivery.maxAttempts`)
 * ends as `dead-letter`. The act job itself then throws (retry `later`) so the queue re-runs it with
 * its exponential backoff; claims make the re-run skip everything already done.
 *
 * Crashes. An alert attempt left `pending` by a dead worker is claimed again after
 * `reclaimPendingAfterMs` (alerts are at-least-once; receivers dedupe on the delivery id). A
 * revocation attempt left `pending` is taken over after `revocationReclaimAfterMs`, and the new
 * owner first asks the revoker whether the token still works (`check`): `invalid` is recorded as
 * `already-invalid` without calling the provider again; otherwise the (idempotent) call is repeated.
 *
 * The raw token is unsealed immediately around a revoker (or token-replacing remediator) call and
 * is never stored, logged or put in an error; reasons from upstreams are scrubbed before storage.
 */
import { TokenradiusError, wrapError } from '../core/errors.js';
import { sha256Hex, unseal, type SealingKey } from '../core/secrets.js';
import type { SealedToken } from '../core/types.js';
import type { Logger } from '../observe/logger.js';
import { createScrubber } from '../observe/scrub.js';
import type { Action, ActionOutcome, ClaimActionInput, FindingStore, StoredFinding, StoredOccurrence } from '../store/types.js';
import type { EventType } from './options.js';
import { decide, type PolicyDecision, type PolicyOptions } from './policy.js';
import type { RevocationStatus } from './payload.js';
import type { AlertSink, Remediator, RevocationResult, Revoker } from './types.js';

export type ActStore = Pick<
  FindingStore,
  | 'getFinding'
  | 'claimAction'
  | 'completeAction'
  | 'appendAudit'
  | 'listAudit'
  | 'rememberDelivery'
  | 'getSealedToken'
  | 'deleteSealedToken'
  | 'markRevoked'
  | 'purgeExpired'
  | 'getAction'
  | 'decideApproval'
  | 'beginApprovedAction'
  | 'listActions'
>;

export interface ActDeps {
  store: ActStore;
  sinks: readonly AlertSink[];
  logger?: Logger;
  /** A `pending` alert whose worker died is claimed again after this (alerts are at-least-once). */
  reclaimPendingAfterMs?: number;
  /** Routes, revocation rules, approval mode, remediation (absent: every sink, nothing revoked). */
  policy?: Omit<PolicyOptions, 'sinks'>;
  revokers?: readonly Revoker[];
  remediators?: readonly Remediator[];
  /** Opens sealed tokens for revokers; without it revocations are recorded as unsupported. */
  sealingKey?: SealingKey;
  /** Global dry run: revokers and remediators pretend. */
  dryRun?: boolean;
  /**
   * Attempts per delivery / revocation before `dead-letter`; retryable failures make `act` throw so
   * the queue retries. Absent: no retries (a failure is recorded as `failed` and act returns).
   */
  maxAttempts?: number;
  /** A `pending` revocation whose worker died is taken over (after a `check`) after this. Default 120 s. */
  revocationReclaimAfterMs?: number;
  now?: () => Date;
}

const DEFAULT_EVENTS: readonly EventType[] = ['finding.created', 'finding.updated'];
const scrubReason = createScrubber();
const MAX_ATTEMPT_KEYS = 50;

export const fpHex = (fp: string): string => fp.replace(/^sha256:/, '');

export const actionKeys = {
  alert: (sinkId: string, fp: string, version: number): string => `alert-${fpHex(fp)}-${version}-${sinkId}`,
  revoke: (fp: string, revokerId: string, dryRun = false): string => `revoke-${fpHex(fp)}-${revokerId}${dryRun ? '-dry-run' : ''}`,
  announce: (revocationActionId: string, sinkId: string): string => `revocation-completed-${revocationActionId}-${sinkId}`,
  remediate: (fp: string, remediatorId: string, o: Pick<StoredOccurrence, 'source' | 'locator'>): string =>
    `remediate-${fpHex(fp)}-${remediatorId}-${sha256Hex(JSON.stringify([o.source, o.locator])).slice(0, 16)}`,
};

export function clock(deps: Pick<ActDeps, 'now'>): Date {
  return deps.now ? deps.now() : new Date();
}

export function toError(e: unknown): TokenradiusError {
  return e instanceof TokenradiusError ? e : wrapError('INTERNAL', 'unexpected error', e);
}

function safeText(text: string, max = 1900): string {
  return scrubReason(text).slice(0, max);
}

export function wants(sink: AlertSink, type: EventType): boolean {
  return (sink.events ?? DEFAULT_EVENTS).includes(type);
}

export function policyOptions(deps: Pick<ActDeps, 'sinks' | 'policy'>): PolicyOptions {
  const p = deps.policy;
  return {
    sinks: deps.sinks.map((s) => ({ id: s.id })),
    routes: p?.routes ?? [],
    revocation: p?.revocation ?? [],
    approval: p?.approval ?? 'auto',
    remediation: p?.remediation ?? [],
  };
}

export function decideFor(finding: StoredFinding, deps: Pick<ActDeps, 'sinks' | 'policy'>): PolicyDecision {
  return decide(finding, policyOptions(deps));
}

// ---------------------------------------------------------------------------------------------
// Attempts

export interface Attempt {
  claimed: boolean;
  action: Action;
  /** 1-based attempt number (the `-r<n>` suffix). */
  attempt: number;
}

/**
 * Claim the next attempt of `input.key`: walks `key`, `key-r2`, … past attempts that failed with
 * `details.retry`, and claims the first free one. `claimed: false` returns the attempt that decides
 * (done, dead-lettered, awaiting approval, in progress elsewhere).
 */
export async function claimAttempt(store: Pick<ActStore, 'claimAction'>, input: ClaimActionInput, reclaimMs: number | undefined): Promise<Attempt> {
  let prev: Action | undefined;
  for (let n = 1; ; n++) {
    const key = n === 1 ? input.key : `${input.key}-r${n}`;
    // A retry of an approved revocation does not ask again.
    const approvedBy = prev?.decidedBy ?? (typeof prev?.details.approvedBy === 'string' ? prev.details.approvedBy : undefined);
    const status = approvedBy ? 'pending' : input.status;
    const r = await store.claimAction({
      ...input,
      key,
      ...(status ? { status } : {}),
      details: { ...(input.details ?? {}), attempt: n, ...(approvedBy ? { approvedBy } : {}) },
      ...(reclaimMs ? { reclaimPendingAfterMs: reclaimMs } : {}),
    });
    if (r.claimed) return { ...r, attempt: n };
    const again = r.action.status === 'failed' && r.action.details.retry === true;
    if (!again || n >= MAX_ATTEMPT_KEYS) return { ...r, attempt: n };
    prev = r.action;
  }
}

/** Record a failed attempt per the retry rules. */
export async function recordFailure(
  deps: Pick<ActDeps, 'store' | 'maxAttempts' | 'logger'>,
  action: Action,
  attempt: number,
  what: string,
  err: TokenradiusError,
): Promise<{ status: 'failed' | 'dead-letter'; reason: string; retry: boolean }> {
  const retryable = err.retry !== 'never' && deps.maxAttempts !== undefined;
  const max = deps.maxAttempts ?? 1;
  let r: { status: 'failed' | 'dead-letter'; reason: string; retry: boolean };
  if (retryable && attempt < max) r = { status: 'failed', reason: `${what} failed (${err.code}); attempt ${attempt} of ${max}, retryable`, retry: true };
  else if (retryable) r = { status: 'dead-letter', reason: `${what} failed (${err.code}) after ${attempt} attempt${attempt === 1 ? '' : 's'}; dead-lettered`, retry: false };
  else r = { status: 'failed', reason: `${what} failed (${err.code})`, retry: false };
  await deps.store.completeAction(action.id, r.status, r.reason, { code: err.code, ...(r.retry ? { retry: true } : {}) });
  deps.logger?.warn({ fingerprint: action.fingerprint, action: action.type, target: action.target, attempt, code: err.code, outcome: r.status }, `${what} failed`);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Alerts

export type AlertOutcome = 'sent' | 'already-handled' | 'failed' | 'dead-letter';

export interface DeliveryRequest {
  type: EventType;
  key: string;
  actor: string;
  revocations: readonly RevocationStatus[];
  revocation?: RevocationStatus;
}

export async function deliver(
  deps: ActDeps,
  sink: AlertSink,
  finding: StoredFinding,
  req: DeliveryRequest,
): Promise<{ sink: string; outcome: AlertOutcome; retry: boolean }> {
  const a = await claimAttempt(
    deps.store,
    { key: req.key, fingerprint: finding.fingerprint, type: 'alert', target: sink.id, actor: req.actor, findingVersion: finding.version, details: { event: req.type } },
    deps.reclaimPendingAfterMs,
  );
  if (!a.claimed) return { sink: sink.id, outcome: 'already-handled', retry: false };
  try {
    const receipt = await sink.notify(finding, {
      type: req.type,
      deliveryId: req.key,
      attempt: a.attempt,
      revocations: req.revocations,
      ...(req.revocation ? { revocation: req.revocation } : {}),
      now: clock(deps),
    });
    await deps.store.completeAction(a.action.id, 'succeeded', undefined, receipt ?? {});
    return { sink: sink.id, outcome: 'sent', retry: false };
  } catch (e) {
    // The sink's own error may quote what it sent: record only the code.
    const r = await recordFailure(deps, a.action, a.attempt, `sink ${sink.id}`, toError(e));
    return { sink: sink.id, outcome: r.status, retry: r.retry };
  }
}

// ---------------------------------------------------------------------------------------------
// Revocations

/** What an existing revocation action says, for alerts and API answers. */
export function revocationStatusOf(a: Action): RevocationStatus {
  const base = { revoker: a.target, actionId: a.id, actor: a.actor, at: a.completedAt ?? a.updatedAt, ...(a.reason ? { reason: a.reason } : {}) };
  const confirmed = typeof a.details.confirmed === 'boolean' ? { confirmed: a.details.confirmed } : {};
  switch (a.status) {
    case 'awaiting-approval':
      return { ...base, outcome: 'awaiting-approval' };
    case 'rejected':
      return { ...base, outcome: 'rejected' };
    case 'pending':
    case 'approved':
      return { ...base, outcome: 'in-progress' };
    case 'succeeded':
      return { ...base, ...confirmed, outcome: a.details.outcome === 'already-invalid' ? 'already-invalid' : 'revoked' };
    case 'dry-run':
      return { ...base, outcome: 'dry-run' };
    case 'skipped':
      return { ...base, outcome: 'unsupported' };
    default:
      return { ...base, outcome: 'failed' };
  }
}

export interface RevocationRun {
  status: RevocationStatus;
  /** A retryable failure: the caller should let the queue retry. */
  retry: boolean;
  /** This call recorded an outcome (announce it). */
  completedNow: boolean;
}

const OUTCOME_TO_ACTION: Record<RevocationResult['outcome'], ActionOutcome> = {
  revoked: 'succeeded',
  'already-invalid': 'succeeded',
  'dry-run': 'dry-run',
  unsupported: 'skipped',
  failed: 'failed',
};

async function openSealed(deps: Pick<ActDeps, 'store' | 'sealingKey'>, fp: string): Promise<{ sealed: SealedToken; key: SealingKey } | { missing: string }> {
  if (!deps.sealingKey) return { missing: 'this process has no sealing key to open the stored token' };
  const sealed = await deps.store.getSealedToken(fp);
  if (!sealed) return { missing: 'no sealed token is kept (it expired, was deleted, or the scan ran without a sealing key)' };
  return { sealed, key: deps.sealingKey };
}

/** Run `fn` with the raw token; it exists only for the duration of the call. */
async function withToken<T>(s: { sealed: SealedToken; key: SealingKey }, fp: string, fn: (secret: string) => Promise<T>): Promise<T> {
  const secret = unseal(s.key, s.sealed.sealed, 'token:' + fp);
  return fn(secret);
}

/** Perform a claimed (`pending`) revocation and record its outcome. */
export async function runClaimedRevocation(deps: ActDeps, action: Action, attempt: number, finding: StoredFinding, revoker: Revoker): Promise<RevocationRun> {
  const status = (outcome: RevocationStatus['outcome'], reason: string, confirmed?: boolean): RevocationStatus => ({
    revoker: revoker.id,
    outcome,
    reason,
    ...(confirmed !== undefined ? { confirmed } : {}),
    actionId: action.id,
    actor: action.actor,
    at: clock(deps).toISOString(),
  });
  const dryRun = deps.dryRun ?? false;
  const opened = await openSealed(deps, finding.fingerprint);
  if ('missing' in opened) {
    await deps.store.completeAction(action.id, 'skipped', opened.missing, { outcome: 'unsupported' });
    return { status: status('unsupported', opened.missing), retry: false, completedNow: true };
  }
  const resumed = action.attempts > 1;
  let result: RevocationResult;
  try {
    result = await withToken(opened, finding.fingerprint, async (secret) => {
      if (resumed && revoker.check && !dryRun) {
        const state = await revoker.check(secret, finding);
        if (state === 'invalid') {
          return { outcome: 'already-invalid', confirmed: true, reason: 'an earlier attempt was interrupted before its outcome was recorded; the token no longer works' } satisfies RevocationResult;
        }
      }
      return revoker.revoke(secret, finding, { dryRun, now: clock(deps), deliveryId: action.key, actor: action.actor });
    });
  } catch (e) {
    const r = await recordFailure(deps, action, attempt, `revoker ${revoker.id}`, toError(e));
    // A failure that will be retried is not an outcome: announcing it as `revocation.completed`
    // sent receivers a "failed" and then, after the retry, a second "completed" for one revocation.
    if (r.retry) return { status: status('in-progress', r.reason), retry: true, completedNow: false };
    return { status: status('failed', r.reason), retry: false, completedNow: true };
  }
  const reason = safeText(result.reason);
  const details: Record<string, unknown> = { outcome: result.outcome, ...(result.confirmed !== undefined ? { confirmed: result.confirmed } : {}), ...(result.details ?? {}) };
  await deps.store.completeAction(action.id, OUTCOME_TO_ACTION[result.outcome], reason, details);
  deps.logger?.info({ fingerprint: finding.fingerprint, revoker: revoker.id, outcome: result.outcome, confirmed: result.confirmed }, 'revocation recorded');

  const finished = (result.outcome === 'revoked' && result.confirmed === true) || result.outcome === 'already-invalid';
  if (finished) {
    try {
      await deps.store.markRevoked(finding.fingerprint, action.actor, `${revoker.id}: ${result.outcome}`);
    } catch (e) {
      // Already revoked or marked false positive: the status stays, the token copy still goes.
      if (!(e instanceof TokenradiusError && e.code === 'CONFLICT')) throw e;
      await deps.store.deleteSealedToken(finding.fingerprint, `revoked by ${revoker.id}`, action.actor);
    }
  }
  return { status: status(result.outcome, reason, result.confirmed), retry: false, completedNow: true };
}

/** Claim and (unless it must wait for approval) perform one revocation of a finding. */
export async function startRevocation(
  deps: ActDeps,
  finding: StoredFinding,
  revoker: Revoker,
  o: { actor: string; approval: 'auto' | 'required' },
): Promise<RevocationRun> {
  const dryRun = deps.dryRun ?? false;
  const needsApproval = o.approval === 'required' && !dryRun;
  const a = await claimAttempt(
    deps.store,
    {
      key: actionKeys.revoke(finding.fingerprint, revoker.id, dryRun),
      fingerprint: finding.fingerprint,
      type: 'revocation',
      target: revoker.id,
      actor: o.actor,
      findingVersion: finding.version,
      status: needsApproval ? 'awaiting-approval' : 'pending',
      details: { revoker: revoker.type, ...(dryRun ? { dryRun: true } : {}) },
    },
    deps.revocationReclaimAfterMs ?? 120_000,
  );
  if (!a.claimed) {
    // `pending` claimed by someone else: still running, or its worker died. Retry later; once the
    // claim is stale (`revocationReclaimAfterMs`) a re-run takes it over and checks first.
    return { status: revocationStatusOf(a.action), retry: a.action.status === 'pending', completedNow: false };
  }
  if (a.action.status === 'awaiting-approval') {
    deps.logger?.info({ fingerprint: finding.fingerprint, revoker: revoker.id, actionId: a.action.id }, 'revocation awaits approval');
    return { status: revocationStatusOf(a.action), retry: false, completedNow: false };
  }
  return runClaimedRevocation(deps, a.action, a.attempt, finding, revoker);
}

/** Send `revocation.completed` to the finding's routed sinks that want it. */
export async function announceRevocation(deps: ActDeps, finding: StoredFinding, status: RevocationStatus, sinkIds: readonly string[]): Promise<{ retry: boolean; alerts: Array<{ sink: string; outcome: AlertOutcome }> }> {
  let retry = false;
  const alerts: Array<{ sink: string; outcome: AlertOutcome }> = [];
  for (const id of sinkIds) {
    const sink = deps.sinks.find((s) => s.id === id);
    if (!sink || !wants(sink, 'revocation.completed')) continue;
    const d = await deliver(deps, sink, finding, { type: 'revocation.completed', key: actionKeys.announce(status.actionId, sink.id), actor: status.actor, revocations: [status], revocation: status });
    alerts.push({ sink: d.sink, outcome: d.outcome });
    retry ||= d.retry;
  }
  return { retry, alerts };
}

// ---------------------------------------------------------------------------------------------
// Remediation

export async function remediate(
  deps: ActDeps,
  finding: StoredFinding,
  remediator: Remediator,
  actor: string,
  revocations: readonly RevocationStatus[],
): Promise<{ results: Array<{ remediator: string; place: string; outcome: string }>; retry: boolean }> {
  const results: Array<{ remediator: string; place: string; outcome: string }> = [];
  let retry = false;
  const dryRun = deps.dryRun ?? false;
  for (const occ of finding.occurrences) {
    if (!remediator.applies(occ)) continue;
    const place = `${occ.source}:${occ.locator.path}`;
    const a = await claimAttempt(
      deps.store,
      {
        key: actionKeys.remediate(finding.fingerprint, remediator.id, occ) + (dryRun ? '-dry-run' : ''),
        fingerprint: finding.fingerprint,
        type: 'remediation',
        target: remediator.id,
        actor,
        findingVersion: finding.version,
        details: { kind: occ.locator.kind, ...(dryRun ? { dryRun: true } : {}) },
      },
      undefined,
    );
    if (!a.claimed) {
      results.push({ remediator: remediator.id, place, outcome: 'already-handled' });
      continue;
    }
    try {
      let r;
      if (remediator.needsSecret) {
        const opened = await openSealed(deps, finding.fingerprint);
        if ('missing' in opened) r = { outcome: 'skipped' as const, reason: opened.missing };
        else r = await withToken(opened, finding.fingerprint, (secret) => remediator.remediate(finding, occ, { dryRun, revocations, secret }));
      } else {
        r = await remediator.remediate(finding, occ, { dryRun, revocations });
      }
      await deps.store.completeAction(a.action.id, r.outcome, safeText(r.reason), r.details ?? {});
      results.push({ remediator: remediator.id, place, outcome: r.outcome });
    } catch (e) {
      const f = await recordFailure(deps, a.action, a.attempt, `remediation ${remediator.id}`, toError(e));
      results.push({ remediator: remediator.id, place, outcome: f.status });
      retry ||= f.retry;
    }
  }
  return { results, retry };
}

// ---------------------------------------------------------------------------------------------
// Maintenance

/**
 * Revocations left `pending` by a dead worker whose act job is gone (failed for good): take them
 * over — `check` first, so a revocation that did happen is recorded as `already-invalid` without a
 * second call. Returns how many were resumed.
 */
export async function resumeStaleRevocations(deps: ActDeps): Promise<number> {
  const staleMs = deps.revocationReclaimAfterMs ?? 120_000;
  const cutoff = clock(deps).getTime() - staleMs;
  const page = await deps.store.listActions({ type: ['revocation'], status: ['pending'], order: 'asc', limit: 100 });
  let resumed = 0;
  for (const a of page.items) {
    if (Date.parse(a.updatedAt) > cutoff) continue;
    const finding = await deps.store.getFinding(a.fingerprint, { occurrenceLimit: 20 });
    const revoker = deps.revokers?.find((r) => r.id === a.target);
    if (!finding || !revoker) continue;
    const run = await startRevocation(deps, finding, revoker, { actor: a.actor, approval: 'auto' });
    if (run.completedNow) resumed++;
  }
  return resumed;
}
