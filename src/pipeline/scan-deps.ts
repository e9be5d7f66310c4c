/**
 * Builds the scan stage's dependencies once from the configuration: the detection engine (every
 * built-in rule plus custom rules, minus disabled ones), claim masking and profiling, the liveness
 * ladder, scoring with the configured options, and the sink.
 *
 * The CLI calls it in every worker thread (with a collecting sink) and offline liveness (temporal
 * only: nothing is fetched); the service calls it once per process with the findings store, a
 * sealing key and network-capable liveness for trusted issuers.
 */
import type { Config } from '../config/schema.js';
import type { FindingSink } from '../core/types.js';
import type { SealingKey } from '../core/secrets.js';
import { allDetectors, createDefaultEngine } from '../detect/index.js';
import { maskClaims } from '../detect/jwt/index.js';
import { credentialRules } from '../detect/rules/index.js';
import type { CredentialReach } from '../detect/types.js';
import { buildProfile, scoreFinding } from '../score/index.js';
import { createLivenessChecker, type LivenessChecker } from '../score/liveness/checker.js';
import type { RuleInfo } from '../output/types.js';
import type { ScanDeps } from './scan-chunk.js';

export interface BuildScanDepsOptions {
  sink: FindingSink;
  /** Service mode: keep the raw token sealed for later revocation. */
  sealingKey?: SealingKey;
  /**
   * Contact trusted issuers (JWKS, introspection). Default false: the CLI decides liveness from
   * the token's own time claims and never sends anything anywhere.
   */
  verify?: boolean;
  /** Environment snapshot for introspection credentials (`LoadedConfig.env`). */
  env?: Readonly<Record<string, string>>;
  /** Use this liveness checker instead of building one (tests, shared service instance). */
  liveness?: LivenessChecker;
}

export function buildScanDeps(config: Config, o: BuildScanDepsOptions): ScanDeps {
  const engine = createDefaultEngine(config.detect);
  const reachById = new Map<string, CredentialReach>();
  for (const r of credentialRules) if (r.reach) reachById.set(r.id, r.reach);
  const checker = o.liveness ?? createLivenessChecker(config.trust, o.env ?? {});
  const verify = o.verify ?? false;
  const scoreOptions = config.score;

  return {
    engine,
    sink: o.sink,
    jwt: {
      // The stage passes its engine (this one): credentials, custom rules and nested JWTs are found inside claim values too.
      mask: (claims, scanEngine) => maskClaims(claims, scanEngine),
      profile: (input, now) => buildProfile({ ...input, now }, scoreOptions),
    },
    liveness: {
      check: (token, facts, now) => checker.check({ token, decoded: facts.decoded, kind: facts.kind }, now, { verify }),
    },
    score: (facts, liveness, now) =>
      scoreFinding(
        {
          kind: facts.kind,
          rule: facts.ruleId,
          ...(facts.profile ? { profile: facts.profile } : {}),
          ...(facts.reach ? { reach: facts.reach } : {}),
          ...(facts.context ? { context: facts.context } : {}),
          liveness,
          exposures: facts.exposure ? [facts.exposure] : [],
        },
        scoreOptions,
        now,
      ),
    reach: (id) => reachById.get(id),
    ...(o.sealingKey ? { sealingKey: o.sealingKey } : {}),
  };
}

/** Names and documentation links of every rule, for reports (SARIF rules, table). */
export function ruleCatalogue(config: Config): ReadonlyMap<string, RuleInfo> {
  const out = new Map<string, RuleInfo>();
  for (const { detector: d } of allDetectors(config.detect)) out.set(d.id, { id: d.id, name: d.name, ...(d.docs ? { docs: d.docs } : {}) });
  return out;
}
