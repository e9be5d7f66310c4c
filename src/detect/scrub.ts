/**
 * `scrubText`: the last line of defence for logs and error messages. Every span the engine detects
 * becomes its redacted preview, and a cheap generic pass redacts anything else token-shaped:
 * `eyJ…`-like runs, long hex runs (except our own `sha256:` fingerprints), and long base64/base64url
 * runs mixing upper case, lower case and digits. The logger and error paths run every message
 * through it so nothing token-shaped is ever logged.
 *
 * Fast on short strings (most log messages): the engine's prefilter is one pass, and strings too
 * short to hold a token are returned as they are. Never throws.
 */
import { redact } from '../core/secrets.js';
import type { Engine } from './engine.js';
import { createDefaultEngine } from './index.js';

/** Shorter than this, nothing we would redact fits. */
const MIN_LENGTH = 10;

// The fallback patterns are linear (one bounded character class each).
const JWT_LIKE = /\be[yw][A-Za-z0-9_-]{6,}(?:\.[A-Za-z0-9_-]*){0,4}/g;
const HEX_RUN = /(?<!sha256:)\b[0-9a-fA-F]{32,}\b/g;
const B64_RUN = /[A-Za-z0-9+/_=-]{24,}/g;

function mixed(run: string): boolean {
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run);
}

let defaultEngine: Engine | undefined;

function fallback(text: string): string {
  return text
    .replace(JWT_LIKE, (m) => redact(m))
    .replace(HEX_RUN, (m) => redact(m))
    .replace(B64_RUN, (m) => (mixed(m) ? redact(m) : m));
}

export function scrubText(text: string, engine?: Pick<Engine, 'scan'>): string {
  if (typeof text !== 'string') return '';
  if (text.length < MIN_LENGTH) return text;
  try {
    const scanner = engine ?? (defaultEngine ??= createDefaultEngine({ disabledRules: [], customRules: [] }));
    const matches = scanner.scan(text);
    let out = '';
    let last = 0;
    for (const m of matches) {
      if (m.start < last) continue;
      out += fallback(text.slice(last, m.start)) + redact(m.secret);
      last = m.end;
    }
    return out + fallback(text.slice(last));
  } catch {
    // Should not happen (the engine never throws); fail closed rather than leak.
    return '[unprintable text removed by tokenradius]';
  }
}
