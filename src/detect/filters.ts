/**
 * False-positive filters shared by every detector (credential rules, custom rules, the JWT
 * detector). Small pure helpers, each answering one question about a candidate string:
 *
 * - `isPlaceholder(s)`   – a template or filler, not a value (`xoxb-your-token`, `ghp_xxxx…`,
 *                          `<token>`, `${TOKEN}`, `{{ secret }}`, `changeme`, runs of one
 *                          character, `abcdef…`/`123456…` sequences, `…EXAMPLE`);
 * - `isKnownExample(s)`  – a value published in vendor documentation (AWS docs keys, Stripe docs
 *                          keys, the jwt.io sample), recognised by SHA-256 so this file does not
 *                          itself contain them;
 * - `looksRedacted(s)`   – someone already masked it (`sk_live_••••4242`, `***`, `...`, `[REDACTED]`);
 * - `shannonEntropy(s)`  – bits per character, for "too regular to be random" checks.
 *
 * `falsePositiveReason` combines them for a rule; it returns why a candidate is not a finding, or
 * `null`. None of these functions throws, whatever the input.
 */
import { createHash } from 'node:crypto';

export type FalsePositiveReason = 'placeholder' | 'known-example' | 'redacted' | 'low-entropy' | 'checksum' | 'publishable';

/** Shannon entropy of `s` in bits per character (0 for the empty string). UTF-16 code units. */
export function shannonEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const k of counts.values()) {
    const p = k / n;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * The entropy a random string of this length over a typical token alphabet comfortably exceeds.
 * Short strings cannot reach high per-character entropy (at most log2(length)), so the bar scales
 * down with length; a 20+ character body needs 3 bits per character, which 16-character hex
 * already reaches and which `aaaa…`/`abab…`/`test1234test…` fillers do not.
 */
export function defaultMinEntropy(length: number): number {
  if (length <= 1) return 0;
  return Math.min(3, Math.log2(length) - 1.2);
}

// Quoted/templated values: `<token>`, `${TOKEN}`, `$TOKEN`, `{{ token }}`, `%s`, `{token}`, `%TOKEN%`.
const TEMPLATE = /<[A-Za-z_][\w .-]{0,40}>|\$\{[^}\n]{0,80}\}|^\$\(?[A-Za-z_][A-Za-z0-9_]{2,}\)?$|\{\{[^}\n]{0,80}\}\}|%\(?[a-z_]*\)?s\b|^\{[\w.-]{1,40}\}$|%[A-Z_][A-Z0-9_]{2,}%/;
// Words that only appear in fillers. Five letters or more, so a random base62 body contains one
// by chance with probability well under one in a million.
const FILLER_WORDS =
  /your[-_ ]?(?:api|app|access|auth|bot|secret|token|key|password|pass|own|real|actual|personal)|change[-_]?me|changeit|placeholder|dummy|redacted|insert[-_ ]?(?:your|token|key|here)|replace[-_ ]?(?:me|with|this)|token[-_]?here|key[-_]?here|secret[-_]?here|xxxxx|(?:^|[-_.])your[-_]|(?:^|[^a-z])(?:fake|example|sample|notreal|not[-_]a[-_]real)(?:[^a-z]|$)|EXAMPLE(?:KEY)?$|0{8,}/i;

/** The longest run of one repeated character in `s`. */
export function longestRun(s: string): number {
  let best = 0;
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    run = i > 0 && s.charCodeAt(i) === s.charCodeAt(i - 1) ? run + 1 : 1;
    if (run > best) best = run;
  }
  return best;
}

/** The longest run of consecutive ascending or descending characters (`abcdef`, `654321`). */
export function longestSequence(s: string): number {
  let best = s.length > 0 ? 1 : 0;
  let up = 1;
  let down = 1;
  for (let i = 1; i < s.length; i++) {
    const d = s.charCodeAt(i) - s.charCodeAt(i - 1);
    up = d === 1 ? up + 1 : 1;
    down = d === -1 ? down + 1 : 1;
    best = Math.max(best, up, down);
  }
  return best;
}

/**
 * True when `s` is a placeholder rather than a value: template syntax, filler words, a run of 6+
 * identical characters, a 6+ character alphabetic/numeric sequence, or a body made of at most 3
 * distinct characters. Meant for the random part of a token (rules pass the body after the
 * prefix); a structured token with legitimate runs (`AAAA…` fields) checks only its random part.
 */
export function isPlaceholder(s: string): boolean {
  if (s.length === 0) return true;
  if (TEMPLATE.test(s) || FILLER_WORDS.test(s)) return true;
  if (s.length >= 6 && (longestRun(s) >= 6 || longestSequence(s) >= 6)) return true;
  if (s.length >= 8 && new Set(s).size <= 3) return true;
  return false;
}

// Redaction marks: bullets, ellipses, 3+ asterisks, `[REDACTED]`, block characters.
const REDACTION = /[•●∙·…█▒░]|\*{3,}|\.{3,}|\[(?:redacted|hidden|masked|removed|filtered)\]|<(?:redacted|hidden|masked)>|\(redacted\)/i;

/** True when `s` has been masked or truncated by a human or a tool (`sk_live_••••4242`, `eyJ***`, `abc...`). */
export function looksRedacted(s: string): boolean {
  return REDACTION.test(s);
}

/**
 * True when the match `[start, end)` of `text` is cut short by a redaction mark right after it
 * (`ghp_abcd…`, `xoxb-123-456-abc***`) or right before it (`…f00d`), i.e. a preview of a token
 * rather than the token.
 */
export function isTruncatedAt(text: string, start: number, end: number): boolean {
  const after = text.slice(end, end + 3);
  const before = text.slice(Math.max(0, start - 3), start);
  return /^(?:[•●…█]|\*\*|\.\.\.)/.test(after) || /(?:[•●…█]|\*\*|\.\.\.)$/.test(before);
}

/**
 * SHA-256 (hex) of values published in vendor documentation: reporting them would only be noise,
 * and keeping hashes means this repository does not itself contain the strings.
 */
const KNOWN_EXAMPLE_HASHES: ReadonlyMap<string, string> = new Map([
  // AWS IAM User Guide: example access key ids and secret access keys.
  ['1a5d44a2dca19669d72edf4c4f1c27c4c1ca4b4408fbb17f6ce4ad452d78ddb3', 'AWS documentation access key id'],
  ['78314b11be2e581549ac1c4f616563fad3fdf0c3b71678f6e2299182080e0598', 'AWS documentation secret access key'],
  ['c6ea27c534f993d31f0aef882e3d200e7b87470c379ae79c8f9b19d3bd363dc9', 'AWS documentation access key id'],
  ['e21b597ba6b9cafa59d9ebc4d65c0385f5eb3fa56abab2607fa76589ad849a33', 'AWS documentation secret access key'],
  // Stripe API reference test keys (secret and publishable).
  ['2cafc0970149a84f3b9e62eaf169f36f59907a3b3e31f7b82e68c69cd27f7326', 'Stripe documentation test secret key'],
  ['b1471f544ceeea31333bde7e1ecbaad6eac0d4a749412ad29bd66ef895b81c6b', 'Stripe documentation publishable key'],
  // The widely copied GitHub token example (also fails its CRC32 check).
  ['3543c50b0cb9cea8e55eb1f529b79f043cb250d485fde7b66cabbb5183add7da', 'GitHub documentation token example'],
  // GitHub webhook documentation test secret.
  ['2f8894d90ffb75600928464c7839208284c8687671dc831cc2667a7ae04aa455', 'GitHub webhook documentation secret'],
  // jwt.io sample token (HS256, sub 1234567890, John Doe).
  ['7f75367e7881255134e1375e723d1dea8ad5f6a4fdb79d938df1f1754a830606', 'jwt.io sample token'],
]);

/** Why `s` is a known public example (`'AWS documentation access key id'`), or undefined. */
export function knownExampleLabel(s: string): string | undefined {
  if (s.length === 0 || s.length > 100_000) return undefined;
  return KNOWN_EXAMPLE_HASHES.get(createHash('sha256').update(s, 'utf8').digest('hex'));
}

/** True when `s` is a value published in vendor documentation (matched by SHA-256, exact string). */
export function isKnownExample(s: string): boolean {
  return knownExampleLabel(s) !== undefined;
}

export interface FalsePositiveOptions {
  /** The random part of the token, for placeholder and entropy checks. Default: `secret`. */
  body?: string;
  /** Minimum Shannon entropy of the body (bits per character). Default: `defaultMinEntropy(body.length)`. */
  minEntropy?: number;
  /** Skip the repeated/sequential-character heuristics (structured bodies such as DER, hex counters). */
  structured?: boolean;
}

/** Why `secret` is not a finding, or `null` when it passes every generic filter. */
export function falsePositiveReason(secret: string, opts: FalsePositiveOptions = {}): FalsePositiveReason | null {
  if (isKnownExample(secret)) return 'known-example';
  const body = opts.body ?? secret;
  if (looksRedacted(body)) return 'redacted';
  if (opts.structured) {
    if (TEMPLATE.test(body) || FILLER_WORDS.test(body)) return 'placeholder';
  } else if (isPlaceholder(body)) {
    return 'placeholder';
  }
  const min = opts.minEntropy ?? defaultMinEntropy(body.length);
  if (shannonEntropy(body) < min) return 'low-entropy';
  return null;
}
