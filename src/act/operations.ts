/**
 * What responders (the review API) do with revocations, on the same `ActDeps` the act stage uses:
 *
 * - `approveRevocation(actionId, actor, deps)`: an `awaiting-approval` revocation is approved
 *   (audited with the actor) and performed now; its outcome is recorded and announced
 *   (`revocation.completed`) to the finding's routed sinks. Exactly one caller performs it, however
 *   many approve at once (`beginApprovedAction`).
 * - `rejectRevocation(actionId, actor, deps, reason?)`: `awaiting-approval` → `rejected`; nothing
 *   is revoked.
 * - `requestRevocation(fingerprint, actor, deps)`: "revoke now" — every configured revoker that
 *   handles the token, through the approval mode (`act.approval: required` ⇒ it waits for approval).
 * - `listDeadLetters(deps)`: deliveries and revocations that gave up after their retries.
 *
 * Errors: `NOT_FOUND` (no such action / finding), `CONFLICT` (not a revocation, already decided),
 * and whatever the store raises. A revoker's own failure is an outcome, not an error.
 */
import { TokenradiusError } from '../core/errors.js';
import type { Action, Page } from '../store/types.js';
import {
  announceRevocation,
  decideFor,
  revocationStatusOf,
  runClaimedRevocation,
  startRevocation,
  toError,
  type ActDeps,
} from './engine.js';
import type { RevocationStatus } from './payload.js';

export interface RevocationDecisionResult {
  action: Action;
  status: RevocationStatus;
}

async function revocationAction(deps: ActDeps, actionId: string): Promise<Action> {
  const a = await deps.store.getAction(actionId);
  if (!a) throw new TokenradiusError('NOT_FOUND', 'no such action');
  if (a.type !== 'revocation') throw new TokenradiusError('CONFLICT', `action is a ${a.type}, not a revocation`, { details: { type: a.type } });
  return a;
}

export async function approveRevocation(actionId: string, actor: string, deps: ActDeps, reason?: string): Promise<RevocationDecisionResult> {
  await revocationAction(deps, actionId);
  await deps.store.decideApproval(actionId, 'approve', actor, reason);
  const begun = await deps.store.beginApprovedAction(actionId);
  if (!begun.claimed) return { action: begun.action, status: revocationStatusOf(begun.action) };
  const action = begun.action;
  const finding = await deps.store.getFinding(action.fingerprint, { occurrenceLimit: 20 });
  const revoker = deps.revokers?.find((r) => r.id === action.target);
  if (!finding || !revoker) {
    const why = !finding ? 'the finding no longer exists' : `revoker ${action.target} is no longer configured`;
    const done = await deps.store.completeAction(action.id, 'failed', why, { outcome: 'failed' });
    return { action: done, status: revocationStatusOf(done) };
  }
  const attempt = typeof action.details.attempt === 'number' ? action.details.attempt : 1;
  const run = await runClaimedRevocation(deps, action, attempt, finding, revoker);
  const fresh = (await deps.store.getFinding(action.fingerprint, { occurrenceLimit: 20 })) ?? finding;
  try {
    await announceRevocation(deps, fresh, run.status, decideFor(fresh, deps).sinks);
  } catch (e) {
    // The revocation is recorded; a failed announcement must not turn the approval into an error.
    deps.logger?.warn({ fingerprint: action.fingerprint, code: toError(e).code }, 'announcing the revocation failed');
  }
  return { action: (await deps.store.getAction(actionId)) ?? action, status: run.status };
}

export async function rejectRevocation(actionId: string, actor: string, deps: ActDeps, reason?: string): Promise<RevocationDecisionResult> {
  await revocationAction(deps, actionId);
  const action = await deps.store.decideApproval(actionId, 'reject', actor, reason);
  return { action, status: revocationStatusOf(action) };
}

/**
 * Revoke now, on a responder's request: every configured revoker that handles this token family.
 * `NOT_FOUND` when the finding is unknown; an empty list when no revoker applies.
 */
export async function requestRevocation(fingerprint: string, actor: string, deps: ActDeps): Promise<RevocationStatus[]> {
  const finding = await deps.store.getFinding(fingerprint, { occurrenceLimit: 20 });
  if (!finding) throw new TokenradiusError('NOT_FOUND', 'no finding with this fingerprint');
  const out: RevocationStatus[] = [];
  const approval = deps.policy?.approval ?? 'auto';
  for (const revoker of deps.revokers ?? []) {
    if (!revoker.supports(finding)) continue;
    const run = await startRevocation(deps, finding, revoker, { actor, approval });
    out.push(run.status);
    if (run.completedNow) {
      const fresh = (await deps.store.getFinding(fingerprint, { occurrenceLimit: 20 })) ?? finding;
      await announceRevocation(deps, fresh, run.status, decideFor(fresh, deps).sinks).catch(() => undefined);
    }
  }
  return out;
}

/** Actions that gave up after their retries (newest first): alerts, revocations, remediations. */
export function listDeadLetters(deps: Pick<ActDeps, 'store'>, o: { limit?: number; cursor?: string } = {}): Promise<Page<Action>> {
  return deps.store.listActions({ status: ['dead-letter'], limit: o.limit ?? 100, ...(o.cursor ? { cursor: o.cursor } : {}) });
}
