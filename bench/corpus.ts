/**
 * Deterministic synthetic corpus for the benchmarks: chat lines, Jira-like tickets, unified diffs
 * and source files, with tokens planted sparsely. Every token is built here at run time from a
 * seeded PRNG (checksums computed), so nothing token-shaped is committed and two runs with the same
 * seed produce byte-identical files.
 *
 *   node dist/bench/corpus.js [dir] [--size-mb 112] [--seed 1] [--manifest]
 *       writes <dir> (default .bench/corpus); --manifest also writes what was planted where to
 *       <dir>.manifest.json (beside the corpus, so a scan of <dir> does not read it)
 *   import { generateCorpus } from './corpus.js'                   # in memory, one file at a time
 *
 * Each file lists its planted tokens (`CorpusFile.tokens`: rule, placement, offset, line, column,
 * fingerprint — never the token itself). Recording them draws nothing from the PRNG, so the bytes
 * for a seed are the same with or without a manifest.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crc32 } from 'node:zlib';
import { fingerprint } from '../src/core/secrets.js';
import { lineColumns } from './manifest.js';

export type CorpusKind = 'chat' | 'ticket' | 'diff' | 'source';

export interface CorpusFile {
  /** Relative path inside the corpus directory. */
  path: string;
  kind: CorpusKind;
  text: string;
  /** How many tokens were planted in this file (`tokens.length`). */
  planted: number;
  /** Every planted token, in text order. */
  tokens: PlantedToken[];
}

/** How a token was pasted (see `plantedToken`); `pem-block` is a multi-line private key. */
export type Placement = 'bearer-header' | 'backticks' | 'json-field' | 'shell-export' | 'url-fragment' | 'bare' | 'pem-block';

/** One planted token, as a scan should report it. Holds no token: the fingerprint identifies it. */
export interface PlantedToken {
  /** The id of the rule that should report it. */
  ruleId: string;
  placement: Placement;
  /** UTF-16 offset of the token's first character in `text` (a key block: its `-----BEGIN`). */
  offset: number;
  /** 1-based line and UTF-16 column of that character, as a file scan's locator gives them. */
  line: number;
  column: number;
  /** `sha256:` of the secret as the rule reports it (a key block: normalised, see rules/private-keys.ts). */
  fingerprint: string;
}

export interface CorpusOptions {
  /** Total size to generate, in bytes of UTF-8 (default 112 MiB). */
  sizeBytes?: number;
  seed?: number;
  /** Average distance between planted tokens, in bytes (default 48 KiB: sparse, as in real text). */
  tokenEveryBytes?: number;
}

/**
 * Bumped whenever the bytes generated for a seed change, so cached corpora (bench/scan.ts) are
 * rewritten. 2: a key block on an added diff line carries one `+` per line, as git prints it
 * (version 1 doubled it on every line but the first: a block no diff holds, found by nobody).
 */
export const CORPUS_VERSION = 2;

const DEFAULT_SIZE = 112 * 1024 * 1024;
const DEFAULT_SEED = 1;
const DEFAULT_TOKEN_EVERY = 48 * 1024;

// ---------------------------------------------------------------------------------------------
// PRNG (mulberry32): deterministic, fast, good enough for text.

class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  chars(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const HEX = '0123456789abcdef';
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64URL = ALNUM + '-_';

// ---------------------------------------------------------------------------------------------
// Vocabulary: common English, engineering chatter, and (less often) the security words a leak
// detector's keywords are made of — so the prefilter meets them at a realistic rate.

const COMMON = (
  'the to and a of is in it for that on we this with you be can i have are not so if but at as was just ' +
  'do what will from think should get there one up all they or out about an by me would like now know ' +
  'when also then see here more some any maybe yes no ok thanks please let us check again still need why ' +
  'how which could did make work sure done today tomorrow later after before first last new old same other'
).split(' ');
const TECH = (
  'deploy build test merge branch release service api config error timeout request response user cache ' +
  'database query queue worker pipeline staging prod cluster pod node image container version fix bug ' +
  'issue ticket review commit push pull rollback migration schema index log logs metric alert dashboard ' +
  'endpoint client server proxy gateway latency retry job cron script helm chart terraform module lambda ' +
  'bucket upload download payload json yaml header status health memory cpu disk network dns route ' +
  'feature flag experiment customer tenant account billing invoice report export import sync webhook event'
).split(' ');
const SECURITY = 'token key secret password auth login credentials rotate session cookie bearer oauth jwt access vault'.split(' ');
const NAMES = 'alice bob carol dave erin frank grace heidi ivan judy mallory nina oscar peggy rupert sybil trent victor wendy'.split(' ');
const SERVICES = 'payments billing auth-service gateway search notifications ledger inventory checkout identity reporting'.split(' ');

function word(r: Rng): string {
  const x = r.next();
  if (x < 0.55) return r.pick(COMMON);
  if (x < 0.93) return r.pick(TECH);
  if (x < 0.97) return r.pick(SERVICES);
  return r.pick(SECURITY);
}

function sentence(r: Rng, min = 5, max = 18): string {
  const n = min + r.int(max - min + 1);
  const w: string[] = [];
  for (let i = 0; i < n; i++) w.push(word(r));
  let s = w.join(' ');
  if (r.chance(0.08)) s += ` https://github.com/acme/${r.pick(SERVICES)}/pull/${1000 + r.int(9000)}`;
  if (r.chance(0.05)) s += ` see OPS-${100 + r.int(900)}`;
  if (r.chance(0.04)) s += ` \`${r.pick(TECH)}.${r.pick(TECH)}()\``;
  return s.charAt(0).toUpperCase() + s.slice(1) + r.pick(['.', '.', '?', '!', '', ' :)']);
}

// ---------------------------------------------------------------------------------------------
// Token builders. Shapes follow /work/shared/reference/token-formats.md; checksums are computed.

function b64urlJson(o: unknown): string {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}

function crcBase62(body: string): string {
  let n = crc32(Buffer.from(body, 'utf8')) >>> 0;
  let s = '';
  do {
    s = BASE62[n % 62] + s;
    n = Math.floor(n / 62);
  } while (n > 0);
  return s.padStart(6, '0');
}

function jwt(r: Rng): string {
  const now = 1_760_000_000 + r.int(30_000_000);
  const header = { alg: r.pick(['RS256', 'ES256', 'HS256']), typ: 'JWT', kid: r.chars(HEX, 16) };
  const claims = {
    iss: r.pick(['https://login.microsoftonline.com/' + r.chars(HEX, 8) + '/v2.0', 'https://acme.auth0.com/', 'https://token.actions.githubusercontent.com']),
    sub: r.chars(ALNUM, 24),
    aud: r.pick(['api://default', 'https://graph.microsoft.com', 'https://api.acme.io']),
    iat: now,
    exp: now + 3600,
    scope: r.pick(['read write', 'openid profile email', 'admin']),
  };
  const sigBytes = header.alg === 'RS256' ? 256 : header.alg === 'ES256' ? 64 : 32;
  return `${b64urlJson(header)}.${b64urlJson(claims)}.${r.bytes(sigBytes).toString('base64url')}`;
}

/** Each maker with the rule that should report what it makes. */
const TOKEN_MAKERS: ReadonlyArray<{ ruleId: string; make: (r: Rng) => string }> = [
  { ruleId: 'jwt', make: jwt },
  { ruleId: 'jwt', make: jwt },
  {
    ruleId: 'github-classic-pat',
    make: (r) => {
      const body = r.chars(ALNUM, 30);
      return 'ghp_' + body + crcBase62(body);
    },
  },
  {
    ruleId: 'npm-access-token',
    make: (r) => {
      const body = r.chars(ALNUM, 30);
      return 'npm_' + body + crcBase62(body);
    },
  },
  { ruleId: 'aws-access-key-id', make: (r) => 'AKIA' + r.chars(B32, 16) },
  { ruleId: 'slack-bot-token', make: (r) => `xoxb-${1000000000 + r.int(8999999999)}-${1000000000 + r.int(8999999999)}-${r.chars(ALNUM, 24)}` },
  { ruleId: 'stripe-secret-key', make: (r) => 'sk_live_' + r.chars(ALNUM, 24 + r.int(60)) },
  { ruleId: 'google-api-key', make: (r) => 'AIza' + r.chars(ALNUM + '-_', 35) },
  { ruleId: 'sendgrid-api-key', make: (r) => `SG.${r.chars(B64URL, 22)}.${r.chars(B64URL, 43)}` },
  { ruleId: 'gitlab-pat', make: (r) => `glpat-${r.chars(ALNUM + '-_', 20)}` },
  {
    ruleId: 'postgres-url',
    make: (r) => `postgres://app_${r.pick(SERVICES).replace('-', '_')}:${r.chars(ALNUM, 20)}@db-${r.int(9)}.prod.acme.internal:5432/${r.pick(SERVICES)}`,
  },
  { ruleId: 'slack-webhook-url', make: (r) => `https://hooks.slack.com/services/T${r.chars(B32, 10)}/B${r.chars(B32, 10)}/${r.chars(ALNUM, 24)}` },
];

/**
 * A token as planted: `text` goes into the document, `secret` is what the rule should report,
 * `probe` a verbatim substring of the document that finds it again (unique: it is random).
 */
interface Plant {
  text: string;
  ruleId: string;
  placement: Placement;
  secret: string;
  probe: string;
}

function plantedToken(r: Rng): Plant {
  const { ruleId, make } = r.pick(TOKEN_MAKERS);
  const t = make(r);
  const plant = (placement: Placement, text: string): Plant => ({ text, ruleId, placement, secret: t, probe: t });
  // Tokens appear in the places people paste them.
  switch (r.int(6)) {
    case 0:
      return plant('bearer-header', `Authorization: Bearer ${t}`);
    case 1:
      return plant('backticks', `\`${t}\``);
    case 2:
      return plant('json-field', `"token": "${t}"`);
    case 3:
      return plant('shell-export', `export API_TOKEN=${t}`);
    case 4:
      return plant('url-fragment', `https://app.acme.io/callback#access_token=${t}&token_type=Bearer`);
    default:
      return plant('bare', t);
  }
}

function pemBlock(r: Rng): Plant {
  // A PKCS#1 RSAPrivateKey starts SEQUENCE, version 0, INTEGER (modulus): keep that DER prefix so
  // rules that check the structure see a key, then random bytes.
  const der = Buffer.concat([Buffer.from([0x30, 0x82, 0x04, 0xa2, 0x02, 0x01, 0x00, 0x02, 0x82, 0x01, 0x01, 0x00]), r.bytes(1178)]);
  const body = der.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < body.length; i += 64) lines.push(body.slice(i, i + 64));
  const text = `-----BEGIN RSA PRIVATE KEY-----\n${lines.join('\n')}\n-----END RSA PRIVATE KEY-----`;
  // Pasted JSON-escaped or diff-prefixed the block is not verbatim, but its first body line is.
  return { text, ruleId: 'private-key', placement: 'pem-block', secret: text, probe: lines[0]! };
}

// ---------------------------------------------------------------------------------------------
// Document generators. Each appends lines until the target size, planting a token with
// probability chosen so tokens land on average every `tokenEveryBytes`.

interface Planter {
  /** The text to plant after a line of `lineBytes`, or undefined (most of the time). */
  maybe(r: Rng, lineBytes: number): string | undefined;
  /** What was planted in the current file, in planting (= text) order; reset per file. */
  plants: Plant[];
}

function planter(tokenEveryBytes: number): Planter {
  return {
    plants: [],
    maybe(r, lineBytes) {
      if (!r.chance(lineBytes / tokenEveryBytes)) return undefined;
      const p = r.chance(0.04) ? pemBlock(r) : plantedToken(r);
      this.plants.push(p);
      return p.text;
    },
  };
}

/** Where each plant ended up in the finished document. Throws if one cannot be found (a generator bug). */
function locate(path: string, text: string, plants: readonly Plant[]): PlantedToken[] {
  const offsets: number[] = [];
  let from = 0;
  for (const p of plants) {
    const at = text.indexOf(p.probe, from);
    if (at < 0) throw new Error(`corpus: planted ${p.ruleId} not found in ${path}`);
    offsets.push(p.placement === 'pem-block' ? text.lastIndexOf('-----BEGIN RSA PRIVATE KEY-----', at) : at);
    from = at + p.probe.length;
  }
  const places = lineColumns(text, offsets);
  return plants.map((p, i) => ({ ruleId: p.ruleId, placement: p.placement, offset: offsets[i]!, ...places[i]!, fingerprint: fingerprint(p.secret) }));
}

function chatDay(r: Rng, target: number, p: Planter): string {
  const out: string[] = [];
  let size = 0;
  let h = 8;
  let m = 0;
  while (size < target) {
    m += 1 + r.int(4);
    if (m >= 60) {
      m -= 60;
      h = (h + 1) % 24;
    }
    let text = sentence(r);
    if (r.chance(0.1)) text = `<@U${r.chars(B32, 8)}> ${text}`;
    if (r.chance(0.05)) text += ` <https://acme.atlassian.net/browse/OPS-${r.int(999)}|OPS-${r.int(999)}>`;
    if (r.chance(0.03)) text += ' :white_check_mark:';
    if (r.chance(0.02)) text = `*${text}*`;
    const tok = p.maybe(r, text.length + 30);
    if (tok) text += ` ${tok}`;
    if (r.chance(0.02)) text += '\n```\n' + `${r.pick(TECH)}: ${r.pick(TECH)}\n  ${r.pick(TECH)}: ${r.int(100)}\n` + '```';
    const line = `[${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}] <${r.pick(NAMES)}> ${text}`;
    out.push(line);
    size += line.length + 1;
  }
  return out.join('\n') + '\n';
}

function ticket(r: Rng, key: string, p: Planter): string {
  const paras: string[] = [];
  const n = 2 + r.int(6);
  for (let i = 0; i < n; i++) {
    const s: string[] = [];
    for (let j = 0; j < 2 + r.int(5); j++) s.push(sentence(r));
    let para = s.join(' ');
    const tok = p.maybe(r, para.length);
    if (tok) para += `\n{code}\n${tok}\n{code}`;
    paras.push(para);
  }
  if (r.chance(0.3)) {
    paras.push(
      `{noformat}\nError: ${r.pick(TECH)} ${r.pick(TECH)} failed\n` +
        Array.from({ length: 3 + r.int(8) }, () => `    at ${r.pick(TECH)}${r.pick(['Handler', 'Service', 'Client'])}.${r.pick(TECH)} (/app/src/${r.pick(TECH)}.ts:${r.int(400)}:${r.int(80)})`).join('\n') +
        '\n{noformat}',
    );
  }
  const comments = Array.from({ length: r.int(6) }, (_, i) => ({
    id: String(10000 + r.int(90000) + i),
    author: { displayName: r.pick(NAMES) },
    body: sentence(r, 6, 30),
    created: `2025-0${1 + r.int(9)}-1${r.int(10)}T10:${10 + r.int(50)}:00.000+0000`,
  }));
  const issue = {
    key,
    fields: {
      summary: sentence(r, 4, 10),
      status: { name: r.pick(['Open', 'In Progress', 'Done']) },
      description: paras.join('\n\n'),
      comment: { comments },
    },
  };
  return JSON.stringify(issue, null, 2) + '\n';
}

function codeLine(r: Rng, lang: 'ts' | 'py' | 'yaml' | 'go'): string {
  const a = r.pick(TECH);
  const b = r.pick(TECH);
  const c = r.pick(COMMON);
  switch (lang) {
    case 'ts':
      return r.pick([
        `  const ${a}${cap(b)} = await this.${a}.${b}(${c}, { retries: ${r.int(5)} });`,
        `  if (!${a}) throw new Error('${a} ${b} ${c} failed');`,
        `  // ${sentence(r, 4, 10)}`,
        `export function ${a}${cap(b)}(${c}: string): ${cap(a)} | undefined {`,
        `  return ${a}.filter((x) => x.${b} !== ${r.int(100)});`,
        `}`,
        `import { ${a}${cap(b)} } from './${a}/${b}.js';`,
        `  ${a}: process.env.${a.toUpperCase()}_${b.toUpperCase()} ?? '${c}',`,
      ]);
    case 'py':
      return r.pick([
        `    ${a}_${b} = self.${a}.${b}(${c}, retries=${r.int(5)})`,
        `    if not ${a}:\n        raise ValueError("${a} ${b} failed")`,
        `    # ${sentence(r, 4, 10)}`,
        `def ${a}_${b}(${c}: str) -> dict:`,
        `    return {k: v for k, v in ${a}.items() if v != ${r.int(100)}}`,
        `from ${a}.${b} import ${cap(a)}${cap(b)}`,
      ]);
    case 'go':
      return r.pick([
        `\t${a}${cap(b)}, err := s.${a}.${cap(b)}(ctx, ${c})`,
        `\tif err != nil {\n\t\treturn nil, fmt.Errorf("${a} ${b}: %w", err)\n\t}`,
        `\t// ${sentence(r, 4, 10)}`,
        `func (s *${cap(a)}Service) ${cap(b)}(ctx context.Context) error {`,
        `}`,
      ]);
    default:
      return r.pick([`${a}:`, `  ${b}: ${c}`, `  ${a}_${b}: ${r.int(1000)}`, `  - name: ${a}-${b}`, `    image: ghcr.io/acme/${a}:${r.int(9)}.${r.int(20)}.${r.int(9)}`, `# ${sentence(r, 4, 10)}`]);
  }
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function sourceFile(r: Rng, lang: 'ts' | 'py' | 'yaml' | 'go', target: number, p: Planter): string {
  const out: string[] = [];
  let size = 0;
  while (size < target) {
    let line = codeLine(r, lang);
    const tok = p.maybe(r, line.length);
    if (tok) line = lang === 'yaml' ? `  token: ${tok}` : `  const fixture = ${JSON.stringify(tok)};`;
    out.push(line);
    size += line.length + 1;
  }
  return out.join('\n') + '\n';
}

function diff(r: Rng, target: number, p: Planter): string {
  const out: string[] = [];
  let size = 0;
  while (size < target) {
    const lang = r.pick(['ts', 'py', 'go', 'yaml'] as const);
    const path = `src/${r.pick(TECH)}/${r.pick(TECH)}.${lang}`;
    out.push(`diff --git a/${path} b/${path}`, `index ${r.chars(HEX, 7)}..${r.chars(HEX, 7)} 100644`, `--- a/${path}`, `+++ b/${path}`);
    for (let h = 0; h < 1 + r.int(4); h++) {
      const start = 1 + r.int(400);
      out.push(`@@ -${start},12 +${start},14 @@ ${r.pick(TECH)}`);
      for (let i = 0; i < 12 + r.int(10); i++) {
        const mark = r.pick([' ', ' ', ' ', '+', '-']);
        let line = codeLine(r, lang);
        if (mark === '+') {
          const tok = p.maybe(r, line.length);
          // The join below marks every line of a multi-line token (a key block) once, as git does.
          if (tok) line = tok;
        }
        out.push(mark + line.split('\n').join('\n' + mark));
        size += line.length + 2;
      }
    }
  }
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------

/**
 * Yields corpus files one at a time (≈ sizeBytes in total: a quarter each of chat, tickets,
 * diffs and source). Deterministic for a given seed.
 */
export function* generateCorpus(opts: CorpusOptions = {}): Generator<CorpusFile> {
  const total = opts.sizeBytes ?? DEFAULT_SIZE;
  const r = new Rng(opts.seed ?? DEFAULT_SEED);
  const p = planter(opts.tokenEveryBytes ?? DEFAULT_TOKEN_EVERY);
  const quarter = total / 4;
  const kinds: CorpusKind[] = ['chat', 'ticket', 'diff', 'source'];
  const done: Record<CorpusKind, number> = { chat: 0, ticket: 0, diff: 0, source: 0 };
  let n = 0;
  // Interleave kinds so a partial consumer still sees a mix.
  while (kinds.some((k) => done[k] < quarter)) {
    for (const kind of kinds) {
      if (done[kind] >= quarter) continue;
      p.plants = [];
      n++;
      let path: string;
      let text: string;
      switch (kind) {
        case 'chat':
          path = `chat/${r.pick(['general', 'eng', 'ops', 'incidents', 'random'])}/day-${String(n).padStart(5, '0')}.txt`;
          text = chatDay(r, 16 * 1024 + r.int(240 * 1024), p);
          break;
        case 'ticket': {
          const key = `OPS-${n}`;
          path = `tickets/${key}.json`;
          text = ticket(r, key, p);
          break;
        }
        case 'diff':
          path = `diffs/${String(n).padStart(5, '0')}.diff`;
          text = diff(r, 8 * 1024 + r.int(120 * 1024), p);
          break;
        default: {
          const lang = r.pick(['ts', 'py', 'yaml', 'go'] as const);
          path = `src/${r.pick(SERVICES)}/${r.pick(TECH)}-${n}.${lang}`;
          text = sourceFile(r, lang, 2 * 1024 + r.int(60 * 1024), p);
        }
      }
      const bytes = Buffer.byteLength(text, 'utf8');
      done[kind] += bytes;
      const tokens = locate(path, text, p.plants);
      yield { path, kind, text, planted: tokens.length, tokens };
    }
  }
}

/** The manifest file: every planted token with its file, for checking a scan against it. */
export interface CorpusManifest {
  version: number;
  seed: number;
  sizeBytes: number;
  tokenEveryBytes: number;
  files: number;
  bytes: number;
  planted: number;
  /** In generation order; `path` is relative to the corpus directory. */
  tokens: Array<PlantedToken & { path: string }>;
}

/** Where `writeCorpus` puts the manifest by default: beside the directory, not in it. */
export function defaultManifestPath(dir: string): string {
  return `${resolve(dir)}.manifest.json`;
}

/**
 * Writes the corpus under `dir`; returns counts. With `manifestPath`, also writes a
 * `CorpusManifest` there (it changes nothing in the corpus itself).
 */
export function writeCorpus(dir: string, opts: CorpusOptions = {}, manifestPath?: string): { files: number; bytes: number; planted: number } {
  let files = 0;
  let bytes = 0;
  let planted = 0;
  const tokens: CorpusManifest['tokens'] = [];
  for (const f of generateCorpus(opts)) {
    const p = join(dir, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.text);
    files++;
    bytes += Buffer.byteLength(f.text, 'utf8');
    planted += f.planted;
    if (manifestPath !== undefined) for (const t of f.tokens) tokens.push({ path: f.path, ...t });
  }
  if (manifestPath !== undefined) {
    const manifest: CorpusManifest = {
      version: CORPUS_VERSION,
      seed: opts.seed ?? DEFAULT_SEED,
      sizeBytes: opts.sizeBytes ?? DEFAULT_SIZE,
      tokenEveryBytes: opts.tokenEveryBytes ?? DEFAULT_TOKEN_EVERY,
      files,
      bytes,
      planted,
      tokens,
    };
    // One token a line: greppable by path, rule or fingerprint, and diffable between versions.
    const { tokens: list, ...head } = manifest;
    const text = `${JSON.stringify(head, null, 1).slice(0, -2)},\n "tokens": [\n${list.map((t) => `  ${JSON.stringify(t)}`).join(',\n')}\n ]\n}\n`;
    mkdirSync(dirname(manifestPath), { recursive: true });
    writeFileSync(manifestPath, text);
  }
  return { files, bytes, planted };
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const valued = new Set(['--size-mb', '--seed']);
  const dir = resolve(args.find((a, i) => !a.startsWith('--') && !valued.has(args[i - 1] ?? '')) ?? '.bench/corpus');
  const sizeMb = Number(argValue(args, '--size-mb') ?? 112);
  const seed = Number(argValue(args, '--seed') ?? 1);
  const manifest = args.includes('--manifest') ? defaultManifestPath(dir) : undefined;
  const t0 = performance.now();
  const res = writeCorpus(dir, { sizeBytes: sizeMb * 1024 * 1024, seed }, manifest);
  const secs = (performance.now() - t0) / 1000;
  console.log(`corpus: ${res.files} files, ${(res.bytes / 1048576).toFixed(1)} MiB, ${res.planted} planted tokens in ${dir} (${secs.toFixed(1)} s)`);
  if (manifest) console.log(`manifest: ${manifest}`);
}
