/**
 * `scoreFinding`: the blast radius of one leaked token — a score 0..100, a severity band and the
 * factors that produced it. Pure: `now` is an argument.
 *
 * How the factors combine (the list always adds up: `sum(factors[].points) === score`):
 *
 * 1. **Impact** — additive points: privilege, identity (subject type, token use), breadth
 *    (audiences, tenants, wildcards), admin audience, crown jewels, remaining lifetime,
 *    environment, delegation, over-enrichment, exposure of where it leaked. For a non-JWT
 *    credential: privilege and lifetime from its rule's `reach`, a bearer-credential baseline,
 *    host network and key-pair completeness from the rule's context.
 * 2. **Saturation** — the running total is clamped to 0..100 by one factor whose points are the
 *    difference (`saturation`).
 * 3. **Caps** — hard rules, each a negative factor that brings the total down to the top of a
 *    band: inactive tokens (expired, revoked, invalid signature) and public-by-design or test-mode
 *    credentials at most `low`; DPoP proofs, SETs and logout tokens at most `info`.
 * 4. **Multipliers** — replayability and confidence, each a negative factor worth the share of the
 *    running total it removes: sender-constraint binding (keeps 60 %), a passphrase-protected key
 *    (50 %), then liveness (`live` keeps all, `unverifiable`/`unknown` keep 90 %, an expired token
 *    50 %…). Applied after the caps, so a bound token stays strictly below the same token unbound
 *    and an `unverifiable` one strictly below a `live` one even when a cap flattened the total.
 *
 * Every weight, threshold and multiplier comes from `ScoreOptions`.
 */
import type { PrivilegeLevel, TokenProfile } from '../core/profile.js';
import type { BlastRadius, Exposure, Factor, Liveness, LivenessState, Severity } from '../core/types.js';
import type { CredentialReach } from '../detect/types.js';
import { humanDuration, remainingAt } from './lifetime.js';
import { ENCRYPTED_CLAIMS_NOTE } from './profile.js';
import type { ScoreOptions } from './options.js';
import { anyMatch, compileVocab, environmentIn, isWildcardName, type CompiledVocab } from './vocab.js';

export interface ScoreInput {
  kind: 'jwt' | 'credential';
  /** Rule id of the finding (`jwt`, `aws-access-key`, …), for reasons. */
  rule: string;
  /** JWT: the profile from `buildProfile`. */
  profile?: TokenProfile;
  /** Credential: the rule's reach. */
  reach?: CredentialReach;
  /** Non-secret facts the rule read (`encrypted`, `host`, `pair`, `privateKeyNearby`…). */
  context?: Record<string, string>;
  liveness: Liveness;
  /** Where the token was seen (one per occurrence); empty when unknown. */
  exposures: Exposure[];
}

const INACTIVE: ReadonlySet<LivenessState> = new Set(['expired', 'revoked', 'invalid-signature']);
const NON_BEARER = new Set(['dpop-proof', 'set', 'logout']);
/** Liveness rungs that actually checked the token with its issuer (anything beyond the clock). */
const VERIFYING_RUNGS = /^(jwks|signature|introspection|api|provider)/;

class Ledger {
  readonly factors: Factor[] = [];
  total = 0;
  add(id: string, points: number, reason: string): void {
    const p = Math.round(points);
    this.factors.push({ id, points: p, reason });
    this.total += p;
  }
}

/** Band of a score under the configured thresholds. */
export function severityFor(score: number, bands: ScoreOptions['bands']): Severity {
  if (score >= bands.critical) return 'critical';
  if (score >= bands.high) return 'high';
  if (score >= bands.medium) return 'medium';
  if (score >= bands.low) return 'low';
  return 'info';
}

/** Highest score inside a band. */
export function bandCeiling(s: Severity, bands: ScoreOptions['bands']): number {
  switch (s) {
    case 'info':
      return bands.low - 1;
    case 'low':
      return bands.medium - 1;
    case 'medium':
      return bands.high - 1;
    case 'high':
      return bands.critical - 1;
    case 'critical':
      return 100;
  }
}

export function scoreFinding(input: ScoreInput, opts: ScoreOptions, now: Date): BlastRadius {
  const vocab = compileVocab(opts);
  const w = opts.weights;
  const l = new Ledger();
  const ctx = input.context ?? {};

  // 1. Impact.
  if (input.kind === 'jwt') jwtImpact(l, input.profile, vocab, now);
  else credentialImpact(l, input.rule, input.reach, ctx, vocab, now);
  exposureImpact(l, input.exposures, opts);

  // 2. Saturation.
  if (l.total > 100) l.add('saturation', 100 - l.total, `impact of ${l.total} points saturates at 100`);
  else if (l.total < 0) l.add('saturation', -l.total, 'a score cannot go below 0');

  // 3. Caps.
  const cap = (id: string, band: Severity, reason: string): void => {
    const ceiling = bandCeiling(band, opts.bands);
    if (l.total > ceiling) l.add(id, ceiling - l.total, `${reason} ⇒ at most ${band}`);
  };
  const profile = input.kind === 'jwt' ? input.profile : undefined;
  if (profile !== undefined && NON_BEARER.has(profile.tokenUse)) {
    cap('cap-non-bearer', opts.caps.nonBearer, `a ${profile.tokenUse === 'dpop-proof' ? 'DPoP proof' : profile.tokenUse === 'set' ? 'security event token' : 'logout token'} grants no access by itself`);
  }
  const publicByDesign = profile?.publicByDesign ?? (input.kind === 'credential' ? (input.reach?.publicByDesign ?? nonEmpty(ctx.publicByDesign)) : undefined);
  if (publicByDesign !== undefined) cap('cap-public-by-design', opts.caps.publicByDesign, `public by design: ${publicByDesign}`);
  if (input.kind === 'credential' && isTestMode(input.reach, ctx)) cap('cap-test-mode', opts.caps.testMode, 'test-mode / sandbox credential');
  if (INACTIVE.has(input.liveness.state)) cap('cap-inactive', opts.caps.inactive, `token is ${input.liveness.state}`);

  // 4. Multipliers. Liveness goes last so that, whatever binding did, `unverifiable` stays strictly
  // below `live` (x − round(0.1·x) < x for x ≥ 5).
  if (profile !== undefined) {
    if (profile.binding.bound && ctx.privateKeyNearby !== 'true') {
      const m = w.binding.multiplier;
      l.add('binding', -l.total * (1 - m), `sender-constrained (${bindingName(profile.binding.method)}): useless without its private key — keeps ${pct(m)}`);
    } else if (profile.binding.bound) {
      l.add('binding', 0, `sender-constrained (${bindingName(profile.binding.method)}), but a private key leaked next to it`);
    } else {
      l.add('binding', 0, 'bearer token: anyone holding it can use it');
    }
  }
  if (input.kind === 'credential' && ctx.encrypted === 'true') {
    const m = w.credential.encryptedKeyMultiplier;
    l.add('protection', -l.total * (1 - m), `encrypted with a passphrase: useless without it — keeps ${pct(m)}`);
  }
  livenessMultiplier(l, input.liveness, opts);

  const score = Math.max(0, Math.min(100, l.total));
  return { score, severity: severityFor(score, opts.bands), factors: l.factors };
}

function pct(m: number): string {
  return `${Math.round(m * 100)}%`;
}

function bindingName(method: TokenProfile['binding']['method']): string {
  switch (method) {
    case 'dpop':
      return 'DPoP cnf.jkt';
    case 'mtls':
      return 'mTLS cnf.x5t#S256';
    case 'jwk':
      return 'cnf.jwk';
    default:
      return 'cnf';
  }
}

function jwtImpact(l: Ledger, profile: TokenProfile | undefined, vocab: CompiledVocab, now: Date): void {
  const w = vocab.opts.weights;
  if (profile === undefined) {
    const level = vocab.opts.vocab.unknownLevel;
    l.add('privilege', w.privilege[level], `claims not readable: privilege unknown, assumed ${level}`);
    l.add('lifetime', w.lifetime.unbounded, 'expiry not readable: treated as long-lived');
    l.add('environment', w.environment.unknown, 'environment unknown');
    return;
  }

  // Privilege.
  const top = profile.privileges.filter((p) => p.level === profile.privilegeLevel);
  const named = top
    .slice(0, 3)
    .map((p) => `${p.name}${p.why ? ` (${p.why})` : ''}`)
    .join(', ');
  const more = top.length > 3 ? ` and ${top.length - 3} more` : '';
  l.add(
    'privilege',
    w.privilege[profile.privilegeLevel],
    profile.privileges.length === 0 ? 'no scopes, roles or permissions in the token' : `${profile.privilegeLevel}: ${named}${more}`,
  );

  // Identity: who it is and what kind of token.
  const identityPoints = w.subject[profile.subjectType] + w.tokenUse[profile.tokenUse];
  if (identityPoints !== 0) {
    const parts: string[] = [];
    if (w.subject[profile.subjectType] !== 0) parts.push(SUBJECT_REASON[profile.subjectType]);
    if (w.tokenUse[profile.tokenUse] !== 0) parts.push(USE_REASON[profile.tokenUse] ?? `${profile.tokenUse} token`);
    l.add('identity', identityPoints, parts.join('; '));
  }

  // Breadth.
  const b = w.breadth;
  const breadth: Array<[number, string]> = [];
  if (profile.audiences.length > 1) breadth.push([Math.min(b.maxAudiences, (profile.audiences.length - 1) * b.perExtraAudience), `${profile.audiences.length} audiences: replayable to each`]);
  const wildTenant = anyMatch(vocab.wildcardTenants, profile.tenants);
  if (wildTenant !== undefined) breadth.push([b.wildcardTenant, `wildcard tenant '${wildTenant.value}'`]);
  else if (profile.tenants.length > 1) breadth.push([Math.min(b.maxTenants, (profile.tenants.length - 1) * b.perExtraTenant), `${profile.tenants.length} tenants`]);
  const wildScope = profile.privileges.find((p) => p.name.includes('*'));
  if (wildScope !== undefined) breadth.push([b.wildcardScope, `wildcard ${p(wildScope.source)} '${wildScope.name}'`]);
  const wildAud = profile.audiences.find((a) => isWildcardName(a) || a === 'all');
  if (wildAud !== undefined) breadth.push([b.wildcardAudience, `wildcard audience '${wildAud}'`]);
  if (breadth.length > 0) l.add('breadth', breadth.reduce((s, [x]) => s + x, 0), breadth.map(([, r]) => r).join('; '));

  const adminAud = anyMatch(vocab.adminAudiences, profile.audiences);
  if (adminAud !== undefined) l.add('admin-audience', b.adminAudience, `audience ${adminAud.value} is an administration API`);

  const crown: string[] = [];
  const ct = anyMatch(vocab.crownTenants, profile.tenants);
  if (ct) crown.push(`tenant ${ct.value}`);
  const ca = anyMatch(vocab.crownAudiences, profile.audiences);
  if (ca) crown.push(`audience ${ca.value}`);
  const ci = profile.issuer !== undefined ? anyMatch(vocab.crownIssuers, [profile.issuer]) : undefined;
  if (ci) crown.push(`issuer ${ci.value}`);
  if (profile.environment !== 'unknown' && vocab.opts.crownJewels.environments.includes(profile.environment)) crown.push(`environment ${profile.environment}`);
  if (crown.length > 0) l.add('crown-jewel', w.crownJewel, `crown jewel: ${crown.join(', ')}`);

  // Remaining lifetime.
  const remaining = remainingAt(profile.lifetime, now);
  if (remaining === undefined && profile.notes.includes(ENCRYPTED_CLAIMS_NOTE)) l.add('lifetime', w.lifetime.unbounded, 'expiry not readable (encrypted claims): treated as long-lived');
  else if (remaining === undefined) l.add('lifetime', w.lifetime.unbounded, 'no exp: valid until someone revokes it');
  else if (remaining <= 0) l.add('lifetime', w.lifetime.expired, `expired ${humanDuration(remaining)} ago`);
  else {
    const tier = w.lifetime.tiers.find((t) => remaining >= t.minSeconds);
    l.add('lifetime', tier?.points ?? 0, `valid for another ${humanDuration(remaining)}`);
  }

  // Environment.
  l.add(
    'environment',
    w.environment[profile.environment],
    profile.environment === 'unknown' ? 'environment unknown (could be production)' : `${profile.environment}${profile.environmentEvidence ? ` (${profile.environmentEvidence})` : ''}`,
  );

  // Delegation.
  if (profile.delegation.length > 0) {
    l.add(
      'delegation',
      Math.min(w.delegation.max, profile.delegation.length * w.delegation.perActor),
      `delegated: ${profile.delegation[0]} acts for ${profile.subject ?? 'the subject'}${profile.delegation.length > 1 ? ` (chain of ${profile.delegation.length})` : ''}`,
    );
  }

  // Over-enrichment (NHI-02).
  const oe = profile.overEnrichment;
  if (oe.length > 0) {
    const kinds = new Set(oe.map((o) => o.kind));
    const o = w.overEnrichment;
    let points = 0;
    for (const k of kinds) points += o[k];
    const parts = [...kinds].map((k) => {
      const claims = oe.filter((x) => x.kind === k).map((x) => x.claim);
      return `${KIND_REASON[k]} (${claims.slice(0, 3).join(', ')}${claims.length > 3 ? ` +${claims.length - 3}` : ''})`;
    });
    const secretLike = kinds.has('secret') || kinds.has('credential');
    l.add('over-enrichment', Math.min(o.max, points), `${parts.join('; ')}${secretLike ? ' — readable by anyone holding the token, even after it expires: rotate them' : ''}`);
  }
}

const p = (source: string): string => (source === 'directory-role' ? 'role' : source);

const SUBJECT_REASON: Record<TokenProfile['subjectType'], string> = {
  user: 'acts as a user',
  service: 'machine identity (app-only / client credentials / workload)',
  automation: 'automation identity (CI/CD workflow)',
  anonymous: 'anonymous identity',
  unknown: 'subject type unknown',
};

const USE_REASON: Partial<Record<TokenProfile['tokenUse'], string>> = {
  refresh: 'refresh token: mints new access tokens',
  id: 'ID token: accepted as a bearer only where an API trusts ID tokens',
  'service-account': 'service-account token',
  'api-key': 'API key',
};

const KIND_REASON: Record<'secret' | 'credential' | 'pii' | 'size', string> = {
  secret: 'secrets inside claims',
  credential: 'credentials inside claims',
  pii: 'personal data inside claims',
  size: 'bloated claim set',
};

const CRED_LIFETIME_REASON: Record<CredentialReach['lifetime'], string> = {
  minutes: 'typically valid for minutes',
  hours: 'typically valid for hours',
  days: 'typically valid for days',
  months: 'typically valid for months',
  unbounded: 'does not expire until rotated',
};

function nonEmpty(s: string | undefined): string | undefined {
  return s !== undefined && s.length > 0 ? s : undefined;
}

function isTestMode(reach: CredentialReach | undefined, ctx: Record<string, string>): boolean {
  return reach?.testMode === true || ctx.testMode === 'true';
}

function credentialImpact(l: Ledger, rule: string, reach: CredentialReach | undefined, ctx: Record<string, string>, vocab: CompiledVocab, now: Date): void {
  const w = vocab.opts.weights;
  const level: PrivilegeLevel = reach?.privilege ?? 'write';
  l.add('privilege', w.privilege[level], reach ? `${level}: ${reach.scope}` : `${rule}: the rule states no reach; assumed write`);
  l.add('credential', w.credential.baseline, `${rule}: a complete credential, usable as-is`);

  // Lifetime: the credential's own expiry when the rule read one (SAS `se=`), else the family's typical lifetime.
  const expiry = ctx.expiry !== undefined ? Date.parse(ctx.expiry) : NaN;
  if (Number.isFinite(expiry)) {
    const remaining = Math.round((expiry - now.getTime()) / 1000);
    if (remaining <= 0) l.add('lifetime', w.lifetime.expired, `its expiry passed ${humanDuration(remaining)} ago`);
    else l.add('lifetime', w.lifetime.tiers.find((t) => remaining >= t.minSeconds)?.points ?? 0, `valid for another ${humanDuration(remaining)} (its own expiry)`);
  } else {
    const lifetime = reach?.lifetime ?? 'months';
    l.add('lifetime', w.credential.lifetime[lifetime], reach ? CRED_LIFETIME_REASON[lifetime] : 'lifetime unknown: assumed months');
  }

  // Environment from the rule's context (a database host, an account name) or test mode.
  let env: ReturnType<typeof environmentIn> = undefined;
  let evidence = '';
  if (isTestMode(reach, ctx)) {
    env = 'test';
    evidence = 'test-mode credential';
  } else {
    for (const k of ['environment', 'host', 'account', 'name'] as const) {
      const v = ctx[k];
      const e = v !== undefined ? environmentIn(v, vocab) : undefined;
      if (e !== undefined) {
        env = e;
        evidence = `${k} ${v}`;
        break;
      }
    }
  }
  l.add('environment', w.environment[env ?? 'unknown'], env === undefined ? 'environment unknown (could be production)' : `${env} (${evidence})`);

  const host = nonEmpty(ctx.host);
  if (host !== undefined || ctx.local === 'true') {
    if (ctx.local === 'true' || isPrivateHost(host ?? 'localhost')) l.add('network', w.credential.privateHost, `host ${host ?? '(local)'} is on a private network`);
    else l.add('network', w.credential.publicHost, `host ${host} is reachable from the internet`);
  }
  // Both halves of a two-part credential together: Slack xoxc + d cookie, AWS key id + secret.
  const pair = nonEmpty(ctx.pair);
  if (pair !== undefined && pair !== 'false' && pair !== 'missing') l.add('pair', w.credential.completePair, `both halves leaked together (${pair})`);
  else if (nonEmpty(ctx.keyId) !== undefined) l.add('pair', w.credential.completePair, `leaked with its key id ${ctx.keyId}`);
}

function exposureImpact(l: Ledger, exposures: readonly Exposure[], opts: ScoreOptions): void {
  const w = opts.weights.exposure;
  if (exposures.length === 0) {
    l.add('exposure', w.unknown, 'where it leaked is not known');
    return;
  }
  let best: { points: number; reason: string } | undefined;
  for (const e of exposures) {
    const scored = exposurePoints(e, opts);
    if (best === undefined || scored.points > best.points) best = scored;
  }
  const spread = Math.min(w.maxSpread, (exposures.length - 1) * w.perExtraPlace);
  const reason = `${best!.reason}${exposures.length > 1 ? `; seen in ${exposures.length} places` : ''}`;
  l.add('exposure', best!.points + spread, reason);
}

function exposurePoints(e: Exposure, opts: ScoreOptions): { points: number; reason: string } {
  const w = opts.weights.exposure;
  const label = e.label ? ` ${e.label}` : '';
  switch (e.visibility) {
    case 'public':
      return { points: w.public, reason: `public${label}: anyone can read it` };
    case 'unknown':
      return { points: w.unknown, reason: `visibility unknown${label}` };
    case 'private':
    case 'shared-external': {
      const tier = e.audience !== undefined ? w.audienceTiers.find((t) => e.audience! >= t.atLeast) : undefined;
      const who = e.audience !== undefined ? `, ${e.audience} reader${e.audience === 1 ? '' : 's'}` : '';
      const what = e.visibility === 'private' ? 'private' : 'shared with an external organisation';
      return { points: w[e.visibility] + (tier?.points ?? 0), reason: `${what}${label}${who}` };
    }
  }
}

function livenessMultiplier(l: Ledger, liveness: Liveness, opts: ScoreOptions): void {
  const w = opts.weights.liveness;
  let state: LivenessState = liveness.state;
  let reason: string;
  // `live` from the clock alone is not a verification: score it as unverifiable.
  if (state === 'live' && !liveness.checkedBy.some((r) => VERIFYING_RUNGS.test(r))) {
    state = 'unverifiable';
    reason = 'valid by its time claims, not verified with the issuer';
  } else {
    reason = LIVENESS_REASON[state];
    if (liveness.reason && state !== 'live') reason += `: ${liveness.reason}`;
  }
  const m = w[state];
  l.add('liveness', -l.total * (1 - m), `${reason} — keeps ${pct(m)}`);
}

const LIVENESS_REASON: Record<LivenessState, string> = {
  live: 'verified live with its issuer',
  expired: 'expired',
  'not-yet-valid': 'not valid yet (nbf in the future)',
  revoked: 'revoked by its issuer',
  'invalid-signature': 'signature does not verify against the trusted issuer’s keys',
  unverifiable: 'could not be verified',
  unknown: 'liveness unknown',
};

/** RFC 1918 / loopback / link-local / ULA addresses and private DNS suffixes. */
export function isPrivateHost(host: string): boolean {
  let h = host.toLowerCase();
  if (h.startsWith('[')) h = h.slice(1, h.indexOf(']') === -1 ? undefined : h.indexOf(']'));
  else if ((h.match(/:/g) ?? []).length === 1) h = h.replace(/:\d*$/, '');
  if (h === 'localhost' || !h.includes('.') && !h.includes(':')) return true;
  if (/\.(internal|local|localdomain|lan|corp|intranet|home|svc|cluster\.local|private)$/.test(h)) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(h);
  if (v4) {
    const a = Number(v4[1]);
    const b = Number(v4[2]);
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
  }
  if (h.includes(':')) return h === '::1' || /^f[cd][0-9a-f]{2}:/.test(h) || /^fe[89ab][0-9a-f]:/.test(h);
  return false;
}
