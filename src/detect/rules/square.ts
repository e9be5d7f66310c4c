/** Square access tokens and OAuth application secrets. */
import { BASE64URL, placements, randomBody, redactedForms } from './gen.js';
import { patternRule, prefixedTokenRule } from './kit.js';

// https://developer.squareup.com/docs/build-basics/access-tokens — `EAAA` + 60 (current) or `sq0atp-` + 22 (legacy).
const ACCESS = /(?<![A-Za-z0-9_-])(?:EAAA[A-Za-z0-9_-]{60}|sq0atp-[A-Za-z0-9_-]{22})(?![A-Za-z0-9_-])/g;

export const squareAccessToken = patternRule({
  id: 'square-access-token',
  name: 'Square access token',
  docs: 'https://developer.squareup.com/docs/build-basics/access-tokens',
  keywords: ['EAAA', 'sq0atp-'],
  reach: { privilege: 'admin', scope: 'a Square seller account: payments, refunds, customers', lifetime: 'months' },
  pattern: ACCESS,
  body: (s) => s.replace(/^(?:EAAA|sq0atp-)/, ''),
  examples: () => {
    const t = `EAAA${randomBody(BASE64URL, 60)}`;
    return { match: [...placements(t, 'SQUARE_ACCESS_TOKEN'), `SQUARE_TOKEN=sq0atp-${randomBody(BASE64URL, 22)}`], ignore: [`EAAA${randomBody(BASE64URL, 150)}`, ...redactedForms(t, 4)] };
  },
});

// https://developer.squareup.com/docs/oauth-api/overview — application secrets `sq0csp-` + 43.
export const squareOauthSecret = prefixedTokenRule({
  id: 'square-oauth-secret',
  name: 'Square OAuth application secret',
  docs: 'https://developer.squareup.com/docs/oauth-api/overview',
  prefixes: ['sq0csp-'],
  charset: 'A-Za-z0-9_-',
  length: 43,
  alphabet: BASE64URL,
  envName: 'SQUARE_APP_SECRET',
  reach: { privilege: 'write', scope: 'impersonates a Square OAuth application (token exchange for its sellers)', lifetime: 'unbounded' },
});
