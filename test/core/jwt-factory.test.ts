import { describe, expect, it } from 'vitest';
import { decodeProtectedHeader, decodeJwt } from 'jose';
import { encryptedJwt, prettyJwt, sdJwt, signJwt, unsignedJwt } from '../support/jwt-factory.js';

describe('test jwt factory', () => {
  it('builds each form', async () => {
    for (const alg of ['HS256', 'RS256', 'ES256', 'EdDSA', 'PS256'] as const) {
      const t = await signJwt({ sub: 'a' }, { alg });
      expect(decodeProtectedHeader(t).alg).toBe(alg);
      expect(decodeJwt(t).sub).toBe('a');
    }
    expect(unsignedJwt({}, { sub: 'b' }).endsWith('.')).toBe(true);
    expect((await encryptedJwt({ iss: 'x' })).split('.')).toHaveLength(5);
    expect((await sdJwt({ sub: 'c' }, [['email', 'c@example.com']])).split('~')).toHaveLength(3);
    expect(prettyJwt({ alg: 'RS256' }, { sub: 'd' }, 'newline').startsWith('ewo')).toBe(true);
    expect(prettyJwt({ alg: 'RS256' }, { sub: 'd' }, 'space').startsWith('eyA')).toBe(true);
    expect(prettyJwt({ alg: 'RS256' }, { sub: 'd' }, 'crlf').startsWith('ew0K')).toBe(true);
  });
});
