/**
 * Scoring is tuned in config, not code: weights, bands, caps, vocabularies and crown jewels all
 * come from `score:` in the config file, validated with every problem reported at its path.
 */
import { describe, expect, it } from 'vitest';
import { parseConfigText, resolveConfig } from '../../src/config/load.js';
import { TokenradiusError } from '../../src/core/errors.js';
import { DEFAULT_ENTRA_ROLES } from '../../src/score/options.js';
import { DEFAULTS, HOUR, T, factor, options, scoreJwt } from './support.js';

const token = { iss: 'https://as.acme.io', aud: 'https://orders.acme.io', sub: 'u', client_id: 'c', scope: 'orders:write', iat: T, exp: T + HOUR };

function fromYaml(yaml: string) {
  return resolveConfig(parseConfigText(yaml), {}).config.score;
}

describe('score options', () => {
  it('embedded defaults: an empty config gives the documented defaults', () => {
    const { config } = resolveConfig({}, {});
    expect(config.score).toEqual(DEFAULTS);
    expect(config.score.bands).toEqual({ low: 15, medium: 40, high: 65, critical: 85 });
    // Every privileged Entra role template id from the reference is in the default vocabulary.
    for (const id of ['62e90394-69f5-4237-9190-012177145e10', 'e8611ab8-c189-46e8-94e1-60213ab1f814', '7be44c8a-adaf-4e2a-84d6-ab2649e08a13', '194ae4cb-b126-40b2-bd5b-6091b380977d', '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', '158c047a-c907-4556-b7ef-446551a6b5f7', 'fe930be7-5e62-47db-91af-98c3a49a38b1', 'c4e39bd9-1100-46d3-8c65-fb160da0071f', 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9', '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2', '3a2c62db-5318-420d-8d74-23affee5d9d5', '729827e3-9c14-49f7-bb1b-9608f156bbb8', '966707d0-3269-4727-9be2-8c3a10f19b9d', 'd29b2b05-8046-44ba-8758-1e26182fcf32', 'f2ef992c-3afb-46b9-b7cf-a126ee74c451']) {
      expect(DEFAULT_ENTRA_ROLES.map((r) => r.id)).toContain(id);
    }
  });

  it('changing a weight in the config file changes the score by exactly that much', () => {
    const tuned = fromYaml('score:\n  weights:\n    privilege:\n      write: 30\n    liveness:\n      unverifiable: 0.5\n      unknown: 0.5\n');
    const before = scoreJwt(token, { opts: DEFAULTS });
    const after = scoreJwt(token, { opts: tuned });
    expect(factor(before, 'privilege')?.points).toBe(18);
    expect(factor(after, 'privilege')?.points).toBe(30);
    expect(after.score).not.toBe(before.score);
    expect(factor(after, 'liveness')?.reason).toMatch(/keeps 50%/);
  });

  it('band thresholds move the severity, not the score', () => {
    const strict = options({ bands: { low: 5, medium: 10, high: 20, critical: 30 } });
    const a = scoreJwt(token, { opts: DEFAULTS });
    const b = scoreJwt(token, { opts: strict });
    expect(b.score).toBe(a.score);
    expect(a.severity).toBe('low');
    expect(b.severity).toBe('critical');
  });

  it('vocabularies: a custom admin word and an override change the privilege level', () => {
    const t = { ...token, scope: 'orders:approve' };
    expect(scoreJwt(t).profile.privilegeLevel).toBe('read');
    const o = options({ vocab: { levels: { admin: ['approve'] } } });
    expect(scoreJwt(t, { opts: o }).profile.privilegeLevel).toBe('admin');
    const o2 = options({ vocab: { overrides: [{ pattern: 'orders:*', level: 'owner' }] } });
    expect(scoreJwt(t, { opts: o2 }).profile.privilegeLevel).toBe('owner');
  });

  it('crown jewels: a listed tenant or audience adds the crown-jewel factor', () => {
    const o = options({ crownJewels: { audiences: ['https://orders.*'], tenants: ['acme-payments'] } });
    const br = scoreJwt(token, { opts: o });
    expect(factor(br, 'crown-jewel')).toMatchObject({ points: 15, reason: expect.stringMatching(/audience https:\/\/orders\.acme\.io/) });
    expect(br.score).toBeGreaterThan(scoreJwt(token).score);
  });

  it('caps are configurable: public-by-design can be capped at info', () => {
    const anon = { iss: 'supabase', ref: 'abcdefghijklmnop', role: 'anon', exp: T + 3650 * 86400 };
    const br = scoreJwt(anon, { opts: options({ caps: { publicByDesign: 'info' } }), exposures: [{ visibility: 'public' }] });
    expect(br.severity).toBe('info');
  });

  it('rejects invalid tuning, every problem with its path', () => {
    try {
      resolveConfig(
        { score: { bands: { low: 50, medium: 40 }, weights: { privilege: { admin: 500 }, liveness: { unverifiable: 1 }, binding: { multiplier: 1 } }, vocab: { entraDirectoryRoles: [{ id: 'nope', name: 'x', level: 'god' }] }, bogus: 1 } },
        {},
      );
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TokenradiusError);
      const paths = ((e as TokenradiusError).details.issues as Array<{ path: string }>).map((i) => i.path);
      expect(paths).toEqual(
        expect.arrayContaining(['score', 'score.bands', 'score.weights.privilege.admin', 'score.vocab.entraDirectoryRoles[0].id', 'score.vocab.entraDirectoryRoles[0].level']),
      );
    }
    // Semantic checks: unverifiable must stay below live, binding must lower.
    const r = (o: unknown) => () => resolveConfig({ score: o }, {});
    expect(r({ weights: { liveness: { unverifiable: 1 } } })).toThrow(/unverifiable must keep less/);
    expect(r({ weights: { binding: { multiplier: 1 } } })).toThrow(/bound token must keep less/);
  });
});
