/**
 * Property-based fuzzing of the parsers that read untrusted text: the detection engine (and the
 * log scrubber built on it), the JWT decoder and claim masking, the ADF converter and the config
 * loader. Each must never throw anything but a typed TokenradiusError with a catalogue code, never
 * hang, and keep its own guarantees on hostile input (well-formed matches; nothing it detects
 * survives scrubbing; no prototype pollution).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveConfig, parseConfigText } from '../../src/config/load.js';
import { isTokenradiusError } from '../../src/core/errors.js';
import { redact } from '../../src/core/secrets.js';
import { createDefaultEngine, createEngine, jwtDetector } from '../../src/detect/index.js';
import { credentialRules } from '../../src/detect/rules/index.js';
import { decodeJwt, decodeJwtStrict, maskClaims } from '../../src/detect/jwt/index.js';
import { scrubText } from '../../src/detect/scrub.js';
import type { Match } from '../../src/detect/types.js';
import { createScrubber } from '../../src/observe/scrub.js';
import { adfToText, adfToTextDetailed } from '../../src/sources/jira-common/adf.js';
import { b64url, fakeSignedJwt } from '../support/jwt-factory.js';
import { githubPat, slackBotToken, stripeSecretKey } from '../support/token-factory.js';
import { budget, testTimeout } from './budget.js';

const engine = createDefaultEngine({ disabledRules: [], customRules: [] });
const logScrub = createScrubber((t) => scrubText(t));

function wellFormed(text: string, found: Match[]): void {
  let last = -1;
  for (const m of found) {
    expect(m.secret.length).toBeGreaterThan(0);
    expect(m.start).toBeGreaterThanOrEqual(last);
    expect(m.end).toBeGreaterThan(m.start);
    expect(m.end).toBeLessThanOrEqual(text.length);
    last = m.end;
  }
}

/** The stuff tokens and their disguises are made of, glued densely: maximal work for the engine. */
const FRAGMENTS = [
  'eyJ', 'eyA', 'ewo', 'ew0K', 'ghp_', 'github_pat_', 'xoxb-', 'xoxp-', 'AKIA', 'sk_live_', 'glpat-', 'npm_',
  '-----BEGIN ', 'PRIVATE KEY-----', '-----END ', 'Bearer ', 'access_token=', 'id_token=', 'Authorization: ',
  'postgres://u:', '@db/', '%2E', '%2e', '&amp;', '\\/', '~', '.', '..', '_', '-', '\n', '\r\n', ' ', '`', '```', '*', '<', '|', '>',
  'A', 'z', '0', '9', '=', '"', "'", '{"alg":"', '\u0000', '\ud800', '\udfff', '🙂', '\u202e', '\t',
];
const dense = fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...FRAGMENTS) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) }), { maxLength: 1500 }).map((a) => a.join(''));

/** Real tokens built now, glued into hostile text (detected or not, nothing found may leak). */
const plantedTokens = [fakeSignedJwt({ iss: 'https://idp.example.test/', sub: 'fuzz', exp: 2_000_000_000 }), githubPat(), slackBotToken(), stripeSecretKey()];
const withTokens = fc
  .tuple(dense, fc.constantFrom(...plantedTokens), fc.constantFrom(' ', '\n', '`', '"', '=', '%20', '&amp;', ''), dense)
  .map(([a, t, sep, b]) => `${a}${sep}${t}${sep}${b}`);

describe('detection engine and scrubbers on hostile text', () => {
  it(
    'never throws, returns well-formed matches, and nothing it finds survives the log scrubber',
    () => {
      fc.assert(
        fc.property(fc.oneof(dense, withTokens), (text) => {
          const found = engine.scan(text);
          wellFormed(text, found);
          const scrubbed = scrubText(text);
          const logged = logScrub(text);
          for (const m of found) {
            if (m.secret.length < 16) continue;
            expect(scrubbed.includes(m.secret), `${m.ruleId} survived scrubText`).toBe(false);
            expect(logged.includes(m.secret), `${m.ruleId} survived the log scrubber`).toBe(false);
            expect(redact(m.secret).includes(m.secret)).toBe(false);
          }
        }),
        budget(400, 20_000),
      );
    },
    testTimeout(20_000),
  );

  it('finishes on megabyte lines made of token starts, base64 runs and separators', () => {
    const mb = 1024 * 1024;
    const cases = [
      'eyJ'.repeat(mb / 3),
      `eyJhbGciOi${'A'.repeat(mb)}`,
      'eyJhbGciOiJIUzI1NiJ9.'.repeat(mb / 21),
      'a.'.repeat(mb / 2),
      `ghp_${'x'.repeat(mb)}`,
      '-----BEGIN RSA PRIVATE KEY-----\n'.repeat(mb / 32),
      '%2E'.repeat(mb / 3),
      Buffer.alloc(mb, 0xff).toString('latin1'),
      '\ud800'.repeat(mb),
      `${'Bearer '.repeat(mb / 14)}${'eyJ0'.repeat(mb / 8)}`,
    ];
    for (const text of cases) {
      const found = engine.scan(text);
      wellFormed(text, found);
      expect(typeof scrubText(text)).toBe('string');
    }
  }, 240_000);

  // Found this way: repeated PEM headers were quadratic (1 MiB: ~20 s; one long line of them:
  // minutes), `pwd=` over and over cost ~20 s per MiB, and `ops_eyJ/` backtracked through every
  // length. Each rule is run alone so its own cost is what the bound (the test timeout) catches.
  it('finishes on every rule keyword repeated into 128 KiB lines, with every kind of separator', () => {
    for (const rule of [jwtDetector, ...credentialRules]) {
      const alone = createEngine([rule]);
      for (const kw of rule.keywords.slice(0, 3)) {
        for (const sep of ['', ' ', '\n', '=', ';', '/', '-----\n']) {
          const unit = kw + sep;
          const text = unit.repeat(Math.ceil((128 * 1024) / unit.length));
          wellFormed(text, alone.scan(text));
        }
      }
    }
  }, 240_000);
});

/** JSON values with the keys attackers like, nested. */
const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'password', 'client_secret', 'a', '', '\u0000', 'ключ');
const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 20 }),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(hostileKey, fc.string({ maxLength: 8 })), tie('value'), { maxKeys: 5 }),
  ),
})).value;

function jsonText(v: unknown): string {
  // JSON.stringify drops a `__proto__` own key's special meaning; JSON.parse(text) recreates it as
  // an own property — exactly what an attacker's token carries.
  return JSON.stringify(v) ?? 'null';
}

describe('JWT decoder and claim masking', () => {
  it(
    'decodes or refuses anything, throws only JWT_MALFORMED (strict), and never pollutes prototypes',
    () => {
      const segment = fc.oneof(
        fc.string({ maxLength: 60 }),
        hostileJson.map((v) => b64url(jsonText(v))),
        fc.dictionary(hostileKey, hostileJson, { maxKeys: 6 }).map((o) => b64url(jsonText({ alg: 'RS256', ...o }))),
        fc.constant(b64url('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}')),
      );
      const token = fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.tuple(segment, segment, fc.string({ maxLength: 40 })).map(([h, p, s]) => `${h}.${p}.${s}`),
        fc.tuple(segment, segment, segment, segment, segment).map((p) => p.join('.')),
        fc.tuple(segment, segment, fc.array(segment, { maxLength: 3 })).map(([h, p, d]) => `${h}.${p}.sig~${d.join('~')}~`),
      );
      fc.assert(
        fc.property(token, (t) => {
          const d = decodeJwt(t);
          if (d) {
            expect(Object.getPrototypeOf(d.header)).toBe(Object.prototype);
            if (d.claims) {
              expect([Object.prototype, null]).toContain(Object.getPrototypeOf(d.claims));
              const masked = maskClaims(d.claims);
              expect(JSON.stringify(masked.claims)).toBeTypeOf('string');
            }
          }
          try {
            decodeJwtStrict(t);
          } catch (e) {
            expect(isTokenradiusError(e) && e.code).toBe('JWT_MALFORMED');
          }
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
          expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
        }),
        budget(500, 15_000),
      );
    },
    testTimeout(15_000),
  );

  it('masks every secret-named claim whatever surrounds it', () => {
    fc.assert(
      fc.property(fc.dictionary(hostileKey, hostileJson, { maxKeys: 6 }), fc.string({ minLength: 24, maxLength: 60 }), (claims, secret) => {
        const value = `s3cr3t-${secret}`;
        const { claims: out } = maskClaims({ ...claims, password: value, nested: { client_secret: value } });
        expect(JSON.stringify(out)).not.toContain(value);
      }),
      budget(300, 10_000),
    );
  }, testTimeout(10_000));
});

describe('ADF converter', () => {
  const adfNode: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      fc.record({ type: fc.constantFrom('text', 'paragraph', 'codeBlock', 'mention', 'emoji', 'inlineCard', 'table', 'mediaSingle', 'status', 'expand', 'weird'), text: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), attrs: hostileJson, content: fc.array(tie('node'), { maxLength: 4 }) }, { requiredKeys: ['type'] }),
      hostileJson,
    ),
  })).node;

  it(
    'turns any JSON into text without throwing',
    () => {
      fc.assert(
        fc.property(fc.oneof(adfNode, fc.record({ type: fc.constant('doc'), version: fc.constant(1), content: fc.array(adfNode, { maxLength: 6 }) })), (doc) => {
          expect(typeof adfToText(doc)).toBe('string');
        }),
        budget(500, 15_000),
      );
    },
    testTimeout(15_000),
  );

  it('stops at its bounds on a document nested 100 000 deep or 1 000 000 nodes wide', () => {
    let deep: Record<string, unknown> = { type: 'text', text: 'bottom' };
    for (let i = 0; i < 100_000; i++) deep = { type: 'paragraph', content: [deep] };
    const d = adfToTextDetailed({ type: 'doc', content: [deep] });
    expect(d.truncated).toBe(true);
    const wide = { type: 'doc', content: Array.from({ length: 1_000_000 }, (_, i) => ({ type: 'text', text: `w${i} ` })) };
    const w = adfToTextDetailed(wide);
    expect(w.truncated).toBe(true);
    expect(w.text.length).toBeLessThanOrEqual(8 * 1024 * 1024);
  }, 120_000);
});

describe('config loader', () => {
  const expectConfigError = (e: unknown) => {
    expect(isTokenradiusError(e), String(e)).toBe(true);
    expect(['CONFIG_INVALID', 'CONFIG_ENV_MISSING']).toContain((e as { code: string }).code);
  };

  it(
    'any YAML text is a valid config or CONFIG_INVALID, never a crash',
    () => {
      const yamlish = fc.array(fc.constantFrom('a:', ' b', '- ', '&x ', '*x', '<<: ', '{', '}', '[', ']', '!!binary ', '!!js/function ', '"', "'", '\n', '  ', '#', '%YAML 1.2\n', '---\n', '...\n', 'sources:', 'queue:', 'server:', '${X}', '${', 'dataDir: /tmp', 'port: 99999', 'id: x', '\t', ':'), { maxLength: 60 }).map((a) => a.join(''));
      fc.assert(
        fc.property(fc.oneof(yamlish, fc.string({ unit: 'binary', maxLength: 200 })), (text) => {
          try {
            resolveConfig(parseConfigText(text, 'fuzz.yaml'), {}, 'fuzz.yaml');
          } catch (e) {
            expectConfigError(e);
          }
        }),
        budget(500, 15_000),
      );
    },
    testTimeout(15_000),
  );

  it(
    'any parsed value, config-shaped or not, is a valid config or CONFIG_INVALID',
    () => {
      const section = fc.constantFrom('dataDir', 'detect', 'store', 'trust', 'score', 'scan', 'queue', 'server', 'sources', 'act', '__proto__', 'constructor');
      const configish = fc.dictionary(section, fc.oneof(hostileJson, fc.array(fc.dictionary(fc.constantFrom('id', 'type', 'tokenEnv', 'apiUrl', 'url', 'schedule', 'path', '__proto__'), hostileJson, { maxKeys: 5 }), { maxLength: 3 })), { maxKeys: 5 });
      fc.assert(
        fc.property(fc.oneof(configish, hostileJson, fc.anything()), (raw) => {
          try {
            resolveConfig(raw, { SOME_ENV: 'x' });
          } catch (e) {
            expectConfigError(e);
          }
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        }),
        budget(500, 15_000),
      );
    },
    testTimeout(15_000),
  );

  it('an alias bomb ("billion laughs") is refused quickly as CONFIG_INVALID', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    let err: unknown;
    try {
      resolveConfig(parseConfigText(lines.join('\n'), 'bomb.yaml'), {});
    } catch (e) {
      err = e;
    }
    expectConfigError(err);
  });
});
