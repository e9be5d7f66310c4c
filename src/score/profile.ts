/**
 * `buildProfile`: decoded (masked) JWT header and claims → `TokenProfile`, the issuer-independent
 * statement of what a token is, whom it belongs to, what it can do, where it runs and for how long.
 *
 * Pure and total: `now` is an argument, and no claims — missing, mistyped, enormous, deeply nested
 * or named `__proto__` — make it throw. The issuer families in `./issuers/` do the family-specific
 * reading; this module adds what every token shares (lifetime, binding, delegation, environment,
 * over-enrichment) and merges.
 */
import type { Environment, Privilege, SubjectType, TokenProfile, TokenUse } from '../core/profile.js';
import type { MaskedClaim } from '../core/types.js';
import { cut, hostOf, isObject, list, MAX_LIST, normaliseKey, obj, own, str, unique, type Json } from './claims.js';
import { analyseOverEnrichment } from './enrichment.js';
import { issuerFamilies } from './issuers/index.js';
import { tokenUseFromShape } from './issuers/common.js';
import type { EnvironmentHint, FamilyFacts, FamilyInput } from './issuers/types.js';
import { readLifetime } from './lifetime.js';
import type { ScoreOptions } from './options.js';
import { compileVocab, environmentIn, levelRank, maxLevel, type CompiledVocab } from './vocab.js';

export interface BuildProfileInput {
  /** Decoded JOSE header. */
  header: Record<string, unknown>;
  /** Decoded claims, secret values already masked (`maskClaims`). Absent for a JWE. */
  claims?: Record<string, unknown>;
  /** What the masker masked, and why: feeds over-enrichment. */
  maskedClaims?: MaskedClaim[];
  now: Date;
}

/** Registered claims a JWE may replicate in its (readable) header, RFC 7519 §5.3. */
const REPLICATED = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'] as const;
/** Claims that state an environment outright when present. */
const ENV_CLAIM_KEYS = new Set(['env', 'environment', 'stage', 'tier', 'deployenv', 'deploymentenvironment', 'appenv', 'customenv', 'customenvironment', 'xenv']);
/** Header `typ` values that say what a JOSE object is whoever issued it. */
const DECISIVE_USES: ReadonlySet<TokenUse> = new Set(['dpop-proof', 'set', 'logout']);
const MAX_DELEGATION = 10;
/** The note a header-only (JWE) profile carries; the scorer reads it to word its reasons. */
export const ENCRYPTED_CLAIMS_NOTE = 'claims are encrypted (JWE): only the header was readable';

export function buildProfile(input: BuildProfileInput, opts: ScoreOptions): TokenProfile {
  const vocab = compileVocab(opts);
  const header: Json = isObject(input.header) ? input.header : {};
  const claims: Json = isObject(input.claims) ? input.claims : replicatedFromHeader(header);
  const issuer = str(claims, 'iss');
  const issuerHost = hostOf(issuer);
  const audiences = unique(list(own(claims, 'aud'), MAX_LIST));
  const fi: FamilyInput = { header, claims, audiences, vocab, ...(issuer !== undefined ? { issuer } : {}), ...(issuerHost !== undefined ? { issuerHost } : {}) };

  const primaryReader = issuerFamilies.find((f) => f.kind === 'issuer' && f.id !== 'generic' && safeMatch(() => f.matches(fi)));
  const genericReader = issuerFamilies.find((f) => f.id === 'generic');
  const overlayReaders = issuerFamilies.filter((f) => f.kind === 'claims' && safeMatch(() => f.matches(fi)));
  const primary = primaryReader ? safeRead(() => primaryReader.read(fi)) : undefined;
  // The generic reading fills gaps (tenants, client, subject) even when a family matched.
  const base = genericReader ? safeRead(() => genericReader.read(primary?.privileges !== undefined ? { ...fi, skipPrivileges: true } : fi)) : undefined;
  const overlays = overlayReaders.map((r) => safeRead(() => r.read(fi))).filter((f): f is FamilyFacts => f !== undefined);
  const ordered = [primary, ...overlays, base].filter((f): f is FamilyFacts => f !== undefined);

  const family = primary?.family ?? overlays[0]?.family ?? 'generic';
  const shapeUse = tokenUseFromShape(header, claims);
  const tokenUse: TokenUse = shapeUse !== undefined && DECISIVE_USES.has(shapeUse) ? shapeUse : (firstDefined(ordered.map((f) => f.tokenUse)) ?? 'unknown');
  const subjectType: SubjectType = firstDefined(ordered.map((f) => (f.subjectType === 'unknown' ? undefined : f.subjectType))) ?? 'unknown';
  const subject = firstDefined(ordered.map((f) => f.subject));
  const clientId = firstDefined(ordered.map((f) => f.clientId));

  // A family that read privileges owns them; the generic reading fills in only when none did.
  const privileges = dedupePrivileges([...(primary?.privileges ?? base?.privileges ?? []), ...overlays.flatMap((o) => o.privileges ?? [])]);
  if (!isObject(input.claims)) {
    // JWE: what the token can do is encrypted; assume the vocabulary's unknown level rather than none.
    const level = opts.vocab.unknownLevel;
    privileges.push({ name: '(encrypted claims)', source: 'claim', level, why: `claims are encrypted: privilege unknown, assumed ${level}` });
  }
  const tenants = unique([...(primary?.tenants ?? []), ...overlays.flatMap((o) => o.tenants ?? []), ...(base?.tenants ?? [])]).slice(0, MAX_LIST);

  const { lifetime, notes: lifetimeNotes } = readLifetime(claims, input.now);
  const enrichment = analyseOverEnrichment(isObject(input.claims) ? input.claims : undefined, input.maskedClaims, vocab);
  const env = environmentOf(claims, [...(primary?.environmentHints ?? []), ...overlays.flatMap((o) => o.environmentHints ?? [])], audiences, issuer, tenants, vocab);

  const attestation: Record<string, string> = {};
  for (const f of ordered) {
    for (const [k, v] of f.attestation ?? []) {
      // Keys are chosen by our family readers (never claim names), so plain assignment is safe.
      if (!Object.prototype.hasOwnProperty.call(attestation, k)) attestation[k] = cut(v, 300);
    }
  }
  const publicByDesign = firstDefined(ordered.map((f) => f.publicByDesign));
  const notes = unique([...ordered.flatMap((f) => f.notes ?? []), ...lifetimeNotes, ...enrichment.notes]);
  if (!isObject(input.claims)) notes.push(ENCRYPTED_CLAIMS_NOTE);

  return {
    issuerFamily: family,
    ...(issuer !== undefined ? { issuer } : {}),
    tokenUse,
    subjectType,
    ...(subject !== undefined ? { subject } : {}),
    ...(clientId !== undefined ? { clientId } : {}),
    tenants,
    audiences,
    privileges,
    privilegeLevel: maxLevel(privileges.map((p) => p.level)),
    environment: env.environment,
    ...(env.evidence !== undefined ? { environmentEvidence: env.evidence } : {}),
    lifetime,
    binding: bindingOf(claims),
    delegation: delegationOf(claims),
    attestation,
    overEnrichment: enrichment.items,
    ...(publicByDesign !== undefined ? { publicByDesign } : {}),
    notes,
  };
}

function replicatedFromHeader(header: Json): Json {
  const out: Json = {};
  for (const k of REPLICATED) {
    const v = own(header, k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function safeMatch(f: () => boolean): boolean {
  try {
    return f();
  } catch {
    return false;
  }
}

/** A family reader that throws is a bug; the profile still gets built from the others. */
function safeRead(f: () => FamilyFacts): FamilyFacts | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

function firstDefined<T>(xs: ReadonlyArray<T | undefined>): T | undefined {
  for (const x of xs) if (x !== undefined) return x;
  return undefined;
}

/** One entry per (source, name); the highest level wins; highest levels first; bounded. */
function dedupePrivileges(ps: readonly Privilege[]): Privilege[] {
  const byKey = new Map<string, Privilege>();
  for (const p of ps) {
    const k = `${p.source}\u0000${p.name}`;
    const prev = byKey.get(k);
    if (prev === undefined || levelRank(p.level) > levelRank(prev.level)) byKey.set(k, p);
  }
  return [...byKey.values()].sort((a, b) => levelRank(b.level) - levelRank(a.level)).slice(0, MAX_LIST);
}

/**
 * Environment, from the strongest evidence down: an explicit environment claim, the family's
 * hints (GitHub environment, k8s namespace, SPIFFE path, realm, project), audiences, the issuer,
 * the tenants. The first source that names an environment decides.
 */
function environmentOf(
  claims: Json,
  hints: readonly EnvironmentHint[],
  audiences: readonly string[],
  issuer: string | undefined,
  tenants: readonly string[],
  vocab: CompiledVocab,
): { environment: Environment; evidence?: string } {
  let n = 0;
  for (const key of Object.keys(claims)) {
    if (++n > 300) break;
    if (!ENV_CLAIM_KEYS.has(normaliseKey(key))) continue;
    const v = str(claims, key);
    const env = v !== undefined ? environmentIn(v, vocab) : undefined;
    if (env !== undefined) return { environment: env, evidence: `claim ${cut(key, 80)} = ${cut(v ?? '', 80)}` };
  }
  for (const h of hints) {
    if (h.environment !== undefined) return { environment: h.environment, evidence: h.evidence };
    const env = environmentIn(h.text, vocab);
    if (env !== undefined) return { environment: env, evidence: `${h.evidence} ${cut(h.text, 120)}` };
  }
  for (const a of audiences.slice(0, 50)) {
    const env = environmentIn(a, vocab);
    if (env !== undefined) return { environment: env, evidence: `audience ${cut(a, 120)}` };
  }
  if (issuer !== undefined) {
    const env = environmentIn(issuer, vocab);
    if (env !== undefined) return { environment: env, evidence: `issuer ${cut(issuer, 120)}` };
  }
  for (const t of tenants.slice(0, 50)) {
    const env = environmentIn(t, vocab);
    if (env !== undefined) return { environment: env, evidence: `tenant ${cut(t, 120)}` };
  }
  return { environment: 'unknown' };
}

/** RFC 7800 `cnf`: DPoP (`jkt`, RFC 9449), mTLS (`x5t#S256`, RFC 8705), a key (`jwk`), or other. */
function bindingOf(claims: Json): TokenProfile['binding'] {
  const cnf = obj(claims, 'cnf');
  if (cnf === undefined || Object.keys(cnf).length === 0) return { bound: false };
  if (str(cnf, 'jkt') !== undefined) return { bound: true, method: 'dpop' };
  if (str(cnf, 'x5t#S256') !== undefined) return { bound: true, method: 'mtls' };
  if (isObject(own(cnf, 'jwk'))) return { bound: true, method: 'jwk' };
  return { bound: true, method: 'other' };
}

/** RFC 8693 `act` chain: the top-level `act` is the current actor; nested ones are history. */
function delegationOf(claims: Json): string[] {
  const chain: string[] = [];
  let act = obj(claims, 'act');
  while (act !== undefined && chain.length < MAX_DELEGATION) {
    const who = str(act, 'sub') ?? str(act, 'client_id') ?? 'unnamed actor';
    const iss = str(act, 'iss');
    chain.push(iss !== undefined ? `${who} (${iss})` : who);
    act = obj(act, 'act');
  }
  return chain;
}
