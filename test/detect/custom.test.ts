import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { TokenradiusError } from '../../src/core/errors.js';
import { compileCustomRules } from '../../src/detect/custom.js';
import type { CustomRule } from '../../src/detect/options.js';
import { ALNUM, randomBody } from '../../src/detect/rules/gen.js';

const rule = (over: Partial<CustomRule> = {}): CustomRule => ({
  id: 'acme-internal-token',
  regex: 'acme_tok_([A-Za-z0-9]{24})',
  keywords: ['acme_tok_'],
  secretGroup: 1,
  ...over,
});

function configIssues(customRules: unknown[], disabledRules: string[] = []): Array<{ path: string; message: string }> {
  try {
    resolveConfig({ detect: { customRules, disabledRules } }, {});
  } catch (e) {
    expect(e).toBeInstanceOf(TokenradiusError);
    expect((e as TokenradiusError).code).toBe('CONFIG_INVALID');
    return (e as TokenradiusError).details.issues as Array<{ path: string; message: string }>;
  }
  return [];
}

describe('compileCustomRules', () => {
  it('finds the capture group it names, with UTF-16 offsets into the text', () => {
    const [d] = compileCustomRules([rule()]);
    const secret = randomBody(ALNUM, 24);
    const text = `😀 héllo ACME=acme_tok_${secret} done`;
    const found = [...d!.find(text)];
    expect(found).toEqual([{ ruleId: 'acme-internal-token', kind: 'credential', secret, start: text.indexOf(secret), end: text.indexOf(secret) + 24 }]);
    expect(d!.keywords).toEqual(['acme_tok_']);
    expect(d!.kind).toBe('credential');
    expect(d!.reach).toEqual({ privilege: 'write', scope: 'custom rule acme-internal-token', lifetime: 'unbounded' });
  });

  it('reports every match in a chunk, and none for redacted previews or documented examples', () => {
    const [d] = compileCustomRules([rule({ regex: 'acme_tok_[A-Za-z0-9]{24}', secretGroup: 0 })]);
    const a = `acme_tok_${randomBody(ALNUM, 24)}`;
    const b = `acme_tok_${randomBody(ALNUM, 24)}`;
    expect([...d!.find(`${a}\n${b}\n${a.slice(0, -4)}...`)].map((m) => m.secret)).toEqual([a, b]);
    expect([...d!.find(`${a}…`)]).toEqual([]);
  });

  it('minEntropy drops placeholders the regex alone would accept', () => {
    const [d] = compileCustomRules([rule({ minEntropy: 3 })]);
    expect([...d!.find('acme_tok_aaaaaaaaaaaaaaaaaaaaaaaa')]).toEqual([]);
    expect([...d!.find('acme_tok_abababababababababababab')]).toEqual([]);
    expect([...d!.find(`acme_tok_${randomBody(ALNUM, 24)}`)]).toHaveLength(1);
  });

  it('carries reach, docs and priority from the config', () => {
    const [d] = compileCustomRules([rule({ reach: { privilege: 'admin', lifetime: 'days', scope: 'the billing system' }, docs: 'https://wiki.acme.test/tokens', priority: 3 })]);
    expect(d!.reach).toEqual({ privilege: 'admin', scope: 'the billing system', lifetime: 'days' });
    expect(d!.docs).toBe('https://wiki.acme.test/tokens');
    expect(d!.priority).toBe(3);
  });

  it('a pathological regex cannot hang a scan: (a+)+$ over a long adversarial input completes', () => {
    // Backtracking engines take exponential time on this input; RE2 is linear in the input length.
    const [d] = compileCustomRules([{ id: 'evil', regex: '(a+)+$', keywords: ['aa'], secretGroup: 0 }]);
    const adversarial = 'a'.repeat(200_000) + '!';
    expect([...d!.find(adversarial)]).toEqual([]);
    const [nested] = compileCustomRules([{ id: 'evil-nested', regex: '(x+x+)+y', keywords: ['xx'], secretGroup: 0 }]);
    expect([...nested!.find('x'.repeat(100_000))]).toEqual([]);
    // …and still matches what it should.
    expect([...d!.find('bbb aaaa')].map((m) => m.secret)).toEqual(['aaaa']);
  });

  it('never throws on hostile input (binary, lone surrogates, huge lines)', () => {
    const [d] = compileCustomRules([rule({ regex: '(?i)acme_tok_([a-z0-9]{24})' })]);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 100 }), (a, b) => {
        const out = [...d!.find(`${a}acme_tok_${b}\uD800${a}`)];
        for (const m of out) expect(m.end).toBeGreaterThan(m.start);
      }),
      { numRuns: 100 },
    );
    expect([...d!.find('\uDC00'.repeat(20_000))]).toEqual([]);
  });

  it('finds a planted token wherever it sits in random text', () => {
    const [d] = compileCustomRules([rule()]);
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), (before, after) => {
        const secret = randomBody(ALNUM, 24);
        const text = `${before}\nacme_tok_${secret}\n${after}`;
        expect([...d!.find(text)].some((m) => m.secret === secret)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects invalid rules with CONFIG_INVALID, naming each path and never quoting an example', () => {
    const planted = `acme_tok_${randomBody(ALNUM, 24)}`;
    try {
      compileCustomRules([
        rule(),
        rule({ id: 'bad-regex', regex: '(unclosed' }),
        rule({ id: 'bad-example', examples: { match: [`nope ${planted.slice(0, 12)}`], ignore: [planted] } }),
        rule(),
      ]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TokenradiusError);
      const err = e as TokenradiusError;
      expect(err.code).toBe('CONFIG_INVALID');
      const paths = (err.details.issues as Array<{ path: string }>).map((i) => i.path);
      expect(paths).toEqual(
        expect.arrayContaining(['detect.customRules[1].regex', 'detect.customRules[2].examples.match[0]', 'detect.customRules[2].examples.ignore[0]', 'detect.customRules[3].id']),
      );
      expect(err.message).not.toContain(planted);
      expect(err.message).not.toContain(planted.slice(0, 12));
    }
  });
});

describe('custom rules in the config file', () => {
  it('a valid rule with examples loads', () => {
    const secret = randomBody(ALNUM, 24);
    const { config } = resolveConfig(
      { detect: { customRules: [{ id: 'acme-internal-token', regex: 'acme_tok_([A-Za-z0-9]{24})', keywords: ['acme_tok_'], secretGroup: 1, examples: { match: [`t=acme_tok_${secret}`], ignore: ['acme_tok_short'] } }] } },
      {},
    );
    expect(config.detect.customRules[0]!.id).toBe('acme-internal-token');
    expect(compileCustomRules(config.detect.customRules)).toHaveLength(1);
  });

  it('a regex that is not RE2 (look-around, backreference, syntax error) is reported at detect.customRules[i].regex', () => {
    const issues = configIssues([
      rule(),
      rule({ id: 'look', regex: '(?<=key=)[a-z]{20}' }),
      rule({ id: 'backref', regex: '(a)\\1' }),
      rule({ id: 'syntax', regex: 'acme_[' }),
    ]);
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['detect.customRules[1].regex', 'detect.customRules[2].regex', 'detect.customRules[3].regex']));
    expect(issues.find((i) => i.path === 'detect.customRules[1].regex')!.message).toMatch(/RE2/);
  });

  it('reports every problem at once: examples, secretGroup, keywords, duplicate and built-in ids, unknown disabled rules', () => {
    const secret = randomBody(ALNUM, 24);
    const issues = configIssues(
      [
        rule({ examples: { match: ['no token here'], ignore: [`acme_tok_${secret}`] } }),
        rule({ id: 'group', secretGroup: 3 }),
        rule({ id: 'kw', keywords: ['zzzz'], examples: { match: [`acme_tok_${secret}`], ignore: [] } }),
        rule({ id: 'group' }),
        rule({ id: 'github-classic-pat' }),
        { id: 'Not Kebab', regex: 'x', keywords: [] },
      ],
      ['acme-internal-token', 'slack-bot-token', 'no-such-rule'],
    );
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'detect.customRules[0].examples.match[0]',
        'detect.customRules[0].examples.ignore[0]',
        'detect.customRules[1].secretGroup',
        'detect.customRules[2].keywords',
        'detect.customRules[3].id',
        'detect.customRules[4].id',
        'detect.customRules[5].id',
        'detect.customRules[5].keywords',
      ]),
    );
    // disabledRules is checked once the rules themselves are valid
    expect(configIssues([rule()], ['acme-internal-token', 'slack-bot-token', 'jwt', 'no-such-rule']).map((i) => i.path)).toEqual(['detect.disabledRules[3]']);
    for (const i of issues) expect(i.message).not.toContain(secret);
  });
});
