/**
 * The scan stage: one chunk of text in, observations into a `FindingSink` out. The same function
 * runs in the CLI (sink = in-memory aggregator, possibly inside a worker thread) and in the
 * service (sink = findings store, called by the BullMQ `scan` processor).
 *
 * For each match the engine returns: fingerprint, redacted preview, exact line/column (1-based,
 * UTF-16 columns, from the chunk's locator + the match offset), for JWTs the masked header/claims
 * and the profile, liveness, blast radius (with the chunk's exposure), optionally the raw token
 * sealed for later revocation, then `sink.upsert`.
 *
 * Contract:
 * - Pure apart from `deps` (the clock is the `now` argument).
 * - The raw token never leaves this function except sealed; the result carries fingerprints only.
 * - A match whose decoding, profiling, liveness or scoring fails is still reported (with what could
 *   be computed and a fallback assessment) and the error is recorded as a typed code; the other
 *   matches of the chunk are unaffected. An engine failure on hostile text is recorded, not thrown.
 * - A sink failure (store down) IS thrown: the caller (queue) must retry the chunk; upserts are
 *   idempotent so the matches already stored are not duplicated.
 */
import { isTokenradiusError, wrapError, type ErrorCode } from '../core/errors.js';
import { fingerprint as fingerprintOf, redact, seal, type SealingKey } from '../core/secrets.js';
import type {
  BlastRadius,
  Chunk,
  Exposure,
  FindingObservation,
  FindingSink,
  Liveness,
  Locator,
  MaskedClaim,
  Severity,
  TokenProfile,
  UpsertResult,
} from '../core/types.js';
import type { CredentialReach, DecodedJwt, Match } from '../detect/types.js';
import { redactFlagged } from '../score/enrichment.js';
import { createPositionResolver } from './position.js';

/** What the scan stage needs from the detection engine. */
export interface ScanEngine {
  /** Never throws by contract; the stage still contains it if it does. */
  scan(text: string): Match[];
}

/** Everything the stage knows about a match when asking for liveness or a score. */
export interface MatchFacts {
  ruleId: string;
  kind: Match['kind'];
  /** Non-secret facts the rule read off the token (`Match.context`). */
  context?: Record<string, string>;
  /** JWT only. */
  header?: Record<string, unknown>;
  /** JWT only, unmasked (never leaves the stage; liveness/scoring read `exp`, `cnf`, …). */
  claims?: Record<string, unknown>;
  jwtForm?: DecodedJwt['form'];
  /** What the engine decoded (JWT only). */
  decoded?: DecodedJwt;
  profile?: TokenProfile;
  /** Credential family reach (non-JWT rules). */
  reach?: CredentialReach;
  exposure?: Exposure;
}

export interface ScanDeps {
  engine: ScanEngine;
  sink: FindingSink;
  /** JWT claim handling: mask secret/PII claim values; build the normalised profile. */
  jwt: {
    /**
     * Mask secret claim values. `engine` is the stage's own (`deps.engine`): claim values are
     * searched with the same rules — custom ones included — as the text.
     */
    mask(claims: Record<string, unknown>, engine: ScanEngine): { claims: Record<string, unknown>; masked: MaskedClaim[] };
    /** Built from the MASKED claims (absent when masking failed or for a JWE) and what was masked. */
    profile(input: { header: Record<string, unknown>; claims?: Record<string, unknown>; maskedClaims?: MaskedClaim[] }, now: Date): TokenProfile | undefined;
  };
  /**
   * Liveness ladder (temporal only in the CLI; JWKS/introspection for trusted issuers in the
   * service). Gets the raw token because introspection must send it to the trusted issuer.
   */
  liveness: { check(token: string, facts: MatchFacts, now: Date): Promise<Liveness> };
  /** Blast radius with the configured score options bound in. */
  score(facts: MatchFacts, liveness: Liveness, now: Date): BlastRadius;
  /** Reach of a credential rule, by rule id. */
  reach(ruleId: string): CredentialReach | undefined;
  /** When set, the raw token is kept sealed (AES-256-GCM) on the observation for later revocation. */
  sealingKey?: SealingKey;
}

export interface ScanMatchResult {
  fingerprint: string;
  ruleId: string;
  change: UpsertResult['change'];
  version: number;
  score: number;
  severity: Severity;
}

export interface ScanError {
  code: ErrorCode;
  /** Safe text (no token): what failed. */
  message: string;
  ruleId?: string;
  fingerprint?: string;
}

export interface ScanChunkResult {
  chunkId: string;
  matches: ScanMatchResult[];
  errors: ScanError[];
}

/** The assessment used when scoring itself failed: visible, mid-range, and saying why. */
export function fallbackBlastRadius(code: ErrorCode): BlastRadius {
  return {
    score: 50,
    severity: 'medium',
    factors: [{ id: 'scoring-failed', points: 50, reason: `scoring failed (${code}); review this finding by hand` }],
  };
}

/** Claims the scorer flagged as secrets or credentials that the masker did not mask. */
function flaggedSecrets(profile: TokenProfile, masked: readonly MaskedClaim[] | undefined): MaskedClaim[] {
  const done = new Set((masked ?? []).map((m) => m.path));
  const out: MaskedClaim[] = [];
  for (const o of profile.overEnrichment) {
    if ((o.kind === 'secret' || o.kind === 'credential') && !done.has(o.claim) && o.claim !== '(all)') {
      done.add(o.claim);
      out.push({ path: o.claim, reason: `flagged by scoring: ${o.detail}` });
    }
  }
  return out;
}

/** A GitHub blob permalink's line fragment: `#L12` or `#L12-L40`. */
const GITHUB_LINES_FRAGMENT = /#L\d+(?:-L\d+)?$/;

/**
 * The chunk's locator moved to the match. A GitHub commit file's permalink names the chunk's line
 * range (`…/blob/<sha>/<path>#L12-L40`); the finding's points at its own line (`#L17`). Comment
 * links (`#issuecomment-…`, a locator with `field`) are left as they are.
 */
function locatorAt(base: Locator, line: number, column: number): Locator {
  if (base.kind === 'github' && base.url && !base.field && GITHUB_LINES_FRAGMENT.test(base.url)) {
    return { ...base, url: base.url.replace(GITHUB_LINES_FRAGMENT, `#L${line}`), line, column };
  }
  return { ...base, line, column } as Locator;
}

function errorOf(e: unknown, fallbackCode: ErrorCode, message: string): { code: ErrorCode; message: string } {
  if (isTokenradiusError(e)) return { code: e.code, message: e.message };
  const w = wrapError(fallbackCode, message, e);
  return { code: w.code, message: w.message };
}

/** `exp` as ISO time (seconds; milliseconds when the value is clearly in ms), if sane. */
export function expiryOf(claims: Record<string, unknown> | undefined, profile: TokenProfile | undefined): string | undefined {
  if (profile?.lifetime.expiresAt) return profile.lifetime.expiresAt;
  const exp = claims && Object.prototype.hasOwnProperty.call(claims, 'exp') ? claims.exp : undefined;
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= 0) return undefined;
  const ms = exp > 1e11 ? exp : exp * 1000;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export async function scanChunk(chunk: Chunk, deps: ScanDeps, now: Date): Promise<ScanChunkResult> {
  const result: ScanChunkResult = { chunkId: chunk.id, matches: [], errors: [] };
  let matches: Match[];
  try {
    matches = deps.engine.scan(chunk.text);
  } catch (e) {
    result.errors.push({ ...errorOf(e, 'INTERNAL', 'the detection engine failed on this chunk') });
    return result;
  }
  if (matches.length === 0) return result;
  if (matches.length > 1) matches = [...matches].sort((a, b) => a.start - b.start);

  const nowIso = now.toISOString();
  const position = createPositionResolver(chunk.text, chunk.locator.line, chunk.locator.column);

  for (const m of matches) {
    const fp = fingerprintOf(m.secret);
    const pos = position(m.start);
    const facts: MatchFacts = { ruleId: m.ruleId, kind: m.kind };
    if (m.context) facts.context = m.context;
    if (chunk.exposure) facts.exposure = chunk.exposure;
    const fail = (e: unknown, code: ErrorCode, message: string) => {
      result.errors.push({ ...errorOf(e, code, message), ruleId: m.ruleId, fingerprint: fp });
    };

    let header: Record<string, unknown> | undefined;
    let maskedClaims: Record<string, unknown> | undefined;
    let masked: MaskedClaim[] | undefined;
    if (m.kind === 'jwt' && m.jwt) {
      header = m.jwt.header;
      facts.header = m.jwt.header;
      facts.jwtForm = m.jwt.form;
      facts.decoded = m.jwt;
      if (m.jwt.claims) {
        facts.claims = m.jwt.claims;
        try {
          const r = deps.jwt.mask(m.jwt.claims, deps.engine);
          maskedClaims = r.claims;
          masked = r.masked;
        } catch (e) {
          // Without masking we must not show the claims at all.
          fail(e, 'JWT_MALFORMED', 'the claims could not be masked; they are left out');
        }
      }
      try {
        const p = deps.jwt.profile(
          { header: m.jwt.header, ...(maskedClaims ? { claims: maskedClaims } : {}), ...(masked ? { maskedClaims: masked } : {}) },
          now,
        );
        if (p) facts.profile = p;
      } catch (e) {
        fail(e, 'INTERNAL', 'the token profile could not be built');
      }
      if (maskedClaims && facts.profile) {
        // Values only the scorer recognises as secrets (`license_key: <random>`) are hidden too.
        try {
          const flagged = flaggedSecrets(facts.profile, masked);
          if (flagged.length > 0) {
            maskedClaims = redactFlagged(maskedClaims, facts.profile.overEnrichment, redact) as Record<string, unknown>;
            masked = [...(masked ?? []), ...flagged];
          }
        } catch (e) {
          // Claims that cannot be checked are not shown.
          maskedClaims = undefined;
          fail(e, 'INTERNAL', 'the claims could not be checked for secrets; they are left out');
        }
      }
    } else {
      try {
        const reach = deps.reach(m.ruleId);
        if (reach) facts.reach = reach;
      } catch {
        /* unknown rule: no reach */
      }
    }

    let liveness: Liveness;
    try {
      liveness = await deps.liveness.check(m.secret, facts, now);
    } catch (e) {
      fail(e, 'INTERNAL', 'the liveness check failed');
      liveness = { state: 'unknown', checkedBy: [], reason: 'liveness check failed' };
    }

    let blastRadius: BlastRadius;
    try {
      blastRadius = deps.score(facts, liveness, now);
    } catch (e) {
      const err = errorOf(e, 'INTERNAL', 'scoring failed');
      result.errors.push({ ...err, ruleId: m.ruleId, fingerprint: fp });
      blastRadius = fallbackBlastRadius(err.code);
    }

    const observation: FindingObservation = {
      fingerprint: fp,
      rule: m.ruleId,
      kind: m.kind,
      redacted: redact(m.secret),
      liveness,
      blastRadius,
      occurrence: {
        source: chunk.source,
        locator: locatorAt(chunk.locator, pos.line, pos.column),
        ...(chunk.exposure ? { exposure: chunk.exposure } : {}),
        ...(chunk.author ? { author: chunk.author } : {}),
        ...(chunk.at ? { at: chunk.at } : {}),
        firstSeen: nowIso,
      },
    };
    if (header) observation.header = header;
    if (maskedClaims) observation.claims = maskedClaims;
    if (masked && masked.length > 0) observation.maskedClaims = masked;
    if (facts.jwtForm) observation.jwtForm = facts.jwtForm;
    if (facts.profile) observation.profile = facts.profile;
    if (deps.sealingKey) {
      const expiresAt = expiryOf(m.jwt?.claims, facts.profile);
      observation.sealedToken = {
        sealed: seal(deps.sealingKey, m.secret, 'token:' + fp),
        keyId: deps.sealingKey.id,
        ...(expiresAt ? { expiresAt } : {}),
      };
    }

    // Sink failures propagate (see contract).
    const up = await deps.sink.upsert(observation);
    result.matches.push({ fingerprint: fp, ruleId: m.ruleId, change: up.change, version: up.version, score: blastRadius.score, severity: blastRadius.severity });
  }
  return result;
}
