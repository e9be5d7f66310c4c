/**
 * Private key blocks: PEM (PKCS#1 RSA, SEC1 EC, PKCS#8 plain and ENCRYPTED, DSA, OPENSSH), PGP
 * armored private keys, and PuTTY `.ppk` files.
 *
 * Blocks are found however they were pasted: plain, with a constant line prefix (diff `+`, mail or
 * Slack quote `> `, comment `# `, YAML indentation), as a JSON string with `\n` escapes (also
 * double-escaped), or collapsed onto one line with spaces. The `secret` is the **normalised whole
 * block** — the header line, RFC 1421 headers followed by one blank line when present, the base64
 * body lines, the footer line, joined with `\n`, each line stripped of the paste prefix and
 * surrounding whitespace, no trailing newline. So the same key has the same fingerprint in a .pem
 * file, a diff, a Slack quote and a service-account JSON file.
 *
 * Context: `keyType` (rsa, ec, dsa, pkcs8, openssh, pgp, putty) and `encrypted` ('true'/'false';
 * absent for PGP, whose encryption is not visible without parsing packets). An encrypted key
 * still leaks (offline guessing), it just scores lower.
 */
import type { Detector, Match } from '../types.js';
import { shannonEntropy } from '../filters.js';
import { privateKeyBlock, type PrivateKeyType } from './gen.js';
import { guardedFind } from './kit.js';

/** Largest block we accept (an RSA-8192 PEM is ~6.5 KB; a PGP key with subkeys can reach ~20 KB). */
const MAX_BLOCK = 40_000;
const MAX_LINES = 700;
const BASE64_LINE = /^[A-Za-z0-9+/=]{1,160}$/;
const HEADER_LINE = /^[A-Za-z][A-Za-z0-9-]{0,40}: ?[\x20-\x7e]{0,300}$/;

export interface PrivateKeyBlock {
  /** The normalised block (see module doc). */
  secret: string;
  /** Offsets of the block as it appears in the text (header start to footer end). */
  start: number;
  end: number;
  keyType: string;
  /** 'true' | 'false', or undefined when it cannot be told. */
  encrypted?: 'true' | 'false';
}

const KEY_TYPES: Record<string, string> = {
  'RSA PRIVATE KEY': 'rsa',
  'EC PRIVATE KEY': 'ec',
  'DSA PRIVATE KEY': 'dsa',
  'OPENSSH PRIVATE KEY': 'openssh',
  'PRIVATE KEY': 'pkcs8',
  'ENCRYPTED PRIVATE KEY': 'pkcs8',
  'PGP PRIVATE KEY BLOCK': 'pgp',
};

// https://www.rfc-editor.org/rfc/rfc7468 (PEM labels), https://www.rfc-editor.org/rfc/rfc4880#section-6.2 (PGP armor).
const BEGIN = /-----BEGIN ((?:[A-Z0-9]{1,12} ){0,2}PRIVATE KEY(?: BLOCK)?)-----/g;

interface Collected {
  headers: string[];
  body: string[];
  /** Offset just after the footer in the text. */
  end: number;
}

/** Classify one already-unprefixed, trimmed line of a block. */
type LineKind = 'end' | 'header' | 'base64' | 'blank' | 'other';
function classify(content: string, footer: string): LineKind {
  if (content.length === 0) return 'blank';
  if (content.startsWith(footer)) return 'end';
  if (BASE64_LINE.test(content)) return 'base64';
  if (HEADER_LINE.test(content)) return 'header';
  return 'other';
}

/** Lines of `text` from `from` (a line start), each with its [start, end) (without the line break). */
function* linesFrom(text: string, from: number, limit: number): Generator<{ start: number; end: number }> {
  let pos = from;
  const stop = Math.min(text.length, from + limit);
  while (pos <= stop && pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1 || nl > stop) nl = Math.min(text.length, stop);
    yield { start: pos, end: nl };
    pos = nl + 1;
  }
}

/**
 * Read the body of a block whose header line ends at `headerEnd` (offset after `-----`), with each
 * line carrying `prefix`. Returns undefined when the block is not complete and well-formed.
 */
function collectPrefixed(text: string, headerEnd: number, prefix: string, footer: string): Collected | undefined {
  // Only the next few characters may separate the header from its line break (a bounded look: an
  // unbounded indexOf per header made one long line of headers quadratic).
  const nl = text.slice(headerEnd, headerEnd + 5).indexOf('\n');
  if (nl === -1) return undefined; // something else follows the header on its line
  const firstNl = headerEnd + nl;
  const headers: string[] = [];
  const body: string[] = [];
  const bare = prefix.trimEnd();
  let n = 0;
  for (const { start, end } of linesFrom(text, firstNl + 1, MAX_BLOCK)) {
    if (++n > MAX_LINES) return undefined;
    const line = text.slice(start, end);
    let content: string;
    if (line.startsWith(prefix)) content = line.slice(prefix.length).trim();
    else if (line.trimEnd() === bare) content = '';
    else return undefined;
    switch (classify(content, footer)) {
      case 'end':
        return { headers, body, end: start + line.indexOf(footer) + footer.length };
      case 'base64':
        body.push(content);
        break;
      case 'header':
        if (body.length > 0) return undefined;
        headers.push(content);
        break;
      case 'blank':
        break;
      default:
        return undefined;
    }
  }
  return undefined;
}

/**
 * Where `footer` starts when it is the first `-----` after `from`, else -1. A block body (base64,
 * `Name: value` headers, `\\n` escapes) never holds five dashes, so this is the only place its
 * footer can be — and the search stops at the next dash run (at the latest the next BEGIN), which
 * keeps a text of many headers linear. (Searching for the footer itself scanned to the end of the
 * text once per header: 1 MiB of repeated headers took ~20 s.)
 */
function footerAt(text: string, from: number, footer: string): number {
  const f = text.indexOf('-----', from);
  return f !== -1 && text.startsWith(footer, f) ? f : -1;
}

/** The block's lines when it was pasted on one line (`-----BEGIN … ----- MIIE… -----END … -----`). */
function collectInline(text: string, headerEnd: number, footer: string): Collected | undefined {
  const f = footerAt(text, headerEnd, footer);
  if (f === -1 || f - headerEnd > MAX_BLOCK) return undefined;
  const inner = text.slice(headerEnd, f);
  if (inner.includes('\n')) return undefined; // one line only
  const parts = inner.trim().split(/\s+/).filter((p) => p.length > 0);
  const headers: string[] = [];
  const body: string[] = [];
  for (const p of parts) {
    if (!BASE64_LINE.test(p)) return undefined;
    body.push(p);
  }
  return { headers, body, end: f + footer.length };
}

/** The block inside a JSON (or other C-style) string with `\n` escapes, possibly double-escaped. */
function collectEscaped(text: string, headerEnd: number, footer: string): Collected | undefined {
  if (!/^\\{1,3}[nr]/.test(text.slice(headerEnd, headerEnd + 4))) return undefined;
  const f = footerAt(text, headerEnd, footer);
  if (f === -1 || f - headerEnd > MAX_BLOCK) return undefined;
  const inner = text
    .slice(headerEnd, f)
    .replace(/\\+r/g, '')
    .replace(/\\+n/g, '\n')
    .replace(/\\+\//g, '/');
  const headers: string[] = [];
  const body: string[] = [];
  for (const raw of inner.split('\n')) {
    const content = raw.trim();
    switch (classify(content, footer)) {
      case 'base64':
        body.push(content);
        break;
      case 'header':
        if (body.length > 0) return undefined;
        headers.push(content);
        break;
      case 'blank':
        break;
      default:
        return undefined;
    }
  }
  return { headers, body, end: f + footer.length };
}

/** Candidate paste prefixes of the header line, most specific first. */
function prefixCandidates(linePrefix: string): string[] {
  const out = [linePrefix];
  const indent = /^[ \t]*/.exec(linePrefix)?.[0] ?? '';
  // Structural prefixes (quote marks, diff markers, comment leaders) without what follows them.
  const structural = /^[ \t]*(?:[+\->#!;*|]|\/\/|&gt;)[ \t]*(?:(?:>|&gt;)[ \t]*)*/.exec(linePrefix)?.[0];
  if (structural) out.push(structural);
  out.push(indent, '');
  return [...new Set(out)];
}

function decodedHead(body: string[], bytes: number): Buffer {
  const b64 = body.join('').slice(0, Math.ceil((bytes * 4) / 3) + 4);
  return Buffer.from(b64.slice(0, b64.length - (b64.length % 4)), 'base64');
}

/** OpenSSH keys name their cipher in the clear: `openssh-key-v1\0` + string(ciphername). */
function opensshCipher(body: string[]): string | undefined {
  const head = decodedHead(body, 64);
  if (head.toString('latin1', 0, 15) !== 'openssh-key-v1\0' || head.length < 19) return undefined;
  const len = head.readUInt32BE(15);
  if (len > 40 || head.length < 19 + len) return undefined;
  return head.toString('latin1', 19, 19 + len);
}

/** Validate and normalise one collected block; undefined when it is a placeholder or malformed. */
function finish(label: string, c: Collected, start: number): PrivateKeyBlock | undefined {
  const joined = c.body.join('');
  if (joined.length < 60) return undefined; // an Ed25519 PKCS#8 key, the smallest real one, is 64
  // A filler of x's (`MIIEpAIB…xxxxxxxx…`). Eight in a row: real base64 has XXXX in about one key in
  // five thousand (a 1 GB bench corpus missed one that way), eight in about one in 10^11.
  if (/x{8}|X{8}/.test(joined)) return undefined;
  if (shannonEntropy(joined) < 4.2) return undefined; // base64 of key material is ~5.9 bits/char
  const keyType = KEY_TYPES[label] ?? label.replace(/ ?PRIVATE KEY.*$/, '').toLowerCase().replace(/\s+/g, '-');
  const legacyEncrypted = c.headers.some((h) => /^Proc-Type:\s*4,\s*ENCRYPTED/i.test(h));
  let encrypted: 'true' | 'false' | undefined;
  if (label === 'OPENSSH PRIVATE KEY') {
    const cipher = opensshCipher(c.body);
    if (cipher === undefined) return undefined; // not an OpenSSH key container
    encrypted = cipher === 'none' ? 'false' : 'true';
  } else if (label === 'PGP PRIVATE KEY BLOCK') {
    encrypted = undefined;
  } else {
    // DER: every PKCS#1/SEC1/PKCS#8 structure is a SEQUENCE (0x30 → base64 'M'); ciphertext under Proc-Type is not.
    if (!legacyEncrypted && !joined.startsWith('M')) return undefined;
    encrypted = label.startsWith('ENCRYPTED') || legacyEncrypted ? 'true' : 'false';
  }
  const lines = [`-----BEGIN ${label}-----`];
  if (c.headers.length > 0) lines.push(...c.headers, '');
  lines.push(...c.body, `-----END ${label}-----`);
  return { secret: lines.join('\n'), start, end: c.end, keyType, ...(encrypted ? { encrypted } : {}) };
}

/** Every private key block (PEM or PGP) in `text`. Pure; never throws on well-typed input. */
export function findPemBlocks(text: string, labels?: (label: string) => boolean): PrivateKeyBlock[] {
  const out: PrivateKeyBlock[] = [];
  BEGIN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = BEGIN.exec(text)) !== null && out.length < 200) {
    const label = m[1]!;
    if (labels && !labels(label)) continue;
    const start = m.index;
    const headerEnd = start + m[0].length;
    const footer = `-----END ${label}-----`;
    let c = collectEscaped(text, headerEnd, footer);
    if (!c) {
      // What precedes the header on its line (a diff `+`, a quote `> `), looked for within 200
      // characters only: a longer prefix counts as none.
      const from = Math.max(0, start - 201);
      const nl = text.slice(from, start).lastIndexOf('\n');
      const linePrefix = nl !== -1 ? text.slice(from + nl + 1, start) : from === 0 ? text.slice(0, start) : '';
      for (const p of prefixCandidates(linePrefix.length > 200 ? '' : linePrefix)) {
        c = collectPrefixed(text, headerEnd, p, footer);
        if (c) break;
      }
    }
    c ??= collectInline(text, headerEnd, footer);
    if (!c) continue;
    const block = finish(label, c, start);
    if (block) {
      out.push(block);
      BEGIN.lastIndex = Math.max(BEGIN.lastIndex, block.end);
    }
  }
  return out;
}

function examplesFor(types: PrivateKeyType[], inline = true): { match: string[]; ignore: string[] } {
  const blocks = types.map((t) => privateKeyBlock(t));
  const first = blocks[0]!;
  const lines = first.split('\n');
  return {
    match: [
      ...blocks.map((b) => `${b}\n`),
      // pasted in a diff, a quote, as a JSON string, collapsed onto one line, with CRLF
      lines.map((l) => `+${l}`).join('\n'),
      lines.map((l) => `> ${l}`).join('\n'),
      `{"key": "${lines.join('\\n')}\\n"}`,
      ...(inline ? [`key: ${lines.join(' ')}`] : []),
      lines.join('\r\n'),
    ],
    ignore: [
      `${lines[0]}\n...\n${lines[lines.length - 1]}`,
      `${lines[0]}\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ\n${lines[lines.length - 1]}`,
      `${lines[0]}\n<your private key here>\n${lines[lines.length - 1]}`,
      `${lines[0]}\n${'A'.repeat(64)}\n${'A'.repeat(64)}\n${lines[lines.length - 1]}`,
      lines.slice(0, 5).join('\n'),
    ],
  };
}

const PEM_WINDOW = { before: 512, after: MAX_BLOCK } as const;

export const privateKey = {
  id: 'private-key',
  name: 'Private key (PEM: RSA, EC, DSA, PKCS#8, OpenSSH)',
  kind: 'credential',
  keywords: ['PRIVATE KEY'],
  docs: 'https://www.rfc-editor.org/rfc/rfc7468#section-10',
  reach: { privilege: 'admin', scope: 'whatever trusts the matching public key (servers, deploy keys, certificates, signed tokens)', lifetime: 'unbounded' },
  window: PEM_WINDOW,
  find: guardedFind((text, out: Match[]) => {
    for (const b of findPemBlocks(text, (l) => !l.startsWith('PGP '))) {
      out.push({ ruleId: 'private-key', kind: 'credential', secret: b.secret, start: b.start, end: b.end, context: { keyType: b.keyType, ...(b.encrypted ? { encrypted: b.encrypted } : {}) } });
    }
  }),
  examples: () => {
    const base = examplesFor(['rsa', 'ec', 'pkcs8', 'encrypted-pkcs8', 'encrypted-rsa', 'dsa', 'openssh', 'encrypted-openssh']);
    return { match: base.match, ignore: [...base.ignore, privateKeyBlock('pgp'), '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----'] };
  },
} satisfies Detector;

export const pgpPrivateKey = {
  id: 'pgp-private-key',
  name: 'PGP private key block',
  kind: 'credential',
  keywords: ['PGP PRIVATE KEY BLOCK'],
  docs: 'https://www.rfc-editor.org/rfc/rfc4880#section-6.2',
  reach: { privilege: 'admin', scope: 'signs and decrypts as the key’s owner (releases, commits, mail)', lifetime: 'unbounded' },
  window: PEM_WINDOW,
  find: guardedFind((text, out: Match[]) => {
    for (const b of findPemBlocks(text, (l) => l === 'PGP PRIVATE KEY BLOCK')) {
      out.push({ ruleId: 'pgp-private-key', kind: 'credential', secret: b.secret, start: b.start, end: b.end, context: { keyType: 'pgp' } });
    }
  }),
  // Armor headers (`Comment:`) cannot survive being collapsed onto one line, so no inline form.
  examples: () => examplesFor(['pgp'], false),
} satisfies Detector;

// https://the.earth.li/~sgtatham/putty/0.78/htmldoc/AppendixC.html — PPK v2/v3 text format.
const PUTTY_BEGIN = /PuTTY-User-Key-File-([23]): ([a-z0-9@.-]{3,60})/g;
const PUTTY_END = /^Private-MAC: [0-9a-f]{40,64}$/;

/** PuTTY private key files, normalised like PEM blocks (prefix-stripped lines joined with `\n`). */
export function findPuttyKeys(text: string): PrivateKeyBlock[] {
  const out: PrivateKeyBlock[] = [];
  PUTTY_BEGIN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PUTTY_BEGIN.exec(text)) !== null && out.length < 100) {
    const start = m.index;
    const lineStart = text.lastIndexOf('\n', start - 1) + 1;
    const firstLineEnd = text.indexOf('\n', start);
    if (firstLineEnd === -1) continue;
    const header = text.slice(start, firstLineEnd).trim();
    for (const prefix of prefixCandidates(text.slice(lineStart, start))) {
      const lines = [header];
      let end = -1;
      let n = 0;
      for (const { start: ls, end: le } of linesFrom(text, firstLineEnd + 1, MAX_BLOCK)) {
        if (++n > 200) break;
        const line = text.slice(ls, le);
        if (!line.startsWith(prefix)) break;
        const content = line.slice(prefix.length).trim();
        if (!(BASE64_LINE.test(content) || HEADER_LINE.test(content))) break;
        lines.push(content);
        if (PUTTY_END.test(content)) {
          end = ls + line.indexOf(content) + content.length;
          break;
        }
      }
      if (end === -1) continue;
      const enc = lines.find((l) => l.startsWith('Encryption:'))?.slice(11).trim();
      const priv = lines.findIndex((l) => l.startsWith('Private-Lines:'));
      if (!enc || priv === -1) break;
      const privBody = lines.slice(priv + 1, -1).join('');
      if (privBody.length < 40 || shannonEntropy(privBody) < 4) break;
      out.push({ secret: lines.join('\n'), start, end, keyType: 'putty', encrypted: enc === 'none' ? 'false' : 'true' });
      PUTTY_BEGIN.lastIndex = end;
      break;
    }
  }
  return out;
}

export const puttyPrivateKey = {
  id: 'putty-private-key',
  name: 'PuTTY private key (.ppk)',
  kind: 'credential',
  keywords: ['PuTTY-User-Key-File'],
  docs: 'https://the.earth.li/~sgtatham/putty/0.78/htmldoc/AppendixC.html',
  reach: { privilege: 'admin', scope: 'SSH access wherever the matching public key is authorised', lifetime: 'unbounded' },
  window: { before: 512, after: 16_384 },
  find: guardedFind((text, out: Match[]) => {
    for (const b of findPuttyKeys(text)) {
      out.push({ ruleId: 'putty-private-key', kind: 'credential', secret: b.secret, start: b.start, end: b.end, context: { keyType: 'putty', encrypted: b.encrypted ?? 'false' } });
    }
  }),
  examples: () => {
    const k = privateKeyBlock('putty');
    const lines = k.split('\n');
    return {
      match: [k, privateKeyBlock('encrypted-putty'), lines.map((l) => `+${l}`).join('\n')],
      ignore: [lines.slice(0, 6).join('\n'), 'PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\n<paste your key>\nPrivate-MAC: <mac>'],
    };
  },
} satisfies Detector;
