import { describe, expect, it } from 'vitest';
import { resolveConfig, parseConfigText } from '../../src/config/load.js';
import { TokenradiusError } from '../../src/core/errors.js';

describe('config loader', () => {
  it('embedded defaults parse from an empty file', () => {
    const { config } = resolveConfig({}, {});
    expect(config.dataDir).toBe('./.tokenradius');
    expect(config.detect.customRules).toEqual([]);
  });
  it('reports every problem at once, each with its path', () => {
    try {
      resolveConfig({ bogus: 1, detect: { disabledRules: 'x', customRules: [{ id: 'Bad Id', regex: 'a', keywords: [] }] }, dataDir: '${NOPE}' }, {});
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TokenradiusError);
      const issues = (e as TokenradiusError).details.issues as Array<{ path: string }>;
      const paths = issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['dataDir', 'detect.disabledRules', 'detect.customRules[0].id', 'detect.customRules[0].keywords']));
      expect((e as Error).message).toMatch(/NOPE is not set/);
      expect((e as Error).message).toMatch(/bogus/);
    }
  });
  it('substitutes ${ENV} and snapshots only what it uses', () => {
    const loaded = resolveConfig({ dataDir: '${DD}/x' }, { DD: '/tmp/a', UNRELATED: 'y', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(loaded.config.dataDir).toBe('/tmp/a/x');
    expect(loaded.env).toEqual({ REDIS_URL: 'redis://127.0.0.1:6379' });
  });
  it('YAML syntax errors are CONFIG_INVALID', () => {
    expect(() => parseConfigText('a: [1,', 'x.yaml')).toThrow(/YAML/);
  });
});
