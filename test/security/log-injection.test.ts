/**
 * Log injection through scanned content. The scanned text, the file names and the JWT claims are the
 * attacker's: ANSI / OSC escape sequences (clear screen, recolour, set the window title, hyperlink),
 * a single-byte C1 CSI, bare CR and CR/LF followed by a complete fake JSON log line, and bidi
 * overrides (Trojan Source). None of it may
 * - forge a log line: every line the logger writes is one JSON object that tokenradius wrote (no
 *   line carries the forged marker, and no raw control character survives);
 * - reach a terminal as an escape: the CLI's text output (the table on a terminal, and its progress
 *   line on stderr) contains no escape sequence but its own colours / line clearing, no C1 control
 *   and no bidi control;
 * - forge a line or a mention in a Slack alert: no control or bidi character in any posted text, no
 *   `<!channel>`-style mention or `<url|label>` link from content, and no alert line that the
 *   content started.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScan } from '../../src/cli/commands/scan.js';
import type { CliIo } from '../../src/cli/io.js';
import { resolveConfig } from '../../src/config/load.js';
import { fingerprint } from '../../src/core/secrets.js';
import type { Logger } from '../../src/observe/logger.js';
import { ALL_ROLES, startService, type RunningService } from '../../src/pipeline/service.js';
import { captureLogs } from '../faults/helpers.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { removeDir } from '../support/fixtures-git.js';
import { fakeSignedJwt, inHours } from '../support/jwt-factory.js';
import { githubPat, slackBotToken } from '../support/token-factory.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const NONCE = `FORGED-${randomBytes(6).toString('hex')}`;
const FAKE_LINE = JSON.stringify({ level: 60, time: 1, pid: 1, hostname: 'prod-1', service: 'tokenradius', msg: NONCE });
/** Everything hostile, in one string. */
const HOSTILE = [
  '\x1b[2J\x1b[H', // clear screen, cursor home
  '\x1b[31mred\x1b[0m',
  '\x1b]0;pwned\x07', // window title
  '\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07', // hyperlink
  '\u009b31m', // C1 CSI
  `\r${FAKE_LINE}`,
  `\r\n${FAKE_LINE}\n`,
  '\u202eevil\u202c \u2066iso\u2069 \u200f', // bidi overrides and isolates
  '<!channel> <!here> <https://evil.example/|click me>', // Slack mentions and links
  `\n*Revocation*\n• idp: *revoked* ${NONCE}`, // a fake alert line
].join(' ');

/** Control characters other than TAB and LF, C1 controls, and bidi controls. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** File names: anything but `/` and NUL is legal on Linux. */
const HOSTILE_NAMES = [
  'evil\x1b[31m\x1b]0;pwned\x07.env',
  `line\n${FAKE_LINE}\n.env`,
  'cr\rOVERWRITE.env',
  'bidi\u202etxt.env',
  'slack <!channel> <mailto:evil@example.test|x>.env',
];

function hostileJwt(): string {
  return fakeSignedJwt({
    iss: `https://idp.example.test/${'\x1b[2J'}`,
    sub: `svc${HOSTILE}`,
    name: `Deploy\r\n${FAKE_LINE}`,
    email: 'ops\u202e@acme.test',
    scope: 'read \x1b[31mwrite admin',
    roles: ['admin', `\n${NONCE}`],
    aud: 'api',
    exp: inHours(3),
  });
}

/** The hostile corpus: one token per file, in text full of escapes; plus a JWT with hostile claims. */
function writeCorpus(dir: string): string[] {
  const tokens: string[] = [];
  for (const name of HOSTILE_NAMES) {
    const t = githubPat();
    tokens.push(t);
    writeFileSync(join(dir, name), `# ${HOSTILE}\nGH_TOKEN=${t}\n${HOSTILE}\n`);
  }
  const jwt = hostileJwt();
  tokens.push(jwt);
  mkdirSync(join(dir, `sub\x1b[8m\u202e`));
  writeFileSync(join(dir, `sub\x1b[8m\u202e`, 'claims.txt'), `${HOSTILE}\nAuthorization: Bearer ${jwt}\r\n${FAKE_LINE}\n`);
  return tokens;
}

function fakeIo(env: Record<string, string> = {}) {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d: Buffer) => (o += d.toString()));
  err.on('data', (d: Buffer) => (e += d.toString()));
  const io: CliIo = { stdin: new PassThrough(), stdout: out, stderr: err, stdoutIsTTY: true, stderrIsTTY: true, columns: 200, env };
  return { io, out: () => o, err: () => e };
}

/** Every line of captured logs is one JSON object written by tokenradius; none forged, none with raw controls. */
function expectCleanLogs(lines: readonly string[]): void {
  const text = lines.join('');
  expect(text.length).toBeGreaterThan(0);
  expect(text).not.toMatch(CONTROL);
  expect(text).not.toMatch(BIDI);
  for (const line of text.split('\n').filter((l) => l.length > 0)) {
    const parsed = JSON.parse(line) as { service?: string; msg?: string; hostname?: string };
    expect(parsed.service, line.slice(0, 200)).toBe('tokenradius');
    expect(parsed.msg ?? '').not.toContain(NONCE);
    expect(parsed.hostname).not.toBe('prod-1');
  }
}

/** Every string in a posted Slack message. */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
  return out;
}

describe('log injection through scanned content: the CLI', () => {
  let dir: string;
  let tokens: string[];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tr-loginj-'));
    tokens = writeCorpus(dir);
  });
  afterAll(() => removeDir(dir));

  it('the table on a terminal and the progress line carry no escape but their own, no C1, no bidi, no forged line', async () => {
    const t = fakeIo();
    const code = await runScan([dir], { workers: 0 }, t.io);
    expect(code).toBe(1);
    const out = t.out();
    // Reach: every planted token is reported (the hostile names were really read and shown).
    expect(out.split('\n').filter((l) => /(CRITICAL|HIGH|MEDIUM|LOW|INFO)/.test(l))).toHaveLength(tokens.length);
    for (const tok of tokens.filter((x) => x.startsWith('ghp_'))) expect(out).toContain(tok.slice(0, 8));
    // tokenradius's own colours are the only escape sequences on stdout.
    const ownColours = /\x1b\[[0-9;]+m(CRITICAL|HIGH|MEDIUM|LOW|INFO)\x1b\[0m/g;
    expect(out).toMatch(ownColours);
    const stripped = out.replace(ownColours, '$1');
    expect(stripped).not.toMatch(CONTROL);
    expect(stripped).not.toMatch(BIDI);
    expect(stripped).not.toContain(NONCE);
    // The header, then one line per finding and occurrence row: no line was started by content.
    for (const line of stripped.split('\n').filter(Boolean)) expect(line).not.toMatch(/^\s*\{"level"/);
    // stderr: only the progress line's own carriage return + erase-line.
    const err = t.err().replace(/\r\x1b\[2K/g, '');
    expect(err).not.toMatch(CONTROL);
    expect(err).not.toMatch(BIDI);
  });

  it('JSONL output keeps hostile text as data: one finding per line, no raw ESC, CR or LF inside a line', async () => {
    // JSON is for programs: hostile paths and claims stay faithful, as escapes (\u001b). C1, bidi
    // and line-separator characters, which JSON.stringify leaves raw, are escaped too, so the JSON
    // printed on a terminal is inert (src/core/display.ts).
    const t = fakeIo();
    await runScan([dir], { workers: 0, format: 'jsonl' }, t.io);
    const lines = t.out().split('\n').filter(Boolean);
    expect(lines).toHaveLength(tokens.length + 1);
    const parsed = lines.map((l) => JSON.parse(l) as { location?: { path?: string } });
    expect(t.out()).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(t.out()).not.toMatch(BIDI);
    const paths = parsed.map((p) => p.location?.path ?? '').join('\n');
    for (const name of HOSTILE_NAMES) expect(paths).toContain(name);
  });
});

describe('log injection through scanned content: the service (logs and Slack alerts)', () => {
  let slack: FakeSlack | undefined;
  let hook: WebhookReceiver | undefined;
  let service: RunningService | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    await service?.close().catch(() => undefined);
    await Promise.all([slack?.close(), hook?.close()]);
    if (dir) removeDir(dir);
  });

  it('no forged log line, no raw control in the logs; Slack alerts without controls, bidi, mentions or forged lines', async () => {
    slack = await startFakeSlack();
    hook = await startWebhookReceiver();
    dir = mkdtempSync(join(tmpdir(), 'tr-loginj-svc-'));
    const files = join(dir, 'share');
    mkdirSync(files);
    const fileTokens = writeCorpus(files);
    const channel = slack.addChannel({ name: 'general', num_members: 30 }).id;
    const alerts = slack.addChannel({ name: 'security-alerts', num_members: 3 }).id;
    const chatToken = slackBotToken();
    const chatJwt = hostileJwt();
    slack.addMessage(channel, { text: `${HOSTILE}\nbot token ${chatToken}\n${HOSTILE}`, user: 'U0DEV' });
    slack.addMessage(channel, { text: `${FAKE_LINE}\r\nBearer ${chatJwt}\r\n${FAKE_LINE}`, user: 'U0DEV' });
    const tokens = [...fileTokens, chatToken, chatJwt];

    const logs = captureLogs();
    const loaded = resolveConfig(
      {
        dataDir: join(dir, 'data'),
        sources: [
          { id: 'slack-main', type: 'slack', tokenEnv: 'SLACK_T', apiUrl: slack.apiUrl, channels: ['general'], lookbackDays: 0 },
          { id: 'share', type: 'files', path: files },
        ],
        act: {
          sinks: [
            { id: 'sec-slack', type: 'slack', tokenEnv: 'SLACK_T', channel: alerts, apiUrl: slack.apiUrl, threadReplySources: ['slack-main'] },
            { id: 'soc', type: 'webhook', url: hook.url, secretEnv: 'SOC_SECRET' },
          ],
        },
      },
      { SLACK_T: slack.token, SOC_SECRET: `whsec_${randomBytes(32).toString('base64')}` },
    );
    service = await startService(loaded, { http: false, roles: ALL_ROLES, deps: { logger: logs.logger as Logger } });
    for (const id of ['slack-main', 'share']) await service.ingress!.requestPoll(id);
    await service.inline!.drain();
    for (const t of tokens) expect(await service.deps.store.getFinding(fingerprint(t)), t.slice(0, 6)).not.toBeNull();

    expectCleanLogs(logs.lines);

    // Slack: one alert per finding plus the author notices; every string clean.
    const posted = slack.posted;
    expect(posted.filter((p) => p.channel === alerts).length).toBeGreaterThanOrEqual(tokens.length);
    for (const s of strings(posted)) {
      expect(s).not.toMatch(CONTROL);
      expect(s).not.toMatch(BIDI);
      expect(s).not.toMatch(/<!(channel|here|everyone)>/);
      expect(s).not.toMatch(/<(https:\/\/evil\.example|mailto:evil)/);
      // Content may show up inside a line (cleaned), but cannot start one: no revoker is configured,
      // so a "*Revocation*" line or an "• idp: *revoked*" bullet could only be forged.
      for (const line of s.split('\n')) {
        expect(line).not.toMatch(/^\s*\{"level"/);
        expect(line).not.toMatch(/^\*Revocation\*|^• idp: \*revoked\*/);
      }
    }
    // The webhook bodies are JSON: the hostile text may be there as data, but escaped.
    for (const r of hook.requests) {
      expect(() => JSON.parse(r.body)).not.toThrow();
      expect(r.body).not.toMatch(CONTROL);
    }
  }, 240_000);
});
