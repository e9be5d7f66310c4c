/**
 * Re-check a finding's liveness on a responder's request, and re-score it.
 *
 * - A JWT whose token is still kept sealed goes up the whole ladder again (clock, then JWKS
 *   signature and introspection for trusted issuers when `trust.verify` is on). The raw token exists
 *   only for the duration of that call.
 * - A JWT without a sealed token (expired, deleted, or scanned without a sealing key) is re-checked
 *   against the clock from its stored claims (`exp` / `nbf` are never masked): it can turn `expired`,
 *   never more alive than it was.
 * - Credentials have no safe generic check: the state stays, `checkedAt` moves.
 *
 * The result is recorded like any observation (an `upsert` of the finding at its first occurrence,
 * so no occurrence is added), which bumps the finding's version when the state changed, and audited
 * as `finding.liveness-rechecked` with the actor.
 */
import { TokenradiusError } from '../../core/errors.js';
import { unseal, type SealingKey } from '../../core/secrets.js';
import type { Config } from '../../config/schema.js';
import type { BlastRadius, FindingObservation, Liveness, TokenProfile } from '../../core/types.js';
import { decodeJwt } from '../../detect/jwt/index.js';
import { credentialRules } from '../../detect/rules/index.js';
import { buildProfile, scoreFinding } from '../../score/index.js';
import { createLivenessChecker, temporalLiveness, type LivenessChecker } from '../../score/liveness/index.js';
import type { FindingRecord, FindingStore, StoredFinding } from '../../store/types.js';

export interface RecheckDeps {
  store: Pick<FindingStore, 'getFinding' | 'getSealedToken' | 'upsert' | 'appendAudit'>;
  config: Pick<Config, 'trust' | 'score'>;
  env: Readonly<Record<string, string>>;
  sealingKey?: SealingKey;
  /** Prebuilt checker (tests); else one is built on first use and reused. */
  liveness?: LivenessChecker;
}

export interface RecheckResult {
  finding: FindingRecord;
  previous: { liveness: Liveness['state']; severity: BlastRadius['severity']; score: number };
}

export interface Rechecker {
  recheck(fingerprint: string, actor: string, now: Date): Promise<RecheckResult>;
}

function reachOf(rule: string) {
  return credentialRules.find((r) => r.id === rule)?.reach;
}

export function createRechecker(deps: RecheckDeps): Rechecker {
  let checker = deps.liveness;
  const checkerFor = () => (checker ??= createLivenessChecker(deps.config.trust, deps.env));

  async function newLiveness(f: StoredFinding, now: Date): Promise<{ liveness: Liveness; decodedClaims?: boolean }> {
    const checkedAt = now.toISOString();
    if (f.kind !== 'jwt') {
      return { liveness: { ...f.liveness, checkedAt } };
    }
    const sealed = deps.sealingKey ? await deps.store.getSealedToken(f.fingerprint) : null;
    if (sealed && deps.sealingKey) {
      let token: string;
      try {
        token = unseal(deps.sealingKey, sealed.sealed, 'token:' + f.fingerprint);
      } catch {
        // A key rotated since the scan: fall back to the clock (below).
        token = '';
      }
      if (token) {
        const decoded = decodeJwt(token) ?? undefined;
        return { liveness: await checkerFor().check({ token, decoded, kind: 'jwt' }, now, { verify: deps.config.trust.verify }) };
      }
    }
    const temporal = temporalLiveness(f.claims, now, deps.config.trust.skewSeconds);
    if (temporal.state === 'expired' || temporal.state === 'not-yet-valid') return { liveness: temporal };
    const note = 're-checked against the clock only: no sealed token is kept';
    return { liveness: { ...f.liveness, checkedAt, reason: f.liveness.reason ? `${f.liveness.reason}; ${note}` : note } };
  }

  return {
    async recheck(fingerprint, actor, now) {
      const f = await deps.store.getFinding(fingerprint, { occurrenceLimit: 100 });
      if (!f) throw new TokenradiusError('NOT_FOUND', 'no finding with this fingerprint');
      if (f.status === 'false-positive') throw new TokenradiusError('CONFLICT', 'a false positive is not re-checked; reopen it first', { details: { status: f.status } });
      const { liveness } = await newLiveness(f, now);

      let profile: TokenProfile | undefined = f.profile;
      let blastRadius: BlastRadius = f.blastRadius;
      const stateChanged = liveness.state !== f.liveness.state;
      if (f.kind === 'jwt' && f.header) {
        // Remaining lifetime moved on: rebuild the profile from the stored (masked) claims.
        profile = buildProfile({ header: f.header, ...(f.claims ? { claims: f.claims } : {}), ...(f.maskedClaims ? { maskedClaims: f.maskedClaims } : {}), now }, deps.config.score);
      }
      if (f.kind === 'jwt' || stateChanged) {
        const reach = reachOf(f.rule);
        blastRadius = scoreFinding(
          {
            kind: f.kind,
            rule: f.rule,
            ...(profile ? { profile } : {}),
            ...(reach ? { reach } : {}),
            liveness,
            exposures: f.occurrences.flatMap((o) => (o.exposure ? [o.exposure] : [])),
          },
          deps.config.score,
          now,
        );
      }

      const first = f.occurrences[0]!;
      const { lastSeen: _lastSeen, ...occurrence } = first;
      const observation: FindingObservation = {
        fingerprint: f.fingerprint,
        rule: f.rule,
        kind: f.kind,
        redacted: f.redacted,
        ...(f.header ? { header: f.header } : {}),
        ...(f.claims ? { claims: f.claims } : {}),
        ...(f.maskedClaims ? { maskedClaims: f.maskedClaims } : {}),
        ...(f.jwtForm ? { jwtForm: f.jwtForm } : {}),
        ...(profile ? { profile } : {}),
        liveness,
        blastRadius,
        occurrence,
      };
      const result = await deps.store.upsert(observation);
      await deps.store.appendAudit({
        actor,
        action: 'finding.liveness-rechecked',
        fingerprint,
        details: {
          from: f.liveness.state,
          to: liveness.state,
          checkedBy: liveness.checkedBy,
          severity: blastRadius.severity,
          score: blastRadius.score,
          change: result.change,
        },
      });
      const fresh = await deps.store.getFinding(fingerprint, { occurrenceLimit: 1 });
      if (!fresh) throw new TokenradiusError('NOT_FOUND', 'no finding with this fingerprint');
      const { occurrences: _o, ...record } = fresh;
      return { finding: record, previous: { liveness: f.liveness.state, severity: f.blastRadius.severity, score: f.blastRadius.score } };
    },
  };
}
