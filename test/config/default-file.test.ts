/**
 * `config/default.yaml` is the documentation of every key: it must say exactly what the embedded
 * defaults are (parsing it equals parsing `{}`), and every example in it that a user would uncomment
 * must itself be valid. Plus a table of valid and invalid files through the real loader.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { TokenradiusError } from '../../src/core/errors.js';

const DEFAULT_FILE = join(import.meta.dirname, '..', '..', 'config', 'default.yaml');

function issuesOf(fn: () => unknown): Array<{ path: string; message: string }> {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TokenradiusError);
    expect((e as TokenradiusError).code).toBe('CONFIG_INVALID');
    return (e as TokenradiusError).details.issues as Array<{ path: string; message: string }>;
  }
  throw new Error('expected CONFIG_INVALID');
}

const dir = mkdtempSync(join(tmpdir(), 'tr-config-'));
let n = 0;
function fileWith(text: string): string {
  const f = join(dir, `c${n++}.yaml`);
  writeFileSync(f, text);
  return f;
}

describe('config/default.yaml', () => {
  it('parses to exactly the embedded defaults', () => {
    const fromFile = loadConfig({ file: DEFAULT_FILE, env: {} }).config;
    expect(fromFile).toStrictEqual(ConfigSchema.parse({}));
  });

  it('documents every top-level section of the schema', () => {
    const text = readFileSync(DEFAULT_FILE, 'utf8');
    for (const key of Object.keys(ConfigSchema.shape)) expect(text).toMatch(new RegExp(`^${key}:`, 'm'));
  });

  it('its commented examples are valid once uncommented (with their variables set)', () => {
    // An example is a commented list entry ("#  - …" and its "#    …" continuation lines) right under
    // an empty list key ("sinks: []"). Uncomment every one (and the `ssf:` line the ssf sink needs).
    const lines = readFileSync(DEFAULT_FILE, 'utf8').split('\n');
    const out: string[] = [];
    let examples = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      const key = /^(\s*)([A-Za-z]+): \[\](\s+#.*)?$/.exec(line);
      const entry = (l: string | undefined, indent: string) => l !== undefined && (l.startsWith(`${indent}#  - `) || l.startsWith(`${indent}#    `));
      if (key && entry(lines[i + 1], key[1] ?? '')) {
        const indent = key[1] ?? '';
        out.push(`${indent}${key[2]}:`);
        while (entry(lines[i + 1], indent)) {
          const l = lines[++i] ?? '';
          out.push(indent + ' ' + l.slice(indent.length + 1));
          if (l.slice(indent.length).startsWith('#  - ')) examples++;
        }
      } else if (/^\s*# ssf: \{/.test(line)) {
        out.push(line.replace('# ssf:', 'ssf:'));
      } else {
        out.push(line);
      }
    }
    const env = Object.fromEntries(
      ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'JIRA_EMAIL', 'JIRA_API_TOKEN', 'JIRA_WEBHOOK_SECRET', 'GITHUB_TOKEN', 'GITHUB_WEBHOOK_SECRET', 'SLACK_ALERT_TOKEN', 'SOC_WEBHOOK_SECRET', 'REVOKE_SECRET', 'OKTA_INTROSPECT_SECRET', 'OKTA_REVOKE_SECRET'].map((k) => [k, 'set']),
    );
    const { config } = loadConfig({ file: fileWith(out.join('\n')), env });
    expect(config.sources.map((s) => s.type)).toEqual(['slack', 'jira', 'github', 'git', 'files']);
    expect(config.act.sinks.map((s) => s.type)).toEqual(['slack', 'webhook', 'ssf']);
    expect(config.act.revokers.map((r) => r.type)).toEqual(['rfc7009', 'slack', 'github', 'webhook']);
    expect([config.act.routes.length, config.act.revocation.length, config.act.remediation.length, config.trust.issuers.length]).toEqual([1, 1, 1, 1]);
    expect(examples).toBe(5 + 3 + 1 + 4 + 1 + 1 + 1);
  });
});

describe('config files: valid and invalid', () => {
  const valid: Array<[string, string, (c: ReturnType<typeof ConfigSchema.parse>) => void]> = [
    ['an empty file', '', (c) => expect(c).toStrictEqual(ConfigSchema.parse({}))],
    ['only comments', '# nothing\n', (c) => expect(c.server.port).toBe(8080)],
    ['a partial section keeps the other defaults', 'server: { port: 9090 }\n', (c) => expect([c.server.port, c.server.host]).toEqual([9090, '127.0.0.1'])],
    ['${VAR} substitution', 'dataDir: ${TR_DATA}/state\n', (c) => expect(c.dataDir).toBe('/var/lib/tr/state')],
    ['a custom rule that matches its examples', "detect:\n  customRules:\n    - { id: acme-key, regex: 'acme_[a-z0-9]{16}', keywords: [acme_], examples: { match: [acme_0123456789abcdef] } }\n", (c) => expect(c.detect.customRules[0]?.id).toBe('acme-key')],
    ['a trusted issuer with a tenant placeholder', "trust:\n  issuers:\n    - { issuer: 'https://login.microsoftonline.com/{tenant}/v2.0', tenants: [contoso] }\n", (c) => expect(c.trust.issuers).toHaveLength(1)],
  ];
  for (const [name, text, check] of valid) {
    it(`valid: ${name}`, () => check(loadConfig({ file: fileWith(text), env: { TR_DATA: '/var/lib/tr' } }).config));
  }

  const invalid: Array<[string, string, string[]]> = [
    ['an unknown top-level key', 'servr: { port: 1 }\n', ['(root)']],
    ['an unknown nested key', 'server: { prot: 1 }\n', ['server']],
    ['a wrong type', 'server: { port: "eighty" }\n', ['server.port']],
    ['a port out of range', 'server: { port: 70000 }\n', ['server.port']],
    ['an unset ${VAR}', 'dataDir: ${TR_NOT_SET}\n', ['dataDir']],
    ['an unset *Env variable', 'sources:\n  - { id: s, type: slack, tokenEnv: TR_NOT_SET }\n', ['sources[0].tokenEnv']],
    ['a source id that is not kebab-case', 'sources:\n  - { id: My Source, type: files, path: /tmp }\n', ['sources[0].id']],
    ['a bad cron schedule', 'sources:\n  - { id: s, type: files, path: /tmp, schedule: "every day" }\n', ['sources[0].schedule']],
    ['a custom rule with a backtracking-only regex', "detect:\n  customRules:\n    - { id: bad, regex: '(a)\\1', keywords: [aa] }\n", ['detect.customRules[0].regex']],
    ['a custom rule whose example does not match', "detect:\n  customRules:\n    - { id: acme-key, regex: 'acme_[a-z]{4}', keywords: [acme_], examples: { match: [nothing] } }\n", ['detect.customRules[0].examples.match[0]']],
    ['disabling a rule that does not exist', 'detect: { disabledRules: [no-such-rule] }\n', ['detect.disabledRules[0]']],
    ['a route naming an unknown sink', 'act:\n  routes: [{ sinks: [nope] }]\n', ['act.routes[0].sinks[0]']],
    ['an issuer URL with credentials', 'trust:\n  issuers: [{ issuer: "https://u:p@idp.example.com" }]\n', ['trust.issuers[0].issuer']],
    ['overlap larger than a quarter chunk', 'scan: { chunkBytes: 4096, chunkOverlapBytes: 2048 }\n', ['scan.chunkOverlapBytes']],
    ['duplicate YAML keys', 'server: { port: 1 }\nserver: { port: 2 }\n', ['(file)']],
  ];
  for (const [name, text, paths] of invalid) {
    it(`invalid: ${name} → CONFIG_INVALID naming ${paths.join(', ')}`, () => {
      const issues = issuesOf(() => loadConfig({ file: fileWith(text), env: {} }));
      expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(paths));
    });
  }

  it('a missing file is INPUT_NOT_FOUND naming the file', () => {
    const missing = join(dir, 'missing.yaml');
    expect(() => loadConfig({ file: missing, env: {} })).toThrow(expect.objectContaining({ code: 'INPUT_NOT_FOUND', message: expect.stringContaining(missing) }));
  });
});
