/**
 * Masking of claim values that are themselves secrets (NHI-02: "no secrets in tokens"): a claim
 * whose name says secret (`password`, `client_secret`, `api_key`, `private_key`, `refresh_token`,
 * `access_token`, `session`, `cookie`, …), or whose string value contains a credential or a nested
 * JWT found by the engine, is replaced by its redacted preview and listed in `masked` with the
 * reason. PII is NOT masked here — scoring decides what is PII and what to do about it.
 *
 * Pure: returns a new object; the input is not modified. Nesting is walked up to a depth bound
 * (deeper values are replaced by a marker, never passed through unchecked).
 */
import { redact } from '../../core/secrets.js';
import type { MaskedClaim } from '../../core/types.js';
import type { Engine } from '../engine.js';
import { createDefaultEngine } from '../index.js';
import { TRUNCATED } from './decode.js';

export const MASK_MAX_DEPTH = 32;

/** Substrings of a normalised claim name (lowercase, no `-_. `) that mark its value as a secret. */
const SECRET_NAME_PARTS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'apikey',
  'privatekey',
  'signingkey',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'sessiontoken',
  'authtoken',
  'bearertoken',
  'authorization',
  'cookie',
  'session',
];
/** Whole normalised names that mark a secret (too short or too generic as substrings). */
const SECRET_NAMES = new Set(['token', 'jwt', 'pwd', 'pass', 'pin', 'otp', 'creds', 'credentials', 'apitoken']);

/**
 * Names (normalised to letters and digits) that END a claim name which holds an identifier of a
 * secret or session, not the secret itself: `session_id`, `session_state` (OIDC, Keycloak),
 * `kubernetes.io/serviceaccount/secret.name`, `private_key_id` (Google service accounts). They stay
 * readable: they say which session or key leaked, and grant nothing. (`secret_id` is NOT here:
 * in Vault AppRole it is the credential.)
 */
const IDENTIFIER_ENDINGS = [
  'sessionid',
  'sessionids',
  'sessionstate',
  'sessionindex',
  'secretname',
  'secretnames',
  'apikeyid',
  'apikeyname',
  'privatekeyid',
  'signingkeyid',
  'cookiename',
];

/**
 * Why a claim name denotes a secret value (the matched word), or undefined. `token_use`,
 * `token_type`, `at_hash`, `sid` and identifiers such as `session_id` or `secret.name` (see
 * `IDENTIFIER_ENDINGS`) are not secrets and stay readable for scoring.
 */
export function secretClaimName(name: string): string | undefined {
  const n = name.toLowerCase().replace(/[-_.\s]/g, '');
  if (SECRET_NAMES.has(n)) return n;
  const alnum = n.replace(/[^a-z0-9]/g, '');
  if (IDENTIFIER_ENDINGS.some((e) => alnum.endsWith(e))) return undefined;
  return SECRET_NAME_PARTS.find((p) => n.includes(p));
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
function childPath(path: string, key: string): string {
  if (IDENT.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

let defaultEngine: Engine | undefined;
function fallbackEngine(): Engine {
  defaultEngine ??= createDefaultEngine({ disabledRules: [], customRules: [] });
  return defaultEngine;
}

export function maskClaims(
  claims: Record<string, unknown>,
  engine?: Pick<Engine, 'scan'>,
): { claims: Record<string, unknown>; masked: MaskedClaim[] } {
  const scanner = engine ?? fallbackEngine();
  const masked: MaskedClaim[] = [];

  const walk = (v: unknown, path: string, depth: number, secretName: string | undefined): unknown => {
    if (typeof v === 'string') {
      if (secretName !== undefined && v.length > 0) {
        masked.push({ path, reason: `claim name looks like a secret (${secretName})` });
        return redact(v);
      }
      const found = scanner.scan(v);
      if (found.length > 0) {
        const f = found[0]!;
        masked.push({ path, reason: f.kind === 'jwt' ? 'value contains a JWT' : `value contains a credential (${f.ruleId})` });
        return redact(v);
      }
      return v;
    }
    if (typeof v === 'number' && secretName !== undefined) {
      masked.push({ path, reason: `claim name looks like a secret (${secretName})` });
      return redact(String(v));
    }
    if (v === null || typeof v !== 'object') return v;
    if (depth >= MASK_MAX_DEPTH) {
      masked.push({ path, reason: 'nested too deeply to inspect' });
      return TRUNCATED;
    }
    if (Array.isArray(v)) {
      // Elements of a secret-named array are secrets too (`api_keys: [...]`).
      return v.map((e, i) => walk(e, `${path}[${i}]`, depth + 1, secretName));
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) {
      if (key === '__proto__') continue;
      out[key] = walk((v as Record<string, unknown>)[key], childPath(path, key), depth + 1, secretClaimName(key));
    }
    return out;
  };

  const result = walk(claims, '', 0, undefined);
  const obj = result !== null && typeof result === 'object' && !Array.isArray(result) ? (result as Record<string, unknown>) : {};
  return { claims: obj, masked };
}
