/**
 * The act stage: what happens once a finding is new, worse or changed.
 *
 * `act({ fingerprint, version }, deps)` loads the finding and, for each configured alert sink,
 * records an `alert` action through the store's `claimAction` (idempotency key
 * `alert:<sink>:<fingerprint>:<version>`) and notifies the sink only when this call claimed it. A
 * retried or re-run job therefore never alerts twice for the same finding version. With no sinks
 * configured it records one audit line per finding version (`finding.alert-skipped`), deduplicated
 * the same way.
 *
 * Extension point (alerting): policy, routing, revokers and approval plug in here; sinks receive the
 * stored finding (fingerprint, redacted preview, masked claims) and never the raw token.
 */
import { TokenradiusError } from '../core/errors.js';
import type { FindingStore, StoredFinding } from '../store/types.js';
import type { Logger } from '../observe/logger.js';
import type { ActInput } from './stages.js';

export type { ActInput } from './stages.js';

/** An alert destination. Never sees the raw token. */
export interface AlertSink {
  /** Stable kebab-case id (config key, action target). */
  id: string;
  notify(finding: StoredFinding): Promise<void>;
}

export type ActStore = Pick<FindingStore, 'getFinding' | 'claimAction' | 'completeAction' | 'appendAudit' | 'rememberDelivery'>;

export interface ActDeps {
  store: ActStore;
  sinks: readonly AlertSink[];
  logger?: Logger;
  /** A `pending` alert whose worker died is claimed again after this (alerts are at-least-once). */
  reclaimPendingAfterMs?: number;
}

export type AlertOutcome = 'sent' | 'already-handled' | 'failed';

export interface ActResult {
  fingerprint: string;
  version: number;
  /**
   * - `alerted`: every sink was handled (now or by an earlier run);
   * - `no-sinks`: nothing configured, audited once;
   * - `superseded`: the finding has a newer version (its own act job handles it);
   * - `suppressed`: marked false positive / revoked / resolved: no alert;
   * - `missing`: no such finding (deleted since).
   */
  outcome: 'alerted' | 'no-sinks' | 'superseded' | 'suppressed' | 'missing';
  alerts: Array<{ sink: string; outcome: AlertOutcome }>;
}

const QUIET_STATUSES = new Set(['false-positive', 'revoked', 'resolved']);
/** How long the no-sink audit dedupe remembers a finding version. */
const AUDIT_DEDUPE_SECONDS = 90 * 86_400;

export function alertKey(sinkId: string, fingerprint: string, version: number): string {
  return `alert:${sinkId}:${fingerprint}:${version}`;
}

export async function act(input: ActInput, deps: ActDeps): Promise<ActResult> {
  const { fingerprint, version } = input;
  const base = { fingerprint, version, alerts: [] as ActResult['alerts'] };
  const finding = await deps.store.getFinding(fingerprint, { occurrenceLimit: 20 });
  if (!finding) {
    deps.logger?.warn({ fingerprint, version }, 'act: finding not found');
    return { ...base, outcome: 'missing' };
  }
  if (finding.version > version) return { ...base, outcome: 'superseded' };
  if (QUIET_STATUSES.has(finding.status)) return { ...base, outcome: 'suppressed' };

  if (deps.sinks.length === 0) {
    const first = await deps.store.rememberDelivery('act', `alert-skipped:${fingerprint}:${version}`, AUDIT_DEDUPE_SECONDS);
    if (first) {
      await deps.store.appendAudit({
        actor: 'system',
        action: 'finding.alert-skipped',
        fingerprint,
        details: { version, severity: finding.blastRadius.severity, reason: 'no alert sinks configured' },
      });
    }
    return { ...base, outcome: 'no-sinks' };
  }

  const alerts: ActResult['alerts'] = [];
  for (const sink of deps.sinks) {
    const { claimed, action } = await deps.store.claimAction({
      key: alertKey(sink.id, fingerprint, version),
      fingerprint,
      type: 'alert',
      target: sink.id,
      actor: 'policy:default',
      findingVersion: version,
      ...(deps.reclaimPendingAfterMs ? { reclaimPendingAfterMs: deps.reclaimPendingAfterMs } : {}),
    });
    if (!claimed) {
      alerts.push({ sink: sink.id, outcome: 'already-handled' });
      continue;
    }
    try {
      await sink.notify(finding);
      await deps.store.completeAction(action.id, 'succeeded');
      alerts.push({ sink: sink.id, outcome: 'sent' });
    } catch (e) {
      // The sink's own error may quote what it sent: record only the code.
      const code = e instanceof TokenradiusError ? e.code : 'INTERNAL';
      await deps.store.completeAction(action.id, 'failed', `sink ${sink.id} failed (${code})`);
      deps.logger?.warn({ fingerprint, version, sink: sink.id, code }, 'alert sink failed');
      alerts.push({ sink: sink.id, outcome: 'failed' });
    }
  }
  return { ...base, outcome: 'alerted', alerts };
}
