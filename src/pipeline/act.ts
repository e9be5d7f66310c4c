/**
 * The act stage: what happens once a finding is new, worse or changed (the store bumps its
 * `version` exactly then, so one act job per version is the alert dedupe: one alert per finding,
 * again only when it gets worse or changes state).
 *
 * `act({ fingerprint, version }, deps)`:
 * 1. loads the finding; a newer version supersedes this job, a false positive / revoked / resolved
 *    finding is quiet;
 * 2. asks the policy (src/act/policy.ts) which sinks, revokers and remediators apply;
 * 3. revocations first (so the alert can say "revoked" or "awaiting approval"): each applicable
 *    revoker is claimed once per fingerprint (`revoke-<fp>-<revoker>`); in approval mode the action
 *    waits (`awaiting-approval`) for `approveRevocation` / `rejectRevocation` (src/act/operations.ts);
 * 4. alerts: each routed sink once per version (`alert-<fp>-<version>-<sink>`), then
 *    `revocation.completed` to sinks that want it;
 * 5. opt-in remediation at the places it leaked;
 * 6. if any delivery failed retryably it throws (retry `later`) so the queue re-runs the job with
 *    backoff; everything already done is skipped by its claim. See src/act/engine.ts.
 *
 * With no sinks, revokers or remediators configured it records one audit line per finding version
 * (`finding.alert-skipped`). Sinks receive the stored finding (fingerprint, redacted preview, masked
 * claims) and never the raw token; revokers get it, unsealed, for the duration of their call.
 */
import { TokenradiusError } from '../core/errors.js';
import {
  actionKeys,
  announceRevocation,
  decideFor,
  deliver,
  remediate,
  startRevocation,
  wants,
  type ActDeps,
  type AlertOutcome,
} from '../act/engine.js';
import { findingEventType } from '../act/policy.js';
import type { RevocationStatus } from '../act/payload.js';
import type { ActInput } from './stages.js';

export type { ActInput } from './stages.js';
export type { AlertSink, AlertContext } from '../act/types.js';
export type { ActDeps, ActStore, AlertOutcome } from '../act/engine.js';

export interface ActResult {
  fingerprint: string;
  version: number;
  /**
   * - `alerted`: the policy ran (sinks handled now or by an earlier run, revocations decided);
   * - `no-sinks`: nothing configured (or routed), audited once;
   * - `superseded`: the finding has a newer version (its own act job handles it);
   * - `suppressed`: marked false positive / revoked / resolved: no alert;
   * - `missing`: no such finding (deleted since).
   */
  outcome: 'alerted' | 'no-sinks' | 'superseded' | 'suppressed' | 'missing';
  alerts: Array<{ sink: string; outcome: AlertOutcome }>;
  revocations: RevocationStatus[];
  remediations: Array<{ remediator: string; place: string; outcome: string }>;
}

const QUIET_STATUSES = new Set(['false-positive', 'revoked', 'resolved']);
const UNDECIDED = new Set<RevocationStatus['outcome']>(['awaiting-approval', 'in-progress', 'rejected']);

/** Idempotency key of the alert of one finding version to one sink (also its `webhook-id`). */
export function alertKey(sinkId: string, fingerprint: string, version: number): string {
  return actionKeys.alert(sinkId, fingerprint, version);
}

/** Deliveries of this version still to be retried (an earlier attempt of this job failed retryably). */
async function hasUnfinished(deps: ActDeps, fingerprint: string, version: number): Promise<boolean> {
  const page = await deps.store.listActions({ fingerprint, status: ['failed', 'pending'], limit: 200 });
  return page.items.some((a) => a.findingVersion === version && (a.status === 'pending' || a.details.retry === true));
}

async function auditSkipped(deps: ActDeps, fingerprint: string, version: number, severity: string, reason: string): Promise<void> {
  // The audit line itself is the dedupe: look for it, append it if missing. (Remembering a
  // delivery id first and appending after lost the line for good when the store went away
  // between the two — the re-run saw the id and skipped.)
  const written = await deps.store.listAudit({ fingerprint, action: 'finding.alert-skipped', limit: 500 });
  if (written.items.some((a) => a.details.version === version)) return;
  await deps.store.appendAudit({ actor: 'system', action: 'finding.alert-skipped', fingerprint, details: { version, severity, reason } });
}

export async function act(input: ActInput, deps: ActDeps): Promise<ActResult> {
  const { fingerprint, version } = input;
  const base = { fingerprint, version, alerts: [] as ActResult['alerts'], revocations: [] as RevocationStatus[], remediations: [] as ActResult['remediations'] };
  let finding = await deps.store.getFinding(fingerprint, { occurrenceLimit: 20 });
  if (!finding) {
    deps.logger?.warn({ fingerprint, version }, 'act: finding not found');
    return { ...base, outcome: 'missing' };
  }
  if (finding.version > version) return { ...base, outcome: 'superseded' };
  // Quiet findings get no new alerts — but a job that revoked the token itself (status now
  // `revoked`) must still finish its own retries for this version.
  if (QUIET_STATUSES.has(finding.status) && !(await hasUnfinished(deps, fingerprint, version))) return { ...base, outcome: 'suppressed' };

  const nothingConfigured = deps.sinks.length === 0 && !deps.revokers?.length && !deps.remediators?.length;
  if (nothingConfigured) {
    await auditSkipped(deps, fingerprint, version, finding.blastRadius.severity, 'no alert sinks configured');
    return { ...base, outcome: 'no-sinks' };
  }

  const decision = decideFor(finding, deps);
  let retry = false;

  // 1. Revocations.
  const revocations: RevocationStatus[] = [];
  let changed = false;
  if (decision.revocation) {
    for (const id of decision.revocation.revokers) {
      const revoker = deps.revokers?.find((r) => r.id === id);
      if (!revoker || !revoker.supports(finding)) continue;
      const run = await startRevocation(deps, finding, revoker, decision.revocation);
      revocations.push(run.status);
      changed ||= run.completedNow;
      retry ||= run.retry;
    }
    // A confirmed revocation changed the finding's status: alert with the fresh record.
    if (changed) finding = (await deps.store.getFinding(fingerprint, { occurrenceLimit: 20 })) ?? finding;
  }
  // Every revocation with an outcome is announced; the claim per (revocation, sink) makes a re-run
  // of this job retry only the announcements that failed.
  const completed = revocations.filter((r) => !UNDECIDED.has(r.outcome));

  // 2. Alerts.
  const alerts: ActResult['alerts'] = [];
  const type = findingEventType(version);
  const actor = decision.routes[0] ?? 'policy:default';
  if (decision.sinks.length === 0) await auditSkipped(deps, fingerprint, version, finding.blastRadius.severity, 'no route matched');
  for (const id of decision.sinks) {
    const sink = deps.sinks.find((s) => s.id === id);
    if (!sink || !wants(sink, type)) continue;
    const d = await deliver(deps, sink, finding, { type, key: alertKey(sink.id, fingerprint, version), actor, revocations });
    alerts.push({ sink: d.sink, outcome: d.outcome });
    retry ||= d.retry;
  }
  for (const st of completed) {
    const a = await announceRevocation(deps, finding, st, decision.sinks);
    alerts.push(...a.alerts);
    retry ||= a.retry;
  }

  // 3. Remediation (opt-in).
  const remediations: ActResult['remediations'] = [];
  for (const id of decision.remediators) {
    const r = deps.remediators?.find((x) => x.id === id);
    if (!r) continue;
    const out = await remediate(deps, finding, r, 'policy:remediation', revocations);
    remediations.push(...out.results);
    retry ||= out.retry;
  }

  if (retry) {
    throw new TokenradiusError('UPSTREAM_UNAVAILABLE', 'some deliveries failed and will be retried', { details: { fingerprint, version }, retry: 'later' });
  }
  return { ...base, outcome: decision.sinks.length > 0 ? 'alerted' : 'no-sinks', alerts, revocations, remediations };
}
