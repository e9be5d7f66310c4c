/**
 * Safe readers over decoded (untrusted, possibly hostile) claims. Claims come from a token anyone
 * could have crafted: any member may be missing, of the wrong type, enormous, deeply nested or named
 * `__proto__`. These helpers read own properties only, never build objects keyed by claim names, and
 * bound every string and list they return.
 */

import { neutralise } from '../core/display.js';

export type Json = Record<string, unknown>;

/** Longest string the scorer keeps from a claim (names, ids, URLs). Longer ones are cut. */
export const MAX_STRING = 512;
/** Most entries the scorer keeps from one list claim (scopes, roles, groups, audiences). */
export const MAX_LIST = 200;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Own property only: never walks the prototype chain (`constructor`, `__proto__` accessors). */
export function own(o: unknown, key: string): unknown {
  if (!isObject(o)) return undefined;
  return Object.prototype.hasOwnProperty.call(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}

/**
 * Control characters (C0, C1) and bidirectional overrides replaced by U+FFFD: a crafted claim must
 * not be able to drive a responder's terminal (ANSI escapes) or reorder what an alert shows
 * (Trojan Source-style bidi controls) once it is copied into a profile or a reason.
 */
export function clean(s: string): string {
  return neutralise(s);
}

/** Bounded and cleaned: every claim string the scorer keeps goes through here. */
export function cut(s: string, max = MAX_STRING): string {
  return clean(s.length > max ? s.slice(0, max) + '…' : s);
}

/** A non-empty string claim, bounded; numbers are accepted as their decimal form (ids). */
export function str(o: unknown, key: string): string | undefined {
  const v = own(o, key);
  if (typeof v === 'string') return v.length > 0 ? cut(v) : undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

export function obj(o: unknown, key: string): Json | undefined {
  const v = own(o, key);
  return isObject(v) ? v : undefined;
}

export function bool(o: unknown, key: string): boolean | undefined {
  const v = own(o, key);
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

/** A string or an array of strings → bounded list of non-empty strings (other members ignored). */
export function list(v: unknown, max = MAX_LIST): string[] {
  if (typeof v === 'string') return v.length > 0 ? [cut(v)] : [];
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  const n = Math.min(v.length, max * 4);
  for (let i = 0; i < n && out.length < max; i++) {
    const item = v[i];
    if (typeof item === 'string' && item.length > 0) out.push(cut(item));
    else if (isObject(item)) {
      // SCIM-style multi-valued attributes: `[{ value: "admin" }]` (RFC 7643 §2.4).
      const value = own(item, 'value');
      if (typeof value === 'string' && value.length > 0) out.push(cut(value));
    }
  }
  return out;
}

/** Space-delimited scope string (RFC 6749 §3.3) or an array of scopes. */
export function scopes(v: unknown, max = MAX_LIST): string[] {
  if (typeof v === 'string') {
    const out: string[] = [];
    // Split without materialising a huge array from a hostile multi-megabyte scope string.
    const re = /\S+/g;
    let m: RegExpExecArray | null;
    while (out.length < max && (m = re.exec(v)) !== null) out.push(cut(m[0]));
    return out;
  }
  return list(v, max);
}

export function listClaim(o: unknown, key: string, max = MAX_LIST): string[] {
  return list(own(o, key), max);
}

export function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/** Host of a URL-looking string, lowercase; undefined when it is not a URL. */
export function hostOf(s: string | undefined): string | undefined {
  if (!s || !/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return undefined;
  try {
    return new URL(s).hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

/** Path of a URL-looking string; undefined when it is not a URL. */
export function pathOf(s: string | undefined): string | undefined {
  if (!s || !/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return undefined;
  try {
    return new URL(s).pathname;
  } catch {
    return undefined;
  }
}

/**
 * Case-insensitive segments of a name, split on non-alphanumerics and also on camelCase humps:
 * `Mail.ReadWrite` → `mail`, `readwrite`, `read`, `write`; `ProdAdmin` → `prodadmin`, `prod`, `admin`.
 */
export function segments(s: string): string[] {
  const out: string[] = [];
  for (const part of s.split(/[^A-Za-z0-9]+/)) {
    if (part.length === 0) continue;
    out.push(part.toLowerCase());
    const humps = part.split(/(?<=[a-z0-9])(?=[A-Z])/);
    if (humps.length > 1) for (const h of humps) out.push(h.toLowerCase());
  }
  return out;
}

/** Claim name normalised for vocabulary lookups: lowercase, without `_ - . :` and namespace URL prefix. */
export function normaliseKey(key: string): string {
  const last = key.includes('/') ? key.slice(key.lastIndexOf('/') + 1) : key;
  return last.toLowerCase().replace(/[^a-z0-9]/g, '');
}
