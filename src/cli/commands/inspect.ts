/**
 * `tokenradius inspect [token|-]`: a safe jwt.io for security teams. Decodes one token offline and
 * explains it: JOSE header, claims (secret values masked), the normalised profile, liveness and the
 * blast-radius score with its factor breakdown. Works for non-JWT credentials too (the engine
 * identifies the rule; the score comes from the rule's reach).
 *
 * Contract:
 * - Offline by default: nothing is sent anywhere. Only `--verify` lets the liveness ladder contact
 *   an issuer, and only one on the configured trust list (`trust.issuers`).
 * - The raw token is never printed: only its redacted preview and `sha256:` fingerprint.
 * - Input: the argument, or stdin when the argument is `-` or absent (preferred: keeps the token out
 *   of shell history and the process list). At most 1 MiB.
 * - Exit 0 when a token was explained; 2 with one clear line for input that is not a token
 *   (`JWT_MALFORMED`, never echoing the input), unreadable input or a bad option/config.
 */
import { Command, Option } from 'commander';
import { z } from 'zod';
import { loadConfig } from '../../config/load.js';
import { stringifyForDisplay } from '../../core/display.js';
import { TokenradiusError } from '../../core/errors.js';
import type { SafeFetch } from '../../core/net/types.js';
import { fingerprint, redact } from '../../core/secrets.js';
import type { TokenProfile } from '../../core/profile.js';
import type { BlastRadius, Liveness, MaskedClaim } from '../../core/types.js';
import { allDetectors, createDefaultEngine, decodeJwt, type Match } from '../../detect/index.js';
import { maskClaims } from '../../detect/jwt/mask.js';
import type { CredentialReach, DecodedJwt } from '../../detect/types.js';
import { clean } from '../../score/claims.js';
import { redactFlagged } from '../../score/enrichment.js';
import { buildProfile } from '../../score/profile.js';
import { scoreFinding } from '../../score/score.js';
import { renderFactors } from '../../score/explain.js';
import { createLivenessChecker } from '../../score/liveness/checker.js';
import { humanDuration, remainingAt } from '../../score/lifetime.js';
import { processIo, writeAll, type CliIo } from '../io.js';
import { usageError } from '../errors.js';

/** Largest input inspected (a token is a few KiB; a pasted log excerpt a little more). */
export const MAX_INSPECT_BYTES = 1024 * 1024;

export const InspectCliOptionsSchema = z.object({
  format: z.enum(['text', 'json']).default('text'),
  config: z.string().min(1).optional(),
  verify: z.boolean().default(false),
});
export type InspectCliOptions = z.input<typeof InspectCliOptionsSchema>;

/** What `--format json` prints: everything the text view shows, as data. */
export interface InspectReport {
  kind: 'jwt' | 'credential';
  rule: string;
  ruleName?: string;
  fingerprint: string;
  redacted: string;
  jwtForm?: DecodedJwt['form'];
  /** JWT: decoded JOSE header (secret values masked). */
  header?: Record<string, unknown>;
  /** JWT: decoded claims with secret values masked. */
  claims?: Record<string, unknown>;
  maskedClaims?: MaskedClaim[];
  profile?: TokenProfile;
  /** Credential: the rule's reach and the non-secret context it read. */
  reach?: CredentialReach;
  context?: Record<string, string>;
  liveness: Liveness;
  blastRadius: BlastRadius;
  /** True unless `--verify` was given: nothing was sent anywhere. */
  offline: boolean;
  notes: string[];
}

export interface InspectDeps {
  now?: () => Date;
  /** Outbound client for `--verify` (tests inject one); without `--verify` nothing is ever fetched. */
  fetch?: SafeFetch;
}

/** The fetch used without `--verify`: refuses every request, so "offline" is a guarantee, not a hope. */
const offlineFetch: SafeFetch = async () => {
  throw new TokenradiusError('UPSTREAM_BLOCKED', 'inspect is offline: pass --verify to check the token with a trusted issuer');
};

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

async function readInput(arg: string | undefined, io: CliIo): Promise<{ text: string; fromArgument: boolean }> {
  if (arg !== undefined && arg !== '-') {
    if (arg.length > MAX_INSPECT_BYTES) throw new TokenradiusError('INPUT_TOO_LARGE', `input is larger than ${MAX_INSPECT_BYTES} bytes`);
    // Lone surrogates cannot be part of any token (and would not survive UTF-8 encoding intact).
    if (LONE_SURROGATE.test(arg)) throw new TokenradiusError('JWT_MALFORMED', 'input is not a JWT or a recognised credential (it is not well-formed Unicode text)');
    return { text: arg, fromArgument: true };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
    size += b.length;
    if (size > MAX_INSPECT_BYTES) throw new TokenradiusError('INPUT_TOO_LARGE', `input is larger than ${MAX_INSPECT_BYTES} bytes`);
    chunks.push(b);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new TokenradiusError('JWT_MALFORMED', 'input is not a JWT or a recognised credential (it is not valid UTF-8 text)');
  }
  return { text, fromArgument: false };
}

/** `Authorization: Bearer <t>`, `DPoP <t>`, quotes and whitespace around a pasted token. */
function unwrap(text: string): string {
  return text
    .trim()
    .replace(/^authorization\s*:\s*/i, '')
    .replace(/^(bearer|dpop)\s+/i, '')
    .replace(/^["'`]+|["'`]+$/g, '')
    .trim();
}

function notAToken(): TokenradiusError {
  return new TokenradiusError('JWT_MALFORMED', 'input is not a JWT or a recognised credential');
}

export async function inspectToken(arg: string | undefined, rawOpts: InspectCliOptions, io: CliIo, deps: InspectDeps = {}): Promise<InspectReport> {
  const parsed = InspectCliOptionsSchema.safeParse(rawOpts);
  if (!parsed.success) throw usageError(`invalid option: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const opts = parsed.data;
  const loaded = loadConfig({ ...(opts.config ? { file: opts.config } : {}), env: io.env });
  const { config } = loaded;
  const now = (deps.now ?? (() => new Date()))();
  const { text, fromArgument } = await readInput(arg, io);
  const notes: string[] = [];
  if (fromArgument) notes.push('the token was given as an argument: it may be in your shell history and visible to other local users; prefer stdin (-)');

  const engine = createDefaultEngine(config.detect);
  // A bare token decodes directly — even a documentation sample the detector would skip as a false positive.
  const candidate = unwrap(text);
  let token: string;
  let decoded: DecodedJwt | null = candidate.length > 0 && !/\s/.test(candidate) ? decodeJwt(candidate) : null;
  let match: Match | undefined;
  if (decoded !== null) token = candidate;
  else {
    let matches: Match[];
    try {
      matches = engine.scan(text);
    } catch {
      throw notAToken();
    }
    match = matches[0];
    if (match === undefined) throw notAToken();
    token = match.secret;
    if (matches.length > 1) notes.push(`the input holds ${matches.length} tokens: inspecting the first (${match.ruleId}); inspect the others one by one`);
    if (match.kind === 'jwt') decoded = match.jwt ?? decodeJwt(token);
  }

  const checker = createLivenessChecker(config.trust, loaded.env, { fetch: opts.verify ? (deps.fetch ?? undefined) : offlineFetch, ...(deps.now ? { now: deps.now } : {}) });
  try {
    if (decoded !== null) {
      if (decoded.form === 'unsecured') notes.push('unsecured JWT (alg none): not authentic, but still a leak wherever a verifier accepts it');
      if (decoded.form === 'sd-jwt') notes.push(`SD-JWT with ${decoded.disclosures ?? 0} disclosure(s): the disclosed claims travel with it and are readable by anyone holding it (not shown here)`);
      const header = maskClaims(decoded.header, engine);
      const claims = decoded.claims !== undefined ? maskClaims(decoded.claims, engine) : undefined;
      const maskedClaims = [...header.masked.map((m) => ({ ...m, path: `header.${m.path}` })), ...(claims?.masked ?? [])];
      const profile = buildProfile({ header: header.claims, ...(claims ? { claims: claims.claims, maskedClaims: claims.masked } : {}), now }, config.score);
      // Secrets the scorer found that the masker did not recognise are hidden from the output too.
      const shownClaims = claims ? redactFlagged(claims.claims, profile.overEnrichment, redact) : undefined;
      const liveness = await checker.check({ token, decoded, kind: 'jwt' }, now, { verify: opts.verify });
      const blastRadius = scoreFinding({ kind: 'jwt', rule: match?.ruleId ?? 'jwt', profile, liveness, exposures: [], ...(match?.context ? { context: match.context } : {}) }, config.score, now);
      return {
        kind: 'jwt',
        rule: match?.ruleId ?? 'jwt',
        fingerprint: fingerprint(token),
        redacted: redact(token),
        jwtForm: decoded.form,
        header: header.claims,
        ...(shownClaims ? { claims: shownClaims } : {}),
        maskedClaims,
        profile,
        liveness,
        blastRadius,
        offline: !opts.verify,
        notes,
      };
    }
    const m = match!;
    const detector = allDetectors(config.detect).find((d) => d.detector.id === m.ruleId)?.detector;
    const liveness = await checker.check({ token, decoded: undefined, kind: 'credential' }, now, { verify: opts.verify });
    const blastRadius = scoreFinding(
      { kind: 'credential', rule: m.ruleId, ...(detector?.reach ? { reach: detector.reach } : {}), ...(m.context ? { context: m.context } : {}), liveness, exposures: [] },
      config.score,
      now,
    );
    return {
      kind: 'credential',
      rule: m.ruleId,
      ...(detector?.name ? { ruleName: detector.name } : {}),
      fingerprint: fingerprint(token),
      redacted: redact(token),
      ...(detector?.reach ? { reach: detector.reach } : {}),
      ...(m.context ? { context: m.context } : {}),
      liveness,
      blastRadius,
      offline: !opts.verify,
      notes,
    };
  } finally {
    checker.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Text rendering

/** One output line per JSON line: JSON.stringify escapes control characters inside strings, so every newline here is structural. */
function indentJson(v: unknown): string[] {
  return stringifyForDisplay(v, 2)
    .split('\n')
    .map((l) => `    ${l}`);
}

function row(label: string, value: string): string {
  return `  ${label.padEnd(16)}${value}`;
}

function lifetimeLine(p: TokenProfile, now: Date): string {
  const l = p.lifetime;
  if (l.unbounded) return `no exp: valid until revoked${l.issuedAt ? ` (issued ${l.issuedAt})` : ''}`;
  const remaining = remainingAt(l, now);
  const parts = [`expires ${l.expiresAt}`];
  if (remaining !== undefined) parts.push(remaining > 0 ? `in ${humanDuration(remaining)}` : `${humanDuration(remaining)} ago`);
  if (l.totalSeconds !== undefined) parts.push(`lifetime ${humanDuration(l.totalSeconds)}`);
  if (l.issuedAt) parts.push(`issued ${l.issuedAt}`);
  if (l.millisecondTimestamps) parts.push('timestamps were milliseconds');
  return parts.join(', ');
}

export function renderInspectText(r: InspectReport, now: Date): string {
  const out: string[] = [];
  out.push(`tokenradius inspect — ${r.offline ? 'offline: nothing was sent anywhere' : 'verified with the trusted issuer where configured'}`);
  out.push('');
  out.push(row('Token', r.redacted));
  out.push(row('Fingerprint', r.fingerprint));
  out.push(row('Kind', r.kind === 'jwt' ? `JWT (${r.jwtForm ?? 'jws'})` : `credential: ${r.ruleName ?? r.rule} (${r.rule})`));
  if (r.header) {
    out.push('');
    out.push('Header');
    out.push(...indentJson(r.header));
  }
  if (r.claims) {
    out.push('');
    out.push('Claims (unverified; secret values masked)');
    out.push(...indentJson(r.claims));
  }
  if (r.maskedClaims && r.maskedClaims.length > 0) {
    out.push('');
    out.push('Masked');
    for (const m of r.maskedClaims) out.push(`    ${m.path}: ${m.reason}`);
  }
  const p = r.profile;
  if (p) {
    out.push('');
    out.push('Profile');
    out.push(row('issuer', `${p.issuer ?? '(none)'} — family ${p.issuerFamily}`));
    out.push(row('token use', p.tokenUse));
    out.push(row('subject', `${p.subjectType}${p.subject ? ` ${p.subject}` : ''}${p.clientId ? ` (client ${p.clientId})` : ''}`));
    if (p.delegation.length > 0) out.push(row('acted on by', p.delegation.join(' ← ')));
    out.push(row('tenants', p.tenants.length > 0 ? p.tenants.join(', ') : '—'));
    out.push(row('audiences', p.audiences.length > 0 ? p.audiences.join(', ') : '—'));
    out.push(row('privilege', p.privilegeLevel));
    for (const x of p.privileges.slice(0, 12)) out.push(`      ${x.level.padEnd(6)} ${x.name} (${x.source}${x.why ? `: ${x.why}` : ''})`);
    if (p.privileges.length > 12) out.push(`      … and ${p.privileges.length - 12} more`);
    out.push(row('environment', `${p.environment}${p.environmentEvidence ? ` (${p.environmentEvidence})` : ''}`));
    out.push(row('lifetime', lifetimeLine(p, now)));
    out.push(row('binding', p.binding.bound ? `sender-constrained (${p.binding.method ?? 'cnf'})` : 'none: bearer token'));
    const att = Object.entries(p.attestation);
    if (att.length > 0) out.push(row('attestation', att.map(([k, v]) => `${k}=${v}`).join(', ')));
    if (p.overEnrichment.length > 0) {
      out.push(row('over-enrichment', ''));
      for (const o of p.overEnrichment) out.push(`      ${o.kind.padEnd(10)} ${o.claim}: ${o.detail}`);
    }
    if (p.publicByDesign) out.push(row('public by design', p.publicByDesign));
    for (const n of p.notes) out.push(row('note', n));
  }
  if (r.reach) {
    out.push('');
    out.push('Reach');
    out.push(row('privilege', r.reach.privilege));
    out.push(row('opens', r.reach.scope));
    out.push(row('lifetime', r.reach.lifetime));
    if (r.reach.publicByDesign) out.push(row('public by design', r.reach.publicByDesign));
    if (r.reach.testMode) out.push(row('test mode', 'yes'));
  }
  if (r.context && Object.keys(r.context).length > 0) out.push(row('context', Object.entries(r.context).map(([k, v]) => `${k}=${v}`).join(', ')));
  out.push('');
  out.push(`Liveness        ${r.liveness.state}${r.liveness.reason ? ` — ${r.liveness.reason}` : ''} (checked: ${r.liveness.checkedBy.join(', ') || 'nothing'})`);
  out.push('');
  out.push(`Blast radius    ${r.blastRadius.score}/100 ${r.blastRadius.severity.toUpperCase()}`);
  out.push(...renderFactors(r.blastRadius));
  if (r.notes.length > 0) {
    out.push('');
    for (const n of r.notes) out.push(`note: ${n}`);
  }
  // Claim-derived text is printed to a responder's terminal: no escape sequences, no bidi tricks.
  return out.map((line) => clean(line)).join('\n') + '\n';
}

export async function runInspect(arg: string | undefined, rawOpts: InspectCliOptions, io: CliIo = processIo(), deps: InspectDeps = {}): Promise<number> {
  const now = (deps.now ?? (() => new Date()))();
  const report = await inspectToken(arg, rawOpts, io, { ...deps, now: () => now });
  const format = rawOpts.format ?? 'text';
  await writeAll(io.stdout, format === 'json' ? stringifyForDisplay(report, 2) + '\n' : renderInspectText(report, now));
  return 0;
}

export function inspectCommand(): Command {
  return new Command('inspect')
    .description('Decode and explain one token offline: header, masked claims, profile, liveness and blast radius with its factors.')
    .argument('[token]', 'the token, or - (default) to read it from stdin')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-c, --config <file>', 'configuration file (score weights, vocabularies, trust list)')
    .option('--verify', 'check the signature / introspect with the issuer when it is on the trust list (sends the token only to that issuer)', false)
    .action(async (token: string | undefined, o: InspectCliOptions) => {
      process.exitCode = await runInspect(token, o);
    });
}
