/**
 * Over-enrichment (OWASP Non-Human Identity Top 10, NHI-02): secrets, credentials and personal
 * data inside claims, and claim sets so big they turn the token into an over-exposed container.
 * Everything in a token is readable by whoever holds it, for as long as they hold it — even after
 * it expires — so this is a finding in its own right.
 *
 * Hostile claims are walked iteratively with a node budget and a depth bound. Details name the
 * claim and the kind of data, never its value.
 */
import type { MaskedClaim } from '../core/types.js';
import type { TokenProfile } from '../core/profile.js';
import { clean, isObject, normaliseKey, type Json } from './claims.js';
import type { CompiledVocab } from './vocab.js';

export type OverEnrichment = TokenProfile['overEnrichment'][number];

/** Walk at most this many nodes; a bigger claim set is itself reported as `size`. */
const NODE_BUDGET = 20_000;
const WALK_DEPTH = 64;
const MAX_ITEMS = 50;

const EMAIL = /^[^\s@]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^(?=.*:.*:)[0-9a-f:]{2,39}$/i;
const US_SSN = /^\d{3}-\d{2}-\d{4}$/;
const E164 = /^\+[1-9]\d{7,14}$/;
const NESTED_JWT = /^eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*$/;
const PEM_KEY = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----/;
/** A preview produced by `redact()`: the value was masked because it is a secret. */
const REDACTED = /…[^\s]{0,4}\[\d+ chars\]$/;
/** Service identities are not personal data. */
const SERVICE_EMAIL = /@([a-z0-9-]+\.)*(gserviceaccount\.com|clients)$/i;

/**
 * Kind of a masked claim, from the masker's reason (`maskClaims` in src/detect/jwt/mask.ts): a
 * value a detector recognised ("value contains a credential (rule)", "value contains a JWT") is a
 * credential; a value masked for its claim name is a secret.
 */
function maskedKind(reason: string): 'secret' | 'credential' {
  return /\bvalue contains\b/i.test(reason) ? 'credential' : 'secret';
}

/** Last member name of a masker path (`a.b`, `a["x-y"]`, `a[3]`). */
function lastKey(path: string): string {
  const quoted = /\["((?:[^"\\]|\\.)*)"\]$/.exec(path);
  if (quoted) return quoted[1]!;
  const m = /(?:^|\.)([^.[\]]+)(?:\[\d+\])*$/.exec(path);
  return m?.[1] ?? path;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** The masker's path format, so both readings of one claim agree. */
function childPath(path: string, key: string): string {
  const k = clean(key.length > 100 ? key.slice(0, 100) : key);
  if (IDENT.test(k)) return path === '' ? k : `${path}.${k}`;
  return `${path}[${JSON.stringify(k)}]`;
}

function piiKind(key: string): string {
  if (key.includes('mail') || key === 'upn') return 'email address';
  if (key.includes('phone') || key === 'mobile') return 'phone number';
  if (key.includes('address') && !key.includes('ip')) return 'postal address';
  if (key.startsWith('ip') || key.endsWith('ip') || key === 'xforwardedfor') return 'IP address';
  if (key.includes('birth') || key === 'dob') return 'date of birth';
  if (key === 'iban' || key.includes('card')) return 'financial account number';
  return 'national identifier';
}

export function analyseOverEnrichment(
  claims: Json | undefined,
  masked: readonly MaskedClaim[] | undefined,
  vocab: CompiledVocab,
): { items: OverEnrichment[]; notes: string[] } {
  const items: OverEnrichment[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  const add = (o: OverEnrichment): void => {
    const k = `${o.kind} ${o.claim}`;
    if (seen.has(k) || items.length >= MAX_ITEMS) return;
    seen.add(k);
    items.push(o);
  };
  const maskedPaths = new Set<string>();
  for (const m of masked ?? []) {
    maskedPaths.add(m.path);
    // Session and hash identifiers (`sid`, `session_state`, `at_hash`) name-match "secret" words but are not secrets.
    if (maskedKind(m.reason) === 'secret' && vocab.notSecretClaims.has(normaliseKey(lastKey(m.path)))) continue;
    add({ claim: m.path, kind: maskedKind(m.reason), detail: `masked: ${m.reason}` });
  }
  if (claims === undefined) return { items, notes };

  const limits = vocab.opts.overEnrichment;
  let nodes = 0;
  let members = 0;
  let bytes = 0;
  let deepest = 0;
  let longestArray = 0;
  let exhausted = false;
  const stack: Array<{ value: unknown; path: string; key: string; depth: number }> = [{ value: claims, path: '', key: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, key, depth } = stack.pop()!;
    if (++nodes > NODE_BUDGET) {
      exhausted = true;
      break;
    }
    deepest = Math.max(deepest, depth);
    if (typeof value === 'string') {
      bytes += value.length;
      inspectString(value, path, key, maskedPaths, vocab, add);
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      bytes += 8;
    } else if (Array.isArray(value)) {
      longestArray = Math.max(longestArray, value.length);
      if (depth >= WALK_DEPTH) continue;
      const n = Math.min(value.length, NODE_BUDGET);
      for (let i = n - 1; i >= 0; i--) stack.push({ value: value[i], path: `${path}[${i}]`, key, depth: depth + 1 });
    } else if (isObject(value)) {
      if (depth >= WALK_DEPTH) continue;
      const keys = Object.keys(value);
      members += keys.length;
      for (let i = keys.length - 1; i >= 0 && stack.length < NODE_BUDGET; i--) {
        const k = keys[i]!;
        bytes += k.length;
        const nk = normaliseKey(k);
        const cp = childPath(path, k);
        const child = Object.prototype.hasOwnProperty.call(value, k) ? (value as Record<string, unknown>)[k] : undefined;
        if (vocab.piiClaims.has(nk) && child !== undefined && child !== null && child !== '' && !(typeof child === 'string' && SERVICE_EMAIL.test(child))) {
          add({ claim: cp, kind: 'pii', detail: `${piiKind(nk)} in claims` });
        }
        stack.push({ value: child, path: cp, key: nk, depth: depth + 1 });
      }
    }
  }
  if (exhausted) add({ claim: '(all)', kind: 'size', detail: `more than ${NODE_BUDGET} values: too large to analyse fully` });
  if (members > limits.maxClaims) add({ claim: '(all)', kind: 'size', detail: `${members} claims (more than ${limits.maxClaims})` });
  if (bytes > limits.maxBytes) add({ claim: '(all)', kind: 'size', detail: `about ${Math.round(bytes / 1024)} KiB of claims (more than ${Math.round(limits.maxBytes / 1024)} KiB)` });
  if (deepest > limits.maxDepth + 1) add({ claim: '(all)', kind: 'size', detail: `nested ${deepest - 1} levels deep (more than ${limits.maxDepth})` });
  if (longestArray > limits.maxArrayLength) add({ claim: '(all)', kind: 'size', detail: `an array of ${longestArray} entries (more than ${limits.maxArrayLength})` });
  if (items.length >= MAX_ITEMS) notes.push(`over-enrichment list truncated at ${MAX_ITEMS} entries`);
  return { items, notes };
}

/**
 * `*_key` claims holding a long, space-free value (`deployment_key`, `license_key`,
 * `encryption_key`) are secrets no masker vocabulary lists; public keys and key ids are not.
 */
function keyNamedValue(key: string, value: string): boolean {
  if (!key.endsWith('key') || /(public|pub|partition|sort|idempotency)key$/.test(key)) return false;
  return value.length >= 16 && value.length <= 4096 && !/\s/.test(value) && !REDACTED.test(value);
}

function inspectString(
  value: string,
  path: string,
  key: string,
  maskedPaths: ReadonlySet<string>,
  vocab: CompiledVocab,
  add: (o: OverEnrichment) => void,
): void {
  if (value.length === 0 || maskedPaths.has(path) || path === '') return;
  if (vocab.notSecretClaims.has(key)) return;
  if (vocab.secretClaims.has(key) || keyNamedValue(key, value)) {
    add({ claim: path, kind: 'secret', detail: REDACTED.test(value) ? 'secret-named claim (value masked)' : 'secret-named claim holds a value' });
    return;
  }
  const head = value.length > 4096 ? value.slice(0, 4096) : value;
  if (NESTED_JWT.test(head) || (REDACTED.test(head) && head.startsWith('eyJ'))) {
    add({ claim: path, kind: 'credential', detail: 'a nested JWT' });
    return;
  }
  if (PEM_KEY.test(head)) {
    add({ claim: path, kind: 'credential', detail: 'a PEM private key' });
    return;
  }
  if (REDACTED.test(head)) {
    add({ claim: path, kind: 'secret', detail: 'value was masked as a secret' });
    return;
  }
  if (vocab.piiClaims.has(key)) return; // already reported by name
  if (value.length > 320) return;
  if (EMAIL.test(value) && !SERVICE_EMAIL.test(value)) add({ claim: path, kind: 'pii', detail: 'email address in claims' });
  else if (IPV4.test(value) || IPV6.test(value)) add({ claim: path, kind: 'pii', detail: 'IP address in claims' });
  else if (US_SSN.test(value)) add({ claim: path, kind: 'pii', detail: 'national identifier in claims' });
  else if (E164.test(value)) add({ claim: path, kind: 'pii', detail: 'phone number in claims' });
}

/**
 * A copy of `claims` with the value of every claim flagged `secret` or `credential` replaced by its
 * redacted preview — for values no masker recognised (`deployment_key`). Paths are the ones this
 * module reports (`a.b`, `a["x-y"]`, `a[0]`). Claims already masked are unchanged.
 */
export function redactFlagged(claims: Json, items: readonly OverEnrichment[], redactValue: (v: string) => string): Json {
  const paths = new Set(items.filter((o) => o.kind === 'secret' || o.kind === 'credential').map((o) => o.claim));
  if (paths.size === 0) return claims;
  const walk = (v: unknown, path: string, depth: number): unknown => {
    if (typeof v === 'string') return paths.has(path) && !REDACTED.test(v) ? redactValue(v) : v;
    if (depth > WALK_DEPTH) return v;
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`, depth + 1));
    if (isObject(v)) {
      // Null prototype: claim names like `__proto__` stay plain data in the copy.
      const out: Json = Object.create(null) as Json;
      for (const k of Object.keys(v)) out[k] = walk((v as Record<string, unknown>)[k], childPath(path, k), depth + 1);
      return out;
    }
    return v;
  };
  return walk(claims, '', 0) as Json;
}
