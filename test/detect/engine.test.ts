import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/detect/engine.js';
import { jwtDetector } from '../../src/detect/jwt/detector.js';
import type { Detector, Match } from '../../src/detect/types.js';
import { fakeSignedJwt, signJwt } from '../support/jwt-factory.js';

/** A detector that reports every occurrence of `re` (its whole match) — calls are counted. */
function regexDetector(id: string, keywords: string[], re: RegExp, extra: Partial<Detector> = {}): Detector & { calls: string[] } {
  const calls: string[] = [];
  return {
    id,
    name: id,
    kind: 'credential',
    keywords,
    find(text: string): Match[] {
      calls.push(text);
      const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
      return [...text.matchAll(g)].map((m) => ({ ruleId: id, kind: 'credential' as const, secret: m[0], start: m.index, end: m.index + m[0].length }));
    },
    examples: () => ({ match: [], ignore: [] }),
    calls,
    ...extra,
  };
}

const tok = (prefix: string, n = 30) => prefix + 'A1b2C3d4E5'.repeat(Math.ceil(n / 10)).slice(0, n);

describe('engine: prefilter decides which rules run', () => {
  it('runs a rule only when one of its keywords occurs, case-insensitively', () => {
    const d = regexDetector('acme-key', ['acme_'], /acme_[A-Za-z0-9]{30}/);
    const e = createEngine([d]);
    expect(e.scan('nothing to see here, just prose about keys and tokens')).toEqual([]);
    expect(d.calls).toHaveLength(0);
    const t = tok('acme_');
    expect(e.scan(`value ${t} end`).map((m) => m.secret)).toEqual([t]);
    expect(d.calls).toHaveLength(1);
    e.scan('mentions ACME_ in upper case');
    expect(d.calls).toHaveLength(2);
  });

  it('runs a rule with no keywords on every chunk', () => {
    const d = regexDetector('always', [], /zzz/);
    createEngine([d]).scan('anything');
    expect(d.calls).toEqual(['anything']);
  });

  it('handles two-character and non-ASCII keywords (the slow path) too', () => {
    const short = regexDetector('short', ['q9'], /q9-[0-9]{6}/);
    const unicode = regexDetector('unicode', ['clé:'], /clé:[A-Z]{8}/);
    const e = createEngine([short, unicode]);
    const found = e.scan('x Q9 then q9-123456 and clé:ABCDEFGH.');
    expect(found.map((m) => m.ruleId)).toEqual(['short', 'unicode']);
  });

  it('finds keywords across the prefilter block boundary and at the very start and end', () => {
    const d = regexDetector('acme-key', ['acme_'], /acme_[A-Za-z0-9]{30}/);
    const e = createEngine([d]);
    const t = tok('acme_');
    const block = 1 << 18;
    for (const at of [0, block - 3, block - 1, block, block + 1, 2 * block - 2]) {
      const text = 'x'.repeat(at) + t + ' tail';
      const found = e.scan(text);
      expect(found, `at ${at}`).toHaveLength(1);
      expect(found[0]!.start).toBe(at);
    }
    expect(e.scan(' '.repeat(100) + t)[0]?.end).toBe(100 + t.length);
  });

  it('gives a rule a window around the keyword, not the whole chunk, and maps offsets back', () => {
    const d = regexDetector('acme-key', ['acme_'], /acme_[A-Za-z0-9]{30}/);
    const e = createEngine([d]);
    const t = tok('acme_');
    const filler = ('lorem ipsum dolor sit amet '.repeat(3) + '\n').repeat(400);
    const text = filler + `key: ${t}\n` + filler;
    const [m] = e.scan(text);
    expect(m!.start).toBe(filler.length + 5);
    expect(text.slice(m!.start, m!.end)).toBe(t);
    expect(d.calls).toHaveLength(1);
    expect(d.calls[0]!.length).toBeLessThan(3000);
    expect(d.calls[0]!.startsWith('lorem')).toBe(true); // snapped to a line start
  });

  it("runs a 'chunk' rule on the whole chunk", () => {
    const d = regexDetector('pair', ['acme_'], /secret=[a-z]{10}/, { window: 'chunk' });
    const text = 'secret=abcdefghij\n' + 'filler line\n'.repeat(1000) + 'acme_ mentioned far below';
    const found = createEngine([d]).scan(text);
    expect(found.map((m) => m.secret)).toEqual(['secret=abcdefghij']);
    expect(d.calls[0]).toBe(text);
  });

  it('respects a larger declared window', () => {
    const d = regexDetector('far', ['acme_'], /secret=[a-z]{10}/, { window: { before: 20_000, after: 10 } });
    const text = 'secret=abcdefghij ' + 'y'.repeat(15_000) + ' acme_';
    expect(createEngine([d]).scan(text).map((m) => m.secret)).toEqual(['secret=abcdefghij']);
    const narrow = regexDetector('near', ['acme_'], /secret=[a-z]{10}/);
    expect(createEngine([narrow]).scan(text)).toEqual([]);
  });
});

describe('engine: results', () => {
  it('returns matches sorted by start with duplicates removed', () => {
    const a = regexDetector('acme-key', ['acme_'], /acme_[A-Za-z0-9]{30}/);
    const b = regexDetector('beta-key', ['beta_'], /beta_[A-Za-z0-9]{30}/);
    const ta = tok('acme_');
    const tb = tok('beta_');
    // The same rule listed twice finds the same token twice: one match survives.
    const found = createEngine([b, a, a]).scan(`${tb} and ${ta} and ${tb}`);
    expect(found.map((m) => [m.ruleId, m.start])).toEqual([
      ['beta-key', 0],
      ['acme-key', tb.length + 5],
      ['beta-key', tb.length + 5 + ta.length + 5],
    ]);
  });

  it('same secret found by two rules: the higher priority wins, else the smaller rule id', () => {
    const generic = regexDetector('generic-secret', ['acme_'], /acme_[A-Za-z0-9]{30}/, { priority: -10 });
    const specific = regexDetector('acme-key', ['acme_'], /acme_[A-Za-z0-9]{30}/);
    const t = tok('acme_');
    expect(createEngine([generic, specific]).scan(t).map((m) => m.ruleId)).toEqual(['acme-key']);
    const z = regexDetector('z-rule', ['acme_'], /acme_[A-Za-z0-9]{30}/);
    const y = regexDetector('y-rule', ['acme_'], /acme_[A-Za-z0-9]{30}/);
    expect(createEngine([z, y]).scan(t).map((m) => m.ruleId)).toEqual(['y-rule']);
    expect(createEngine([y, z]).scan(t).map((m) => m.ruleId)).toEqual(['y-rule']);
  });

  it('overlapping matches of equal priority: the longer span wins', () => {
    const url = regexDetector('db-url', ['postgres://'], /postgres:\/\/\w+:\w+@[\w.]+/);
    const pw = regexDetector('password', ['postgres://'], /(?<=:)s3cr3tPassw0rd(?=@)/);
    const found = createEngine([pw, url]).scan('DATABASE_URL=postgres://app:s3cr3tPassw0rd@db.internal');
    expect(found.map((m) => m.ruleId)).toEqual(['db-url']);
  });

  it('a credential-looking run inside a JWT stays part of the JWT', () => {
    const sig = 'AKIA' + 'ABCDEFGHIJKLMNOP' + 'x'.repeat(322);
    const t = fakeSignedJwt({ sub: 'svc', scope: 'admin' }).split('.').slice(0, 2).join('.') + '.' + sig;
    const aws = regexDetector('aws-access-key-id', ['akia'], /AKIA[A-Z2-7]{16}/);
    const found = createEngine([aws, jwtDetector]).scan(`Authorization: Bearer ${t}`);
    expect(found.map((m) => m.ruleId)).toEqual(['jwt']);
    expect(found[0]!.secret).toBe(t);
  });

  it('a strictly more specific credential rule (higher priority) wins over the JWT it names', async () => {
    const t = await signJwt({ iss: 'supabase', ref: 'abcd', role: 'service_role' }, { alg: 'HS256' });
    const supa: Detector = {
      ...regexDetector('supabase-service-key', ['eyj'], /eyJ[\w-]+\.[\w-]+\.[\w-]+/),
      priority: 10,
    };
    const found = createEngine([jwtDetector, supa]).scan(`SUPABASE_KEY=${t}`);
    expect(found.map((m) => m.ruleId)).toEqual(['supabase-service-key']);
  });

  it('keeps separate tokens on one line', () => {
    const a = regexDetector('acme-key', ['acme_'], /acme_[A-Za-z0-9]{30}/);
    const ta = tok('acme_');
    const tb = tok('acme_', 30).replace('A1', 'Z9');
    expect(createEngine([a]).scan(`${ta},${tb}`).map((m) => m.secret)).toEqual([ta, tb]);
  });
});

describe('engine: containment', () => {
  it('a throwing detector loses only its own matches, and the failure is reported by class name', () => {
    const boom: Detector = {
      ...regexDetector('boom', ['acme_'], /x/),
      find() {
        throw new TypeError(`cannot parse ${tok('acme_')}`);
      },
    };
    const ok = regexDetector('acme-key', ['acme_'], /acme_[A-Za-z0-9]{30}/);
    const errors: Array<[string, string]> = [];
    const t = tok('acme_');
    const found = createEngine([boom, ok], { onDetectorError: (id, name) => errors.push([id, name]) }).scan(`k=${t}`);
    expect(found.map((m) => m.secret)).toEqual([t]);
    expect(errors).toEqual([['boom', 'TypeError']]);
  });

  it('keeps matches a generator yielded before it threw', () => {
    const t = tok('acme_');
    const half: Detector = {
      ...regexDetector('half', ['acme_'], /x/),
      *find(text: string) {
        const i = text.indexOf(t);
        yield { ruleId: 'half', kind: 'credential' as const, secret: t, start: i, end: i + t.length };
        throw new Error('later failure');
      },
    };
    expect(createEngine([half]).scan(`a ${t} b`).map((m) => m.secret)).toEqual([t]);
  });

  it('drops malformed matches: bad offsets, empty secrets, non-objects', () => {
    const t = tok('acme_');
    const bad: Detector = {
      ...regexDetector('bad', ['acme_'], /x/),
      find(text: string) {
        return [
          null,
          42,
          { ruleId: 'bad', kind: 'credential', secret: '', start: 0, end: 1 },
          { ruleId: 'bad', kind: 'credential', secret: t, start: -1, end: 3 },
          { ruleId: 'bad', kind: 'credential', secret: t, start: 2, end: text.length + 10 },
          { ruleId: 'bad', kind: 'credential', secret: t, start: 5, end: 5 },
          { ruleId: 'bad', kind: 'credential', secret: t, start: 1.5, end: 3 },
          { ruleId: 'bad', kind: 'credential', secret: t, start: 0, end: t.length },
        ] as unknown as Match[];
      },
    };
    const found = createEngine([bad]).scan(`${t} tail`);
    expect(found).toEqual([{ ruleId: 'bad', kind: 'credential', secret: t, start: 0, end: t.length }]);
  });

  it('cuts off a runaway detector', () => {
    const t = tok('acme_');
    const runaway: Detector = {
      ...regexDetector('runaway', ['acme_'], /x/),
      *find() {
        for (let i = 0; ; i++) yield { ruleId: 'runaway', kind: 'credential' as const, secret: t, start: 0, end: 1 };
      },
    };
    expect(createEngine([runaway]).scan(`${t}`)).toHaveLength(1);
  });

  it('never throws on hostile input', () => {
    const e = createEngine([jwtDetector, regexDetector('acme-key', ['acme_'], /acme_[A-Za-z0-9]{30}/)]);
    const inputs: unknown[] = [
      '',
      '\u0000'.repeat(1000),
      '\ud800\udc00\ud800 lone \udfff surrogates eyJ\ud800',
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256)).toString('latin1'),
      'eyJ'.repeat(30_000),
      'eyJhbGciOiJIUzI1NiJ9.'.repeat(5_000),
      'acme_'.repeat(50_000),
      'x'.repeat(3_000_000) + ' acme_' + 'A'.repeat(1_000_000),
      undefined,
      null,
      42,
    ];
    for (const input of inputs) expect(() => e.scan(input as string)).not.toThrow();
    expect(e.scan(undefined as unknown as string)).toEqual([]);
  });
});
