import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { JWT_LIMITS, TRUNCATED, decodeJwt, decodeJwtStrict } from '../../../src/detect/jwt/decode.js';
import { TokenradiusError } from '../../../src/core/errors.js';
import { b64url, encryptedJwt, sdJwt, signJwt, unsignedJwt } from '../../support/jwt-factory.js';

const sig = () => randomBytes(32).toString('base64url');

describe('decodeJwt', () => {
  it('decodes each form: JWS, unsecured, JWE (header only), SD-JWT', async () => {
    const jws = await signJwt({ sub: 'a', roles: ['admin'] }, { alg: 'ES256' });
    expect(decodeJwt(jws)).toMatchObject({ form: 'jws', header: { alg: 'ES256' }, claims: { sub: 'a', roles: ['admin'] } });
    expect(decodeJwt(unsignedJwt({}, { sub: 'b' }))).toMatchObject({ form: 'unsecured', claims: { sub: 'b' } });
    const jwe = decodeJwt(await encryptedJwt({ iss: 'x' }));
    expect(jwe).toMatchObject({ form: 'jwe', header: { enc: 'A256GCM', iss: 'x' } });
    expect(jwe?.claims).toBeUndefined();
    const sd = decodeJwt(await sdJwt({ sub: 'c' }, [['email', 'c@example.com'], ['age', 42]]));
    expect(sd).toMatchObject({ form: 'sd-jwt', disclosures: 2, claims: { sub: 'c' } });
  });

  it('treats other casings of "none" as unsecured', () => {
    const t = `${b64url({ alg: 'NoNe' })}.${b64url({ sub: 'x' })}.`;
    expect(decodeJwt(t)?.form).toBe('unsecured');
  });

  it('returns null for what is not a JWT', () => {
    const h = b64url({ alg: 'HS256' });
    const p = b64url({ sub: 'x' });
    for (const bad of [
      '',
      'not a token',
      `${h}.${p}`,
      `${h}.${p}.`, // empty signature, alg is not none
      `${h}.${p}.${sig()}.extra`,
      `${h}.${p}.si+g/`,
      `${b64url({ typ: 'JWT' })}.${p}.${sig()}`,
      `${b64url([1])}.${p}.${sig()}`,
      `${h}.${b64url('[1,2]')}.${sig()}`,
      `${h}.${Buffer.from([0xc3, 0x28]).toString('base64url')}.${sig()}`,
      `${h}.${p}.${sig()}~${b64url('"not an array"')}~`,
      `${b64url({ alg: 'dir', enc: 'A128GCM' })}....`,
    ]) {
      expect(decodeJwt(bad), bad.slice(0, 40)).toBeNull();
    }
    expect(decodeJwt(undefined as unknown as string)).toBeNull();
  });

  it('cannot pollute prototypes: __proto__ keys are dropped, objects are plain', () => {
    const payload = Buffer.from('{"sub":"x","__proto__":{"polluted":true},"nested":{"__proto__":{"polluted":true}},"constructor":{"prototype":{"polluted":true}}}').toString('base64url');
    const d = decodeJwt(`${b64url({ alg: 'HS256' })}.${payload}.${sig()}`);
    expect(d).not.toBeNull();
    const claims = d!.claims!;
    expect(Object.prototype.hasOwnProperty.call(claims, '__proto__')).toBe(false);
    expect(Object.getPrototypeOf(claims)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(claims.nested)).toBe(Object.prototype);
    const merged = Object.assign({}, claims, claims.nested as object);
    expect((merged as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(claims.constructor).toEqual({ prototype: { polluted: true } });
  });

  it('bounds hostile JSON: deep nesting and huge arrays are truncated, not fatal', () => {
    const deep = '['.repeat(40_000) + ']'.repeat(40_000);
    const d1 = decodeJwt(`${b64url({ alg: 'HS256' })}.${b64url(`{"deep":${deep}}`)}.${sig()}`);
    expect(d1).not.toBeNull();
    expect(JSON.stringify(d1!.claims)).toContain(TRUNCATED);
    const big = decodeJwt(`${b64url({ alg: 'HS256' })}.${b64url({ groups: Array.from({ length: 10_000 }, (_, i) => i) })}.${sig()}`);
    const groups = big!.claims!.groups as unknown[];
    expect(groups).toHaveLength(JWT_LIMITS.maxArray + 1);
    expect(groups.at(-1)).toBe(TRUNCATED);
  });

  it('refuses tokens over the size bound', () => {
    const huge = `${b64url({ alg: 'HS256' })}.${b64url({ pad: 'x'.repeat(JWT_LIMITS.maxToken) })}.${sig()}`;
    expect(decodeJwt(huge)).toBeNull();
  });
});

describe('decodeJwtStrict', () => {
  it('returns the decoded token', async () => {
    expect(decodeJwtStrict(await signJwt({ sub: 'a' })).claims?.sub).toBe('a');
  });

  it('throws JWT_MALFORMED with a reason that never quotes the token', async () => {
    const t = await signJwt({ sub: 'secret-subject' }, { alg: 'HS256' });
    const [h, p] = t.split('.') as [string, string];
    const cases: Array<[string, RegExp]> = [
      [`${h}.${p}`, /3 \(JWS\) or 5 \(JWE\) segments/],
      [`${h}.${p}.`, /signature is empty/],
      [`${h}.${b64url('nope')}.${sig()}`, /payload is not JSON/],
      [`${b64url({ typ: 'JWT' })}.${p}.${sig()}`, /no string "alg"/],
      [`${h}.${p}.***`, /signature is not valid base64url/],
    ];
    for (const [bad, reason] of cases) {
      let err: unknown;
      try {
        decodeJwtStrict(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TokenradiusError);
      const te = err as TokenradiusError;
      expect(te.code).toBe('JWT_MALFORMED');
      expect(te.message).toMatch(reason);
      const said = JSON.stringify(te.toJSON());
      for (const part of bad.split('.').filter((s) => s.length >= 8)) expect(said).not.toContain(part);
      expect(said).not.toContain('secret-subject');
    }
  });
});
