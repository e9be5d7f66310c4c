/** Sentry auth tokens: organisation tokens `sntrys_` (base64 JSON + `_` + secret) and user tokens `sntryu_` (64 hex). */
import { BASE64, HEX, placements, randomBody, redactedForms } from './gen.js';
import { patternRule, prefixedTokenRule } from './kit.js';

// https://docs.sentry.io/account/auth-tokens/ — org tokens `sntrys_` + base64(JSON, starts eyJ) + `_` + 43 base64.
const ORG = /(?<![A-Za-z0-9_-])sntrys_eyJ[A-Za-z0-9+/=]{20,600}_[A-Za-z0-9+/]{43}(?![A-Za-z0-9+/=_-])/g;

export const sentryOrgToken = patternRule({
  id: 'sentry-org-token',
  name: 'Sentry organisation auth token',
  docs: 'https://docs.sentry.io/account/auth-tokens/',
  keywords: ['sntrys_'],
  reach: { privilege: 'write', scope: 'a Sentry organisation’s releases and source maps (CI scopes)', lifetime: 'unbounded' },
  pattern: ORG,
  body: (s) => s.slice(s.lastIndexOf('_') + 1),
  examples: () => {
    const payload = Buffer.from(JSON.stringify({ iat: 1700000000 + Math.floor(Math.random() * 1e7), url: 'https://sentry.io', region_url: 'https://us.sentry.io', org: `acme-${randomBody('abcdefgh', 4)}` })).toString('base64');
    const t = `sntrys_${payload}_${randomBody(BASE64, 43)}`;
    return { match: placements(t, 'SENTRY_AUTH_TOKEN'), ignore: ['SENTRY_AUTH_TOKEN=sntrys_your-token', ...redactedForms(t, 7)] };
  },
});

// https://docs.sentry.io/account/auth-tokens/ — user auth tokens `sntryu_` + 64 hex.
export const sentryUserToken = prefixedTokenRule({
  id: 'sentry-user-token',
  name: 'Sentry user auth token',
  docs: 'https://docs.sentry.io/account/auth-tokens/',
  prefixes: ['sntryu_'],
  charset: 'a-f0-9',
  length: 64,
  alphabet: HEX,
  envName: 'SENTRY_AUTH_TOKEN',
  reach: { privilege: 'admin', scope: 'every Sentry organisation of the user within the token’s scopes (event data may hold PII)', lifetime: 'unbounded' },
});
