import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { findJwts, jwtDetector } from '../../../src/detect/jwt/detector.js';
import type { Match } from '../../../src/detect/types.js';
import { b64url, encryptedJwt, fakeSignedJwt, inHours, prettyJwt, sdJwt, signJwt, unsignedJwt } from '../../support/jwt-factory.js';

/** The one JWT match in `text` (fails the test when there is not exactly one). */
function only(text: string): Match {
  const found = findJwts(text);
  expect(found.map((m) => m.secret.length)).toHaveLength(1);
  return found[0]!;
}

/** Wrap `s` at `width` columns, like `fold -w`. */
function fold(s: string, width: number, indent = ''): string {
  const lines: string[] = [];
  for (let i = 0; i < s.length; i += width) lines.push(indent + s.slice(i, i + width));
  return lines.join('\n');
}

const claims = () => ({ iss: 'https://issuer.example.com/', sub: 'svc-ci', aud: 'api://payments', exp: inHours(1), scope: 'payments:write' });

describe('jwt detector: forms', () => {
  it.each(['HS256', 'RS256', 'ES256', 'EdDSA', 'PS256'] as const)('finds a compact JWS signed with %s, with its header and claims', async (alg) => {
    const t = await signJwt(claims(), { alg });
    const text = `deploy failed, token was ${t} please rotate`;
    const m = only(text);
    expect(m.secret).toBe(t);
    expect(text.slice(m.start, m.end)).toBe(t);
    expect(m.ruleId).toBe('jwt');
    expect(m.kind).toBe('jwt');
    expect(m.jwt?.form).toBe('jws');
    expect(m.jwt?.header.alg).toBe(alg);
    expect(m.jwt?.claims?.sub).toBe('svc-ci');
  });

  it('finds an unsecured alg:none token including its trailing dot', () => {
    const t = unsignedJwt({ typ: 'JWT' }, { sub: 'admin', role: 'superuser' });
    const m = only(`curl -H "Authorization: Bearer ${t}" https://api.example.com`);
    expect(m.secret).toBe(t);
    expect(m.secret.endsWith('.')).toBe(true);
    expect(m.jwt?.form).toBe('unsecured');
    expect(m.jwt?.claims?.role).toBe('superuser');
  });

  it('finds a JWE and reads only its header', async () => {
    const t = await encryptedJwt({ iss: 'https://issuer.example.com', kid: 'k1' });
    const m = only(`payload: ${t}\n`);
    expect(m.secret).toBe(t);
    expect(m.jwt?.form).toBe('jwe');
    expect(m.jwt?.header.enc).toBe('A256GCM');
    expect(m.jwt?.header.iss).toBe('https://issuer.example.com');
    expect(m.jwt?.claims).toBeUndefined();
  });

  it('finds a JWE with alg dir and an empty key segment', () => {
    const t = `${b64url({ alg: 'dir', enc: 'A128GCM' })}..${randomBytes(12).toString('base64url')}.${randomBytes(57).toString('base64url')}.${randomBytes(16).toString('base64url')}`;
    expect(t).toContain('..');
    const m = only(`x=${t}`);
    expect(m.secret).toBe(t);
    expect(m.jwt?.form).toBe('jwe');
  });

  it.each(['newline', 'space', 'crlf'] as const)('finds a token whose header and payload are pretty-printed JSON (%s)', (style) => {
    const t = prettyJwt({ alg: 'RS256', typ: 'JWT' }, claims(), style);
    const m = only(`token ${t} end`);
    expect(m.secret).toBe(t);
    expect(m.jwt?.claims?.aud).toBe('api://payments');
  });

  it('finds a token whose header was pretty-printed with tabs', () => {
    const header = b64url('{\t"alg": "ES256"}');
    expect(header.startsWith('ewk')).toBe(true);
    const t = `${header}.${b64url(claims())}.${randomBytes(64).toString('base64url')}`;
    expect(only(t).secret).toBe(t);
  });

  it('finds an SD-JWT: the secret is the whole presentation with its disclosures', async () => {
    const t = await sdJwt({ iss: 'https://issuer.example.com', sub: 'u1' }, [
      ['email', 'alice@example.com'],
      ['birthdate', '1990-01-01'],
    ]);
    const text = `presented: ${t} (wallet)`;
    const m = only(text);
    expect(m.secret).toBe(t);
    expect(m.secret.endsWith('~')).toBe(true);
    expect(m.jwt?.form).toBe('sd-jwt');
    expect(m.jwt?.disclosures).toBe(2);
    expect(text.slice(m.end)).toBe(' (wallet)');
  });

  it('includes a key-binding JWT after the last disclosure', async () => {
    const base = await sdJwt({ sub: 'u1' }, [['name', 'Alice']]);
    const kb = fakeSignedJwt({ aud: 'https://verifier.example', nonce: 'n-1', sd_hash: 'x' }, { alg: 'ES256', typ: 'kb+jwt' });
    const t = base + kb;
    const m = only(`sent ${t}`);
    expect(m.secret).toBe(t);
    expect(m.jwt?.form).toBe('sd-jwt');
  });

  it('stops an SD-JWT at the last disclosure that decodes', async () => {
    const t = await sdJwt({ sub: 'u1' }, [['name', 'Alice']]);
    const m = only(`${t}notadisclosure~ tail`);
    expect(m.secret).toBe(t);
  });
});

describe('jwt detector: placements', () => {
  it('reads Bearer and DPoP authorization headers and says which', async () => {
    const t = await signJwt(claims());
    expect(only(`Authorization: Bearer ${t}`).context?.placement).toBe('authorization-bearer');
    const dpop = only(`Authorization: DPoP ${t}\nDPoP: eyJ.invalid`);
    expect(dpop.secret).toBe(t);
    expect(dpop.context?.placement).toBe('authorization-dpop');
  });

  it('finds tokens in URL query strings and fragments', async () => {
    const t = await signJwt(claims());
    const q = only(`GET https://api.example.com/v1/me?access_token=${t}&format=json HTTP/1.1`);
    expect(q.secret).toBe(t);
    expect(q.context).toMatchObject({ placement: 'url-parameter', parameter: 'access_token' });
    const f = only(`redirected to https://app.example.com/cb#id_token=${t}&state=af0ifjsldkj`);
    expect(f.secret).toBe(t);
    expect(f.context).toMatchObject({ placement: 'url-fragment', parameter: 'id_token' });
  });

  it('undoes percent-encoding: the secret is the token a client sends, the span covers the encoded text', async () => {
    const t = await signJwt(claims());
    const encoded = t.replace(/\./g, '%2E');
    const text = `https://login.example.com/logout?post_logout_redirect_uri=https%3A%2F%2Fapp%2Fcb%3Fid_token%3D${encoded}%26x%3D1`;
    const m = only(text);
    expect(m.secret).toBe(t);
    expect(text.slice(m.start, m.end)).toBe(encoded);
    expect(m.context?.mangled).toContain('escaped');
  });

  it('finds tokens in cookies', async () => {
    const t = await signJwt(claims());
    const m = only(`Cookie: theme=dark; session=${t}; csrf=abc123`);
    expect(m.secret).toBe(t);
    expect(m.context?.placement).toBe('cookie');
  });

  it('finds tokens in JSON strings, including escaped URLs and \\u002e-escaped dots', async () => {
    const t = await signJwt(claims());
    expect(only(JSON.stringify({ token: t, user: 'bob' })).secret).toBe(t);
    const slackJson = `{"text":"see <https:\\/\\/app.example.com\\/cb#access_token=${t}&amp;state=1|the link>"}`;
    expect(only(slackJson).secret).toBe(t);
    const escaped = `{"jwt":"${t.replace(/\./g, '\\u002e')}"}`;
    const m = only(escaped);
    expect(m.secret).toBe(t);
    expect(escaped.slice(m.end, m.end + 2)).toBe('"}');
  });

  it('handles Slack mrkdwn: <url|label>, &amp;, *bold*, ~strike~ and backticks', async () => {
    const t = await signJwt(claims());
    expect(only(`<https://app.example.com/cb?access_token=${t}&amp;state=1|log in>`).secret).toBe(t);
    expect(only(`*${t}*`).secret).toBe(t);
    expect(only(`~${t}~`).secret).toBe(t);
    expect(only(`use \`${t}\` for now`).secret).toBe(t);
    expect(only('```\n' + t + '\n```').secret).toBe(t);
  });

  it.each(['HS256', 'RS256', 'ES256'] as const)('drops Slack _italic_ underscores around a %s token (`_` is base64url)', async (alg) => {
    // HS256 signatures are 43 characters: with the closing underscore they are 44, still a valid
    // base64url length — only the algorithm's fixed signature length tells them apart.
    const t = await signJwt(claims(), { alg });
    const text = `oops _${t}_ sorry`;
    const m = only(text);
    expect(m.secret).toBe(t);
    expect(text.slice(m.start - 1, m.end + 1)).toBe(`_${t}_`);
  });

  it('drops italic underscores around an unsecured token', () => {
    const t = unsignedJwt({}, { sub: 'x' });
    expect(only(`_${t}_`).secret).toBe(t);
  });

  it('joins a token folded in a YAML block scalar', async () => {
    const t = await signJwt(claims(), { alg: 'RS256' });
    for (const style of ['|', '>-']) {
      const yaml = `auth:\n  token: ${style}\n${fold(t, 64, '    ')}\n  user: deploy\n`;
      const m = only(yaml);
      expect(m.secret).toBe(t);
      expect(m.context?.mangled).toBe('wrapped');
      expect(yaml.slice(m.end)).toBe('\n  user: deploy\n');
    }
  });

  it.each([64, 76, 80])('joins a log line wrapped at %i columns', async (width) => {
    const t = await signJwt(claims(), { alg: 'RS256' });
    const line = `2025-01-01T10:00:00Z DEBUG http: Authorization: Bearer ${t}`;
    const text = fold(line, width) + '\nnext log line here';
    const m = only(text);
    expect(m.secret).toBe(t);
    expect(text.slice(m.end)).toBe('\nnext log line here');
  });

  it('joins a token wrapped across indented continuation lines with a ragged width', async () => {
    const t = await signJwt(claims(), { alg: 'ES256' });
    const [h, p, s] = t.split('.') as [string, string, string];
    const text = `request failed:\n    token=${h}.${p.slice(0, 30)}\n    ${p.slice(30)}.\n    ${s}\n  status=401`;
    expect(only(text).secret).toBe(t);
  });

  it('joins wrapped lines of a unified diff when they keep the + marker', async () => {
    const t = await signJwt(claims(), { alg: 'RS256' });
    const diff = `@@ -1,2 +1,8 @@\n config:\n+  token: >-\n${fold(t, 70, '+    ')}\n+  other: 1\n`;
    expect(only(diff).secret).toBe(t);
  });

  it('joins a token wrapped inside a markdown list item', async () => {
    const t = await signJwt(claims(), { alg: 'RS256' });
    const [first, ...rest] = t.match(/.{1,64}/g)!;
    const text = `* token: ${first}\n${rest.map((l) => '  ' + l).join('\n')}\n* next item`;
    expect(only(text).secret).toBe(t);
  });

  it('does not join across a change of diff marker', async () => {
    const t = await signJwt(claims(), { alg: 'HS256' });
    const [h, p, s] = t.split('.') as [string, string, string];
    // the removed line holds a cut-off token; the added line is something else
    const found = findJwts(`-token: ${h}.${p}\n+${s}`);
    expect(found).toEqual([]);
  });

  it('keeps two tokens on consecutive lines apart', async () => {
    const a = await signJwt({ sub: 'a' }, { alg: 'HS256' });
    const b = await signJwt({ sub: 'b' }, { alg: 'RS256' });
    const found = findJwts(`${a}\n${b}\n`);
    expect(found.map((m) => m.secret)).toEqual([a, b]);
  });

  it('does not join the next line of prose onto a complete token', async () => {
    const t = await signJwt(claims(), { alg: 'HS256' });
    const text = `${t}\nThanks\nBob`;
    const m = only(text);
    expect(m.secret).toBe(t);
  });

  it('does not join a following line to a token of an unknown algorithm without evidence', () => {
    const t = `${b64url({ alg: 'XYZ1' })}.${b64url({ sub: 'x' })}.${randomBytes(40).toString('base64url')}`;
    const m = only(`${t}\nabcdefghijklmnop`);
    expect(m.secret).toBe(t);
  });
});

describe('jwt detector: what is not a JWT', () => {
  it('ignores the jwt.io sample token', () => {
    const sample = fakeSignedJwt({ sub: '1234567890', name: 'John Doe', iat: 1516239022 }, { alg: 'HS256', typ: 'JWT' });
    const admin = fakeSignedJwt({ sub: '1234567890', name: 'John Doe', admin: true, iat: 1516239022 }, { alg: 'HS256', typ: 'JWT' });
    expect(findJwts(`example from the docs: ${sample} and ${admin}`)).toEqual([]);
  });

  it('ignores redacted and truncated tokens', async () => {
    const t = await signJwt(claims(), { alg: 'HS256' });
    const [h, p, s] = t.split('.') as [string, string, string];
    const text = [
      'token: eyJ***',
      `token: ${h.slice(0, 7)}...`,
      `token: ${h}.${p}.${s.slice(0, 10)}...`,
      `token: ${h}.${p}.${s.slice(0, 20)}`,
      `token: ${h}.${p}.[REDACTED]`,
    ].join('\n');
    expect(findJwts(text)).toEqual([]);
  });

  it('ignores a header and payload with no signature segment', async () => {
    const t = await signJwt(claims(), { alg: 'RS256' });
    const [h, p] = t.split('.') as [string, string];
    expect(findJwts(`decoded part: ${h}.${p} end`)).toEqual([]);
    // a trailing dot is the unsecured form only when alg is none
    expect(findJwts(`decoded part: ${h}.${p}. end`)).toEqual([]);
  });

  it('ignores eyJ blobs that are not JOSE: no alg, not JSON, payload not an object', () => {
    const sig = randomBytes(32).toString('base64url');
    const blobs = [
      `${b64url({ foo: 'bar' })}.${b64url({ sub: 'x' })}.${sig}`,
      `${b64url('{"alg": not json')}.${b64url({ sub: 'x' })}.${sig}`,
      `${b64url({ alg: 'HS256' })}.${b64url([1, 2, 3])}.${sig}`,
      `${b64url({ alg: 'HS256' })}.${b64url('"just a string"')}.${sig}`,
      `${b64url({ alg: 'HS256', enc: 'A256GCM' })}.${b64url({ sub: 'x' })}.${sig}`,
      b64url({ type: 'service_account', data: 'x'.repeat(50) }),
      `${b64url({ alg: 'HS256' })}.${Buffer.from([0xff, 0xfe, 0x7b]).toString('base64url')}.${sig}`,
    ];
    expect(findJwts(blobs.join('\n'))).toEqual([]);
  });

  it('runs its own examples: every match example matches, no ignore example does', () => {
    const ex = jwtDetector.examples();
    for (const text of ex.match) expect(findJwts(text).length, text.slice(0, 30)).toBeGreaterThan(0);
    for (const text of ex.ignore) expect(findJwts(text)).toEqual([]);
  });
});
