/**
 * The JWT detector (rule id `jwt`): finds JOSE compact tokens in free text, however they were
 * pasted, and decodes them.
 *
 * Forms: compact JWS (3 segments) incl. unsecured `alg: none` with an empty signature; JWE (5
 * segments, header only, empty key segment for `dir`); headers from pretty-printed JSON (`eyA`,
 * `ewo`, `ew0K`, `ewk` starts); SD-JWT with `~` disclosures and an optional key-binding JWT.
 *
 * The `secret` of an SD-JWT is the whole presentation as it appeared — issuer-signed JWT, every
 * disclosure that decoded, the `~` after the last one and the KB-JWT when present — because that
 * exact string is what a verifier accepts; the same issuer JWT presented with other disclosures is
 * another finding.
 *
 * Mangling undone (the `secret` is the token a client would send; `start`/`end` cover the span as
 * it appears): `%2E`/`%5F`/`%2D`/`%7E` percent-encoding, JSON `\u002e`-style escapes, and line
 * wrapping when it is clearly one token — the line ends exactly at the token and either the token
 * is structurally incomplete (header/payload cut: the joined result must decode; signature shorter
 * than its algorithm's fixed length: the joined length must fit), or the wrap is fixed-width
 * (64/76/80… columns, or the same width as the token's previous line), or the token sits alone on
 * its lines in an indented block (YAML block scalars, code blocks). Continuation lines may repeat
 * the first line's indentation and marker (`+` diff, `>` quote, `#`/`//` comment).
 *
 * Wrappers left out: Slack `_italic_` (a trailing `_` is dropped when a `_` directly precedes the
 * token and the signature is only valid without it — `_` is a base64url character), `*bold*`,
 * `~strike~`, backticks, quotes, `<url|label>`, `&amp;`-separated parameters, cookies.
 *
 * Not reported: anything whose header and payload are not JSON objects with a string `alg` (JWE:
 * and `enc`), the jwt.io sample token (sub 1234567890 / John Doe / iat 1516239022), truncated or
 * redacted tokens (a signature shorter than the algorithm's, `eyJ***`, `eyJhbGc...`), and a
 * header.payload with no signature segment.
 */
import { randomBytes } from 'node:crypto';
import type { DecodedJwt, Detector, Match, RuleExamples } from '../types.js';
import { JWT_LIMITS, decodeHeader, decodePayload, isDisclosure, isUnsecuredAlg, signatureLengths } from './decode.js';

// Character classes of the token alphabet.
const B64 = 1;
const DOT = 2;
const TILDE = 3;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9_-]/.test(ch)) CLASS[c] = B64;
}
CLASS[46] = DOT;
CLASS[126] = TILDE;

function classOf(c: number): number {
  return c < 128 ? CLASS[c]! : 0;
}

/** Where a JWT can start: base64url of `{"`, `{ "`, `{  `, `{\n"`, `{\n `, `{\n\t`, `{\r\n`, `{\t"`, `{\t\t`. */
const ANCHOR = /eyJ|eyA[ig]|ewo[igJ]|ew0K|ewk[iJ]/g;

/** Keywords for the prefilter: the anchors, folded (the prefilter is case-insensitive). */
export const JWT_KEYWORDS = ['eyj', 'eyai', 'eyag', 'ewoi', 'ewog', 'ewoj', 'ew0k', 'ewki', 'ewkj'];

/** Common fixed widths that wrap pasted tokens (base64 MIME 76, PEM 64, terminals 80…). */
const WRAP_WIDTHS = new Set([60, 64, 72, 76, 78, 80, 100, 120, 128, 132]);
const MAX_CONTINUATIONS = 512;
/** How far past its first characters the engine shows the detector a token (see `window`). */
export const JWT_WINDOW_AFTER = 32_768;
const MIN_UNKNOWN_SIG = 16;
const MIN_JWE_TAG = 22;

function percentChar(text: string, i: number): number {
  // Only the characters of the token alphabet that an encoder may escape.
  const h = text.charCodeAt(i + 1);
  const l = text.charCodeAt(i + 2) | 0x20;
  if (h === 50 && l === 101) return 46; // %2E .
  if (h === 53 && l === 102) return 95; // %5F _
  if (h === 50 && l === 100) return 45; // %2D -
  if (h === 55 && l === 101) return 126; // %7E ~
  return -1;
}

function jsonEscapeChar(text: string, i: number): number {
  if (text.charCodeAt(i + 1) !== 117 /* u */ || text.charCodeAt(i + 2) !== 48 || text.charCodeAt(i + 3) !== 48) return -1;
  const h = text.charCodeAt(i + 4);
  const l = text.charCodeAt(i + 5) | 0x20;
  if (h === 50 && l === 101) return 46;
  if (h === 53 && l === 102) return 95;
  if (h === 50 && l === 100) return 45;
  if (h === 55 && l === 101) return 126;
  return -1;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

/** End of the indentation and optional marker (`+`, `-`, `>`, `#`, `|`, `*`, `//`) of a line. */
function leadOf(text: string, lineStart: number): { end: number; marker: string } {
  let i = lineStart;
  while (isSpace(text.charCodeAt(i))) i++;
  let marker = '';
  const c = text.charCodeAt(i);
  if (c === 43 || c === 45 || c === 62 || c === 35 || c === 124 || c === 42) {
    marker = text[i]!;
    i++;
  } else if (c === 47 && text.charCodeAt(i + 1) === 47) {
    marker = '//';
    i += 2;
  }
  while (isSpace(text.charCodeAt(i))) i++;
  return { end: i, marker };
}

/** Start of the next line's token part, when it continues with the same lead; -1 otherwise. */
function continuationStart(text: string, nextLine: number, marker: string): number {
  let i = nextLine;
  while (isSpace(text.charCodeAt(i))) i++;
  if (marker !== '') {
    // Diff, quote and comment markers repeat on every line; a list bullet (`*`) does not.
    if (text.startsWith(marker, i)) i += marker.length;
    else if (marker !== '*') return -1;
    while (isSpace(text.charCodeAt(i))) i++;
  }
  const cls = classOf(text.charCodeAt(i));
  return cls === B64 || cls === DOT ? i : -1;
}

function anchorAt(text: string, i: number): boolean {
  ANCHOR_AT.lastIndex = i;
  return ANCHOR_AT.test(text);
}
const ANCHOR_AT = new RegExp(ANCHOR.source, 'y');

const LINE_LOOKAROUND = 1024;

/** Start of the line holding `p`, or -1 when it starts more than LINE_LOOKAROUND before. */
function lineStartBefore(text: string, p: number): number {
  const stop = Math.max(0, p - LINE_LOOKAROUND);
  for (let i = p - 1; i >= stop; i--) if (text.charCodeAt(i) === 10) return i + 1;
  return stop === 0 ? 0 : -1;
}

/** End of the line holding `from` (before any '\r'), looking at most LINE_LOOKAROUND ahead. */
function lineEnd(text: string, from: number): number {
  const stop = Math.min(text.length, from + LINE_LOOKAROUND);
  let e = stop;
  for (let i = from; i < stop; i++) {
    if (text.charCodeAt(i) === 10) {
      e = i;
      break;
    }
  }
  return e > from && text.charCodeAt(e - 1) === 13 ? e - 1 : e;
}

/** The rest of a line after a token holds only closing punctuation and spaces. */
const CLOSERS = /^[\s"'`,;:)\]}>|*_~.]*$/;

interface ReadResult {
  norm: string;
  /** Raw offset just after normalised character i. */
  rawEndAt: (i: number) => number;
  /** Normalised lengths at which a continuation line was joined. */
  breaks: number[];
  /** Normalised index of the first escaped character (`%2E`, `\u002e`), or -1. */
  firstEscape: number;
  /** Raw offset where reading stopped (for skipping anchors inside a failed run). */
  stop: number;
  /** The run had no `.` at all: no anchor before `stop` can start a JWT. */
  noDot: boolean;
}

const B64_VALUE = new Int8Array(128).fill(-1);
for (let c = 0; c < 64; c++) B64_VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charCodeAt(c)] = c;

function isJsonSpace(b: number): boolean {
  return b === 32 || b === 9 || b === 10 || b === 13;
}

/**
 * A JWT header starts with `{`, optional whitespace, `"`, a short printable key, `"`, optional
 * whitespace and `:`. Decoding just those first bytes (and stopping at the first impossible one)
 * makes random base64 and crafted runs of anchors cost O(1) per anchor.
 */
function plausibleHeaderStart(text: string, p: number): boolean {
  let acc = 0;
  let bits = 0;
  let state = 0; // 0 '{'  1 ws* '"'  2 key '"'  3 ws* ':'
  let keyLen = 0;
  const max = Math.min(text.length, p + 64);
  for (let i = p; i < max; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B64_VALUE[c]! : -1;
    if (v < 0) return true; // a short header: the full decode decides
    acc = ((acc << 6) | v) & 0xfff;
    bits += 6;
    if (bits < 8) continue;
    bits -= 8;
    const b = (acc >> bits) & 0xff;
    if (state === 0) {
      if (b !== 0x7b) return false;
      state = 1;
    } else if (state === 1) {
      if (b === 0x22) state = 2;
      else if (!isJsonSpace(b)) return false;
    } else if (state === 2) {
      if (b === 0x22) state = 3;
      else if (b < 0x20 || b > 0x7e || b === 0x7b || b === 0x7d || b === 0x5c || ++keyLen > 40) return false;
    } else {
      if (b === 0x3a) return true;
      if (!isJsonSpace(b)) return false;
    }
  }
  return true;
}

/** State shared by one `findJwts` call: a work budget and decoded headers (they repeat). */
interface Budget {
  /** Characters candidate runs may still read. */
  left: number;
  headers: Map<string, ReturnType<typeof decodeHeader>>;
}

function cachedHeader(budget: Budget, seg: string): ReturnType<typeof decodeHeader> {
  let h = budget.headers.get(seg);
  if (h === undefined) {
    h = decodeHeader(seg);
    if (budget.headers.size < 256) budget.headers.set(seg, h);
  }
  return h;
}

/** Reads the token run at `p`, undoing escapes and joining wrapped lines when clearly one token. */
/**
 * At most five `.`-separated segments (a JWE; a JWS uses three), then SD-JWT `~` parts. Bounded by
 * structure, so a megabyte run of token characters costs one token's worth per anchor.
 */
const PLAIN_RUN = /(?:[A-Za-z0-9_-]*\.){0,4}[A-Za-z0-9_-]*(?:~[A-Za-z0-9_.-]*)*/y;

function readRun(text: string, p: number, budget: Budget): ReadResult | undefined {
  // Fast path, by far the most common: a run of token characters that ends at something that
  // cannot continue it (no escape, no line break) is the normalised run itself.
  PLAIN_RUN.lastIndex = p;
  const plain = PLAIN_RUN.exec(text)![0];
  const after = text.charCodeAt(p + plain.length);
  if (plain.length <= JWT_LIMITS.maxToken && after !== 37 && after !== 92 && after !== 10 && after !== 13) {
    budget.left -= plain.length;
    const noDot = plain.indexOf('.') < 0 && plain.indexOf('~') < 0;
    return { norm: plain, rawEndAt: (i) => p + i + 1, breaks: [], firstEscape: -1, stop: p + plain.length, noDot };
  }
  return readMangled(text, p, budget);
}

/** The general reader: undoes escapes and joins wrapped lines, character by character. */
function readMangled(text: string, p: number, budget: Budget): ReadResult | undefined {
  const chars: number[] = [];
  const rawEnd: number[] = [];
  const breaks: number[] = [];
  let firstEscape = -1;
  let i = p;
  let dots = 0;
  let tildes = 0;
  let segLen = 0;
  let header: Record<string, unknown> | undefined;
  let sigLengths: readonly number[] | undefined;
  let wrapWidth = -1;
  // The line the token starts on: its lead decides what continuation lines must repeat. Looked
  // for within a bounded distance (a megabyte line must not make every anchor rescan it).
  const firstLineStart = lineStartBefore(text, p);
  const firstLead = firstLineStart < 0 ? { end: -1, marker: '\u0000' } : leadOf(text, firstLineStart);
  let lineStart = firstLineStart < 0 ? p : firstLineStart;
  let tokenLineStart = p;
  let pureLine = firstLead.end === p;

  const n = text.length;
  while (chars.length < JWT_LIMITS.maxToken) {
    if (i >= n) break;
    const c = text.charCodeAt(i);
    let ch = -1;
    let width = 1;
    const cls = classOf(c);
    if (cls !== 0) ch = c;
    else if (c === 37) {
      ch = percentChar(text, i);
      width = 3;
    } else if (c === 92) {
      ch = jsonEscapeChar(text, i);
      width = 6;
    }
    if (ch >= 0) {
      if (width > 1 && firstEscape < 0) firstEscape = chars.length;
      chars.push(ch);
      i += width;
      rawEnd.push(i);
      if (ch === 46 && tildes === 0) {
        // A JWS has 3 segments, a JWE 5: a further '.' is not part of the token.
        if (dots === 2 && !(header && typeof header.enc === 'string')) break;
        if (dots === 4) break;
        dots++;
        segLen = 0;
        if (dots === 1) {
          if (chars.length - 1 > JWT_LIMITS.maxHeader) return undefined;
          const h = cachedHeader(budget, String.fromCharCode(...chars.slice(0, chars.length - 1)));
          if (!h.ok) return { norm: '', rawEndAt: (k) => rawEnd[k]!, breaks, firstEscape, stop: i, noDot: false };
          header = h.value;
          sigLengths = signatureLengths(header.alg as string);
        }
      } else if (ch === 126) {
        tildes++;
        segLen = 0;
      } else {
        segLen++;
        if (dots === 0 && segLen > JWT_LIMITS.maxHeader) break;
      }
      continue;
    }
    if (c !== 10 && c !== 13) break;
    // A line break right after token characters: continue on the next line?
    if (breaks.length >= MAX_CONTINUATIONS) break;
    const eol = i;
    const nextLine = c === 13 && text.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
    const contAt = continuationStart(text, nextLine, firstLead.marker);
    if (contAt < 0) break;
    // A line that starts like a new token is one, unless we are right after a '.' (wrapped there).
    if (segLen > 0 && anchorAt(text, contAt)) break;
    let open: 'yes' | 'evidence' | 'no';
    if (tildes > 0) open = 'evidence';
    else if (dots === 0 || (dots === 1 && !(header && typeof header.enc === 'string'))) open = 'yes';
    // JWE segments cannot be checked by decoding: only a visible wrap joins them.
    else if (header && typeof header.enc === 'string') open = dots < 4 || segLen < MIN_JWE_TAG ? 'evidence' : 'no';
    else if (dots > 2) open = 'no';
    else if (header && isUnsecuredAlg(header.alg as string)) open = segLen === 0 ? 'no' : 'evidence';
    else if (sigLengths) {
      if (segLen > sigLengths[sigLengths.length - 1]!) open = 'no';
      // A length that fits may still be a prefix of a longer RSA signature when the line is
      // exactly as wide as the token's previous lines: let the width decide, validation checks.
      else if (sigLengths.includes(segLen)) open = wrapWidth >= 0 && eol - lineStart === wrapWidth ? 'evidence' : 'no';
      else open = 'yes';
    } else open = 'evidence';
    if (open === 'no') break;
    if (open === 'evidence') {
      const lineLen = eol - lineStart;
      const tokenPart = eol - tokenLineStart;
      const fixedWidth = wrapWidth >= 0 ? lineLen === wrapWidth : WRAP_WIDTHS.has(lineLen) || WRAP_WIDTHS.has(tokenPart);
      // An indented block (YAML block scalar, indented code): this line holds only the token,
      // the next line the same indentation and nothing but the rest of the token.
      let block = false;
      const indent = tokenLineStart - lineStart;
      if (pureLine && indent > 0 && contAt - nextLine === indent && tokenPart >= 16) {
        let j = contAt;
        while (j < n && classOf(text.charCodeAt(j)) !== 0) j++;
        block = CLOSERS.test(text.slice(j, lineEnd(text, j)));
      }
      if (!fixedWidth && !block) break;
    }
    if (wrapWidth < 0) wrapWidth = eol - lineStart;
    breaks.push(chars.length);
    lineStart = nextLine;
    tokenLineStart = contAt;
    pureLine = true;
    i = contAt;
  }
  budget.left -= i - p;
  const norm = chars.length > 0 ? decodeChars(chars) : '';
  return { norm, rawEndAt: (k) => rawEnd[k]!, breaks, firstEscape, stop: i, noDot: dots === 0 && tildes === 0 };
}

function decodeChars(chars: number[]): string {
  // fromCharCode with a spread is bounded by the argument limit; tokens are ≤ 128 Ki characters.
  let s = '';
  for (let k = 0; k < chars.length; k += 8192) s += String.fromCharCode(...chars.slice(k, k + 8192));
  return s;
}

interface Parsed {
  len: number;
  decoded: DecodedJwt;
}

const B64_SEG = /^[A-Za-z0-9_-]*$/;

function validSeg(s: string): boolean {
  return s.length % 4 !== 1 && B64_SEG.test(s);
}

/** End of the segment starting at `from`: the next `.` or `~`, or the end. */
function segEnd(norm: string, from: number): number {
  for (let k = from; k < norm.length; k++) {
    const c = norm.charCodeAt(k);
    if (c === 46 || c === 126) return k;
  }
  return norm.length;
}

/**
 * Length of the signature (or JWE tag) starting at `from`, or -1. Uses the algorithm's signature
 * lengths (ascending) when known: a signature under half the shortest is a truncated token; one
 * joined across a line break must have exactly a valid length (else the join was wrong); a Slack
 * `_italic_` closing underscore is dropped when only the shorter length is valid. Test factories
 * and odd issuers produce other lengths, so a single-line signature is not held to them.
 */
function signatureLength(
  norm: string,
  from: number,
  lengths: readonly number[] | undefined,
  italic: boolean,
  minLen: number,
  breaks: readonly number[],
): number {
  const end = segEnd(norm, from);
  const joined = breaks.some((b) => b > from && b < end);
  let sig = norm.slice(from, end);
  if (italic && sig.endsWith('_') && end === norm.length) {
    const shorter = sig.slice(0, -1);
    // Keep the underscore only when the algorithm says the signature needs it.
    const fullOk = lengths ? lengths.includes(sig.length) : false;
    if (!fullOk && validSeg(shorter)) sig = shorter;
  }
  if (!validSeg(sig)) return -1;
  if (lengths) {
    if (joined) return lengths.includes(sig.length) ? sig.length : -1;
    return sig.length * 2 >= lengths[0]! ? sig.length : -1;
  }
  return sig.length >= minLen ? sig.length : -1;
}

function isJwtIoSample(claims: Record<string, unknown> | undefined): boolean {
  if (!claims) return false;
  let score = 0;
  if (claims.sub === '1234567890') score++;
  if (claims.name === 'John Doe') score++;
  if (claims.iat === 1516239022) score++;
  return score >= 2;
}

function isSdJwtIssuerJwt(header: Record<string, unknown>, claims: Record<string, unknown> | undefined): boolean {
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : '';
  return typ.includes('sd-jwt') || typ.includes('sd+jwt') || (claims !== undefined && ('_sd_alg' in claims || '_sd' in claims));
}

/** A compact JWS at `from` that is a key-binding JWT; its length or -1. */
function kbJwtLength(norm: string, from: number): number {
  const end = norm.indexOf('~', from) < 0 ? norm.length : norm.indexOf('~', from);
  const parts = norm.slice(from, end).split('.');
  if (parts.length < 3) return -1;
  const h = decodeHeader(parts[0]!);
  if (!h.ok || typeof h.value.typ !== 'string' || h.value.typ.toLowerCase() !== 'kb+jwt') return -1;
  if (!decodePayload(parts[1]!).ok || !validSeg(parts[2]!) || parts[2]!.length < MIN_UNKNOWN_SIG) return -1;
  return parts[0]!.length + parts[1]!.length + parts[2]!.length + 2;
}

/** Validates a normalised run; returns how much of it is the token, and what it decodes to. */
function parse(norm: string, italic: boolean, breaks: readonly number[], budget: Budget): Parsed | undefined {
  const d1 = norm.indexOf('.');
  if (d1 <= 0) return undefined;
  const h = cachedHeader(budget, norm.slice(0, d1));
  if (!h.ok) return undefined;
  const hdr = h.value;
  const alg = hdr.alg as string;

  if (typeof hdr.enc === 'string') {
    // JWE: header.encryptedKey.iv.ciphertext.tag
    const dots = [d1];
    for (let k = 0; k < 3; k++) {
      const prev = dots[dots.length - 1]! + 1;
      const e = segEnd(norm, prev);
      if (e >= norm.length || norm[e] !== '.') return undefined;
      const seg = norm.slice(prev, e);
      if (!validSeg(seg) || (k > 0 && seg.length === 0)) return undefined;
      dots.push(e);
    }
    const tagFrom = dots[3]! + 1;
    const tagLen = signatureLength(norm, tagFrom, undefined, italic, MIN_JWE_TAG, breaks);
    if (tagLen < 0) return undefined;
    return { len: tagFrom + tagLen, decoded: { form: 'jwe', header: hdr } };
  }

  const e1 = segEnd(norm, d1 + 1);
  if (e1 >= norm.length || norm[e1] !== '.') return undefined; // header.payload and no signature segment
  const payload = decodePayload(norm.slice(d1 + 1, e1));
  if (!payload.ok) return undefined;
  const claims = payload.value;
  if (isJwtIoSample(claims)) return undefined;

  let len: number;
  let form: DecodedJwt['form'];
  if (isUnsecuredAlg(alg)) {
    form = 'unsecured';
    const end = segEnd(norm, e1 + 1);
    const sig = norm.slice(e1 + 1, end);
    // `_eyJ….eyJ…._`: the closing italic underscore is not a signature.
    len = sig.length === 0 || (italic && sig === '_' && end === norm.length) || !validSeg(sig) ? e1 + 1 : end;
  } else {
    form = 'jws';
    const sigLen = signatureLength(norm, e1 + 1, signatureLengths(alg), italic, MIN_UNKNOWN_SIG, breaks);
    if (sigLen < 0) return undefined; // truncated, redacted or garbled signature
    len = e1 + 1 + sigLen;
  }
  const decoded: DecodedJwt = { form, header: hdr, claims };

  if (norm[len] === '~') {
    // SD-JWT: count the disclosures that decode; the token ends after the last good `~`.
    let pos = len + 1;
    let disclosures = 0;
    for (;;) {
      const t = norm.indexOf('~', pos);
      if (t < 0 || !isDisclosure(norm.slice(pos, t))) break;
      disclosures++;
      pos = t + 1;
    }
    const kb = kbJwtLength(norm, pos);
    if (disclosures > 0 || kb > 0 || isSdJwtIssuerJwt(hdr, claims)) {
      return { len: kb > 0 ? pos + kb : pos, decoded: { form: 'sd-jwt', header: hdr, claims, disclosures } };
    }
  }
  return { len, decoded };
}

const PLACEMENTS: Array<[RegExp, string]> = [
  [/\bDPoP\s+$/i, 'authorization-dpop'],
  [/\bBearer\s+$/i, 'authorization-bearer'],
];
const URL_PARAM = /([?&#;])((?:access|id|refresh|logout)_token|token|jwt|assertion|client_assertion|session|auth|code)=$/i;

/** Non-secret facts about where the token sits, for scoring (DPoP-bound, in a URL, a cookie…). */
function contextOf(text: string, p: number, read: ReadResult, len: number): Record<string, string> {
  const ctx: Record<string, string> = {};
  const before = text.slice(Math.max(0, p - 64), p);
  for (const [re, placement] of PLACEMENTS) {
    if (re.test(before)) {
      ctx.placement = placement;
      break;
    }
  }
  if (!ctx.placement) {
    const m = URL_PARAM.exec(before);
    if (m) {
      ctx.placement = m[1] === '#' ? 'url-fragment' : 'url-parameter';
      ctx.parameter = m[2]!.toLowerCase();
    } else if (/\bcookie:[^\n]*$/i.test(before)) {
      ctx.placement = 'cookie';
    } else if (/"\s*:\s*"$/.test(before)) {
      ctx.placement = 'json-string';
    }
  }
  const mangled: string[] = [];
  if (read.firstEscape >= 0 && read.firstEscape < len) mangled.push('escaped');
  if (read.breaks.some((b) => b < len)) mangled.push('wrapped');
  if (mangled.length > 0) ctx.mangled = mangled.join(',');
  return ctx;
}

function isB64At(text: string, i: number): boolean {
  return i >= 0 && classOf(text.charCodeAt(i)) === B64;
}

/**
 * Anchor positions in increasing order. `indexOf` for `eyJ`, `eyA` and `ew` (then the exact
 * anchor is checked): several times faster than one RegExp alternation, which stops at every `e`.
 */
class Anchors {
  static readonly NEEDLES = ['eyJ', 'eyA', 'ew'];
  readonly #text: string;
  /** Next occurrence of each needle at or after the last search, or -1 when there is none left. */
  readonly #pos: number[];
  /** Where to resume: the caller moves it forward to skip a consumed or hopeless run. */
  lastIndex = 0;
  constructor(text: string) {
    this.#text = text;
    this.#pos = Anchors.NEEDLES.map((n) => text.indexOf(n));
  }
  next(): number {
    for (;;) {
      let best = -1;
      for (let k = 0; k < 3; k++) {
        let p = this.#pos[k]!;
        if (p >= 0 && p < this.lastIndex) {
          p = this.#text.indexOf(Anchors.NEEDLES[k]!, this.lastIndex);
          this.#pos[k] = p;
        }
        if (p >= 0 && (best < 0 || p < best)) best = p;
      }
      if (best < 0) return -1;
      if (anchorAt(this.#text, best)) {
        this.lastIndex = best + 3;
        return best;
      }
      this.lastIndex = best + 1;
    }
  }
}

/** Finds every JWT in `text`. Pure; bounded work per anchor; never throws on any string. */
export function findJwts(text: string): Match[] {
  const out: Match[] = [];
  if (typeof text !== 'string') return out;
  const re = new Anchors(text);
  // Real text never comes near this; crafted input (thousands of overlapping header-looking runs)
  // stops here instead of going quadratic.
  const budget: Budget = { left: 8 * text.length + (1 << 20), headers: new Map() };
  for (let p = re.next(); p >= 0 && budget.left > 0; p = re.next()) {
    if (!plausibleHeaderStart(text, p)) continue;
    const read = readRun(text, p, budget);
    if (!read || read.norm.length === 0) {
      if (read && read.noDot) re.lastIndex = Math.max(re.lastIndex, read.stop);
      continue;
    }
    const italic = text.charCodeAt(p - 1) === 95 && !isB64At(text, p - 2);
    let parsed: Parsed | undefined;
    let normLen = read.norm.length;
    // Try the longest reading first, then drop joined lines one by one (a wrong join fails to decode).
    for (let b = read.breaks.length; b >= 0; b--) {
      parsed = parse(read.norm.slice(0, normLen), italic && b === read.breaks.length, read.breaks.slice(0, b), budget);
      if (parsed) break;
      if (b > 0) normLen = read.breaks[b - 1]!;
    }
    if (!parsed) {
      if (read.noDot) re.lastIndex = Math.max(re.lastIndex, read.stop);
      continue;
    }
    const end = read.rawEndAt(parsed.len - 1);
    const secret = read.norm.slice(0, parsed.len);
    // Decoded headers are shared through the per-call cache: give each match its own copy.
    const own = decodeHeader(secret.slice(0, secret.indexOf('.')));
    const match: Match = {
      ruleId: 'jwt',
      kind: 'jwt',
      secret,
      start: p,
      end,
      jwt: { ...parsed.decoded, header: own.ok ? own.value : parsed.decoded.header },
    };
    const ctx = contextOf(text, p, read, parsed.len);
    if (Object.keys(ctx).length > 0) match.context = ctx;
    out.push(match);
    re.lastIndex = end;
  }
  return out;
}

const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

function exampleJwt(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT' }): string {
  const alg = header.alg as string;
  const sigBytes = alg === 'HS256' ? 32 : alg === 'ES256' ? 64 : 256;
  return `${b64(header)}.${b64(claims)}.${randomBytes(sigBytes).toString('base64url')}`;
}

/** Examples built at call time (random signatures): nothing token-shaped is committed. */
function examples(): RuleExamples {
  const now = Math.floor(Date.now() / 1000);
  const t = exampleJwt({ iss: 'https://issuer.example.com', sub: 'svc-deploy', aud: 'api://default', exp: now + 3600 });
  const none = `${b64({ alg: 'none' })}.${b64({ sub: 'x', role: 'admin' })}.`;
  const jwe = `${b64({ alg: 'dir', enc: 'A256GCM', kid: 'k1' })}..${randomBytes(12).toString('base64url')}.${randomBytes(40).toString('base64url')}.${randomBytes(16).toString('base64url')}`;
  const sample = exampleJwt({ sub: '1234567890', name: 'John Doe', iat: 1516239022 }, { alg: 'HS256', typ: 'JWT' });
  const [h, p] = t.split('.') as [string, string];
  return {
    match: [
      `Authorization: Bearer ${t}`,
      `https://app.example.com/cb#id_token=${t}&state=xyz`,
      `set the cookie session=${t}; Path=/`,
      `unsecured: ${none}`,
      `encrypted: ${jwe}`,
      `_${t}_`,
    ],
    ignore: [
      `the docs sample ${sample}`,
      `redacted ${h.slice(0, 7)}... and eyJ***`,
      `no signature: ${h}.${p}`,
      `not json: ${b64('{"alg": broken')}.${b64('nope')}.${randomBytes(32).toString('base64url')}`,
      `truncated ${h}.${p}.${t.split('.')[2]!.slice(0, 20)}`,
    ],
  };
}

export const jwtDetector = {
  id: 'jwt',
  name: 'JSON Web Token (JWS, JWE, SD-JWT)',
  kind: 'jwt',
  keywords: JWT_KEYWORDS,
  docs: 'https://www.rfc-editor.org/rfc/rfc7519',
  // A token starts at its anchor; the run after it can be long (large claim sets, SD-JWT
  // disclosures, wrapped lines), but not longer than any HTTP server accepts in a header (8–16
  // KiB by default): 32 KiB after the anchor is plenty, and bounds the text each hit scans.
  // Before it: enough to see the start of its line (wrapping decisions, Bearer/cookie context).
  window: { before: 1024, after: JWT_WINDOW_AFTER },
  find: findJwts,
  examples,
} satisfies Detector;
