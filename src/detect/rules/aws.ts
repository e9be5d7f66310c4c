/**
 * AWS credentials.
 *
 * Representation (documented in the README): an access key is two strings, the key id
 * (`AKIA…`/`ASIA…`, an identifier) and the secret access key (40 chars, no prefix, the actual
 * secret). So:
 * - `aws-access-key` — the secret access key found within 512 characters of a key id. `secret` is
 *   the secret access key (that is what signs requests; its fingerprint is the same wherever the
 *   pair leaks). The key id travels as non-secret context: `keyId` (redacted form),
 *   `keyIdFingerprint` (sha256 of the full id, to correlate with a lone-id finding) and `keyType`.
 * - `aws-secret-access-key` — a secret access key named by its variable (`aws_secret_access_key =`)
 *   with no key id nearby.
 * - `aws-access-key-id` — a key id with no secret nearby: a low-reach finding (it identifies the
 *   account via `sts:GetAccessKeyInfo`, but cannot sign anything on its own).
 * - `aws-session-token` — STS session tokens (needed with an `ASIA` key pair).
 */
import { fingerprint, redact } from '../../core/secrets.js';
import { isKnownExample, isPlaceholder, looksRedacted, shannonEntropy } from '../filters.js';
import type { Detector, Match } from '../types.js';
import { BASE32, BASE64, placements, randomBody } from './gen.js';
import { guardedFind, lineBreaksUnescaped, patternRule } from './kit.js';

const IAM_DOCS = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids';
const KEYS_DOCS = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html';
/** How far from a key id its secret may sit (credentials files, env blocks, CSV rows). */
const PAIR_DISTANCE = 512;
/** Without a naming keyword (`secret`), a bare 40-char value must be this close to the key id. */
const BARE_DISTANCE = 160;

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids — 4-char type prefix + 16 base32.
const KEY_ID = /(?<![A-Za-z0-9])(AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])/g;
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html — 40 chars of base64 alphabet, no prefix.
const SECRET = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
const SECRET_NAME = /secret|password|\bsak\b/i;

const KEY_TYPES: Record<string, string> = { AKIA: 'long-term', ASIA: 'temporary', ABIA: 'sts-bearer', ACCA: 'context-specific' };

/** Plausible secret access key: mixed case, random-looking, not a placeholder or docs example. */
export function plausibleAwsSecret(s: string): boolean {
  if (!/[a-z]/.test(s) || !/[A-Z]/.test(s)) return false; // git SHA-1s and hex digests are single-case
  if (/^[A-Za-z]+$/.test(s)) return false; // words, identifiers
  if (isKnownExample(s) || isPlaceholder(s) || looksRedacted(s)) return false;
  return shannonEntropy(s) >= 4.0;
}

interface KeyIdHit {
  id: string;
  start: number;
  end: number;
}

function keyIds(text: string): KeyIdHit[] {
  const out: KeyIdHit[] = [];
  KEY_ID.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = KEY_ID.exec(text)) !== null && out.length < 200) {
    const id = m[0];
    if (isKnownExample(id) || isPlaceholder(id.slice(4)) || /EXAMPLE$/.test(id)) continue;
    out.push({ id, start: m.index, end: m.index + id.length });
  }
  return out;
}

/** The secret access key paired with a key id: the nearest plausible 40-char value, preferring one named `secret…`. */
function pairedSecret(text: string, hit: KeyIdHit): { secret: string; start: number; end: number } | undefined {
  const ws = Math.max(0, hit.start - PAIR_DISTANCE);
  const we = Math.min(text.length, hit.end + PAIR_DISTANCE);
  const slice = text.slice(ws, we);
  let best: { secret: string; start: number; end: number; score: number } | undefined;
  SECRET.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = SECRET.exec(slice)) !== null) {
    const start = ws + m.index;
    const end = start + 40;
    if (start < hit.end && end > hit.start) continue;
    const s = m[0];
    if (!plausibleAwsSecret(s)) continue;
    const distance = start >= hit.end ? start - hit.end : hit.start - end;
    const lineStart = text.lastIndexOf('\n', start - 1) + 1;
    const named = SECRET_NAME.test(text.slice(Math.max(lineStart, start - 64), start));
    if (!named && distance > BARE_DISTANCE) continue;
    const score = (named ? 0 : 10_000) + distance;
    if (!best || score < best.score) best = { secret: s, start, end, score };
  }
  return best && { secret: best.secret, start: best.start, end: best.end };
}

function keyContext(id: string): Record<string, string> {
  return { keyId: redact(id), keyIdFingerprint: fingerprint(id), keyType: KEY_TYPES[id.slice(0, 4)] ?? 'unknown' };
}

function exampleKeyId(prefix = 'AKIA'): string {
  return `${prefix}${randomBody(BASE32, 16)}`;
}
function exampleSecret(): string {
  for (;;) {
    const s = randomBody(BASE64, 40);
    if (plausibleAwsSecret(s)) return s;
  }
}
// Documentation keys, assembled so this file does not carry them as literals.
const DOCS_ID = ['AKIAIOSFODNN7', 'EXAMPLE'].join('');
const DOCS_SECRET = ['wJalrXUtnFEMI/K7MDENG/bPxRfiCY', 'EXAMPLEKEY'].join('');

const PAIR_WINDOW = { before: PAIR_DISTANCE + 64, after: PAIR_DISTANCE + 64 };

export const awsAccessKey = {
  id: 'aws-access-key',
  name: 'AWS access key (key id + secret access key)',
  kind: 'credential',
  keywords: ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
  docs: KEYS_DOCS,
  reach: { privilege: 'admin', scope: 'an AWS account as the IAM user or role that owns the key', lifetime: 'unbounded' },
  window: PAIR_WINDOW,
  priority: 1,
  find: guardedFind((original, out: Match[]) => {
    // Key ids and secrets on their own lines in a JSON string follow `\n` (see lineBreaksUnescaped);
    // neither alphabet holds `\` or whitespace, so secrets read off this view are the original's.
    const text = lineBreaksUnescaped(original);
    const seen = new Set<number>();
    for (const hit of keyIds(text)) {
      const s = pairedSecret(text, hit);
      if (!s || seen.has(s.start)) continue;
      seen.add(s.start);
      out.push({ ruleId: 'aws-access-key', kind: 'credential', secret: s.secret, start: s.start, end: s.end, context: keyContext(hit.id) });
    }
  }),
  examples: () => {
    const id = exampleKeyId();
    const secret = exampleSecret();
    const tmp = exampleKeyId('ASIA');
    return {
      match: [
        `[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`,
        `export AWS_SECRET_ACCESS_KEY="${secret}"\nexport AWS_ACCESS_KEY_ID="${id}"`,
        `User name,Password,Access key ID,Secret access key\nci-bot,,${id},${secret}`,
        `{"AccessKeyId": "${tmp}", "SecretAccessKey": "${exampleSecret()}"}`,
      ],
      ignore: [
        `aws_access_key_id = ${DOCS_ID}\naws_secret_access_key = ${DOCS_SECRET}`,
        `aws_access_key_id = ${id}\ncommit 0123456789abcdef0123456789abcdef01234567`,
        `aws_access_key_id = ${id}\naws_secret_access_key = <your-secret-key>`,
        `aws_access_key_id = ${id}\naws_secret_access_key = ${secret.slice(0, 8)}...`,
        `aws_access_key_id=AKIAXXXXXXXXXXXXXXXX aws_secret_access_key=${secret}`,
      ],
    };
  },
} satisfies Detector;

export const awsAccessKeyId = {
  id: 'aws-access-key-id',
  name: 'AWS access key id (without its secret)',
  kind: 'credential',
  keywords: ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
  docs: IAM_DOCS,
  reach: { privilege: 'read', scope: 'identifies an AWS access key and its account; cannot sign requests without the secret', lifetime: 'unbounded' },
  window: PAIR_WINDOW,
  priority: -1,
  find: guardedFind((original, out: Match[]) => {
    const text = lineBreaksUnescaped(original); // as in awsAccessKey
    for (const hit of keyIds(text)) {
      if (pairedSecret(text, hit)) continue; // reported as `aws-access-key`
      const named = /secret_?access_?key|secretaccesskey/i.test(text.slice(Math.max(0, hit.start - PAIR_DISTANCE), hit.end + PAIR_DISTANCE));
      out.push({
        ruleId: 'aws-access-key-id',
        kind: 'credential',
        secret: hit.id,
        start: hit.start,
        end: hit.end,
        context: { keyType: KEY_TYPES[hit.id.slice(0, 4)] ?? 'unknown', ...(named ? { secretNearby: 'unparsed' } : {}) },
      });
    }
  }),
  examples: () => {
    const id = exampleKeyId();
    return {
      match: [`AWS_ACCESS_KEY_ID=${id}`, `arn and key: ${exampleKeyId('ASIA')}`],
      ignore: [
        `AWS_ACCESS_KEY_ID=${DOCS_ID}`,
        `AWS_ACCESS_KEY_ID=${id}\nAWS_SECRET_ACCESS_KEY=${exampleSecret()}`,
        'AKIAXXXXXXXXXXXXXXXX',
        `AIDA${randomBody(BASE32, 16)}`,
        `x${id}y`,
      ],
    };
  },
} satisfies Detector;

// https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html — a secret access key named by its variable.
const NAMED_SECRET =
  /(?:aws_?secret_?(?:access_?)?key|secret_?access_?key)["']?\s{0,4}(?::|=|=>|:=)\s{0,4}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;

export const awsSecretAccessKey = patternRule({
  id: 'aws-secret-access-key',
  name: 'AWS secret access key (named, key id not nearby)',
  docs: KEYS_DOCS,
  keywords: ['secret_access_key', 'secretaccesskey', 'aws_secret'],
  reach: { privilege: 'admin', scope: 'an AWS account, once paired with its key id (often nearby or guessable from context)', lifetime: 'unbounded' },
  pattern: NAMED_SECRET,
  group: 1,
  verify: (s, text, start, end) => {
    if (!plausibleAwsSecret(s)) return false;
    // When a real key id pairs with this secret, `aws-access-key` reports it (with the id as context).
    const near = text.slice(Math.max(0, start - PAIR_DISTANCE - 64), end + PAIR_DISTANCE + 64);
    return !keyIds(near).some((hit) => pairedSecret(near, hit)?.secret === s);
  },
  examples: () => {
    const s = exampleSecret();
    return {
      match: [`AWS_SECRET_ACCESS_KEY=${s}`, `"SecretAccessKey": "${s}"`, `aws_secret_key: '${exampleSecret()}'`],
      ignore: [`AWS_SECRET_ACCESS_KEY=${DOCS_SECRET}`, 'AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}', 'aws_secret_access_key = 0123456789abcdef0123456789abcdef01234567'],
    };
  },
});

// https://docs.aws.amazon.com/STS/latest/APIReference/API_Credentials.html — observed prefixes of STS session tokens.
const SESSION = /(?<![A-Za-z0-9/+])(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+]{100,3000}={0,2}/g;

export const awsSessionToken = patternRule({
  id: 'aws-session-token',
  name: 'AWS STS session token',
  docs: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_Credentials.html',
  keywords: ['IQoJb3JpZ2luX2Vj', 'FwoGZXIvYXdz', 'FQoGZXIvYXdz'],
  reach: { privilege: 'admin', scope: 'an AWS role session (used with its ASIA key pair)', lifetime: 'hours' },
  pattern: SESSION,
  body: (s) => s.slice(16),
  verify: (_s, text, start, end) => (/ASIA[A-Z2-7]{16}/.test(text.slice(Math.max(0, start - PAIR_DISTANCE), end + PAIR_DISTANCE)) ? { pair: 'aws-temporary-key' } : true),
  examples: () => {
    const t = `IQoJb3JpZ2luX2Vj${randomBody(BASE64, 300)}`;
    return {
      match: [`aws_session_token = ${t}`, `"SessionToken": "FwoGZXIvYXdz${randomBody(BASE64, 200)}"`],
      ignore: ['aws_session_token = IQoJb3JpZ2luX2Vj...', `IQoJb3JpZ2luX2Vj${'A'.repeat(120)}`],
    };
  },
});
