/**
 * Tokens pasted where the bench corpus (bench/corpus.ts) plants them and a boundary check used to
 * lose them:
 * - on their own line inside a JSON string (a Jira issue or Slack export: `…{code}\nghp_…\n{code}…`),
 *   where the token follows the letter of a `\n` escape, which `(?<![A-Za-z0-9_])` took for the
 *   end of a longer word;
 * - on an added line of a unified diff (`+postgres://…`), where the `+` was taken for part of a
 *   longer URL scheme.
 * Tokens are built at test time (token-factory, each rule's generated examples).
 */
import { describe, expect, it } from 'vitest';
import { redact } from '../../../src/core/secrets.js';
import { createDefaultEngine } from '../../../src/detect/index.js';
import { amqpUrl, mongodbUrl, mysqlUrl, postgresUrl, redisUrl } from '../../../src/detect/rules/database-urls.js';
import { ALNUM, randomBody } from '../../../src/detect/rules/gen.js';
import { credentialRules } from '../../../src/detect/rules/index.js';
import { lineBreaksUnescaped } from '../../../src/detect/rules/kit.js';
import type { Detector } from '../../../src/detect/types.js';
import { githubPat, plantable } from '../../support/token-factory.js';

const engine = createDefaultEngine({ disabledRules: [], customRules: [] });

/** A Jira issue as its REST API and exports give it: the description is one JSON string. */
function jiraIssue(description: string): string {
  return JSON.stringify({ key: 'OPS-226', fields: { summary: 'checkout deploy failed', description, comment: { comments: [] } } }, null, 2);
}

describe('a token on its own line inside a JSON string', () => {
  it.each(plantable().map((p) => [p.rule, p] as const))('%s in a Jira {code} block: found where it is, same secret as in plain text', (rule, p) => {
    const description = `Deploy failed again, I ran it with this:\n{code}\n${p.text}\n{code}\n\nWill rotate tomorrow.`;
    const plain = engine.scan(description).filter((m) => m.ruleId === rule);
    expect(plain.map((m) => m.secret)).toContain(p.secret);
    const json = jiraIssue(description);
    const found = engine.scan(json).filter((m) => m.ruleId === rule);
    expect(found.map((m) => m.secret)).toEqual(plain.map((m) => m.secret));
    const m = found.find((x) => x.secret === p.secret)!;
    expect(json.slice(m.start, m.end)).toBe(p.secret);
  });

  it('every rule that finds a bare token on its own line finds it after a `\\n` escape too', () => {
    const failures: string[] = [];
    const checked = new Set<string>();
    for (const rule of credentialRules) {
      const secrets = new Set(rule.examples().match.flatMap((t) => [...rule.find(t)].map((m) => m.secret)));
      for (const s of secrets) {
        // Key blocks and JSON documents change under JSON escaping; their own tests cover those forms.
        if (/[\\"\n\r\t]/.test(s)) continue;
        const plain = `see below\n${s}\nthanks`;
        // Rules that need a name or a companion value to tell a token apart are not about this.
        if (![...rule.find(plain)].some((m) => m.secret === s)) continue;
        checked.add(rule.id);
        for (const json of [JSON.stringify({ description: plain }), JSON.stringify(JSON.stringify({ description: plain }))]) {
          const at = json.indexOf(s);
          if (![...rule.find(json)].some((m) => m.secret === s && m.start === at)) failures.push(`${rule.id}: ${redact(s)} in ${json.slice(0, 3)}…`);
        }
      }
    }
    expect(failures).toEqual([]);
    // Most rules find bare tokens: the loop above really ran.
    expect(checked.size).toBeGreaterThan(60);
  });

  it('a token glued to a word is still not one, escaped or not', () => {
    const s = githubPat('ghp');
    expect(engine.scan(JSON.stringify({ d: `see\n${s}` })).map((m) => m.secret)).toEqual([s]);
    // Double-escaped (JSON in a JSON string): `\\n` is a line break one level down.
    expect(engine.scan(JSON.stringify(JSON.stringify({ d: `see\n${s}` }))).map((m) => m.secret)).toEqual([s]);
    expect(engine.scan(JSON.stringify({ d: `plain xn${s}` }))).toEqual([]);
    expect(engine.scan(JSON.stringify({ d: `unicode \\u006e${s}` }))).toEqual([]);
  });

  it('lineBreaksUnescaped keeps every offset and turns only \\n, \\r, \\t escapes into line breaks', () => {
    const text = 'a\\nb\\rc\\td\\\\ne\\u000af';
    const view = lineBreaksUnescaped(text);
    expect(view.length).toBe(text.length);
    expect(view).toBe('a \nb \rc \td  \ne\\u000af');
    const plain = 'no escapes here';
    expect(lineBreaksUnescaped(plain)).toBe(plain);
  });
});

describe('a connection URL on an added line of a diff', () => {
  const rules: Array<[string, Detector, string]> = [
    ['postgres-url', postgresUrl, 'postgres'],
    ['mysql-url', mysqlUrl, 'mysql'],
    ['mongodb-url', mongodbUrl, 'mongodb+srv'],
    ['redis-url', redisUrl, 'rediss'],
    ['amqp-url', amqpUrl, 'amqps'],
  ];
  it.each(rules)('%s after the diff mark is found with the same secret as on a plain line', (_id, rule, scheme) => {
    const url = `${scheme}://app_orders:${randomBody(ALNUM, 20)}@db-3.prod.acme.internal:5432/orders`;
    const diff = ['diff --git a/.env b/.env', '--- a/.env', '+++ b/.env', '@@ -1,2 +1,3 @@', ' LOG_LEVEL=info', `+${url}`, ' PORT=8080'].join('\n');
    const found = [...rule.find(diff)];
    expect(found.map((m) => m.secret)).toEqual([...rule.find(url)].map((m) => m.secret));
    expect(found).toHaveLength(1);
    expect(diff.slice(found[0]!.start, found[0]!.end)).toBe(url);
    // Still not the tail of a longer scheme: a `+` glued to a word before it.
    expect([...rule.find(`db+${url}`)]).toEqual([]);
    expect([...rule.find(`x-${url}`)]).toEqual([]);
  });
});
