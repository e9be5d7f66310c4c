/** 1Password service account tokens: `ops_` + base64(JSON). */
import { ALNUM, BASE64, LOWER, placements, randomBody } from './gen.js';
import { patternRule } from './kit.js';

// https://developer.1password.com/docs/service-accounts/ — `ops_eyJ…` (base64 JSON with the account and key material).
// The body is matched atomically (a lookahead capture, then the backreference): a run of token
// characters longer than 4000 fails once instead of backtracking through every shorter length.
const TOKEN = /(?<![A-Za-z0-9_-])ops_eyJ(?=([A-Za-z0-9+/_-]{250,4000}))\1={0,3}(?![A-Za-z0-9+/=_-])/g;

export const onepasswordServiceAccountToken = patternRule({
  id: 'onepassword-service-account-token',
  name: '1Password service account token',
  docs: 'https://developer.1password.com/docs/service-accounts/',
  keywords: ['ops_eyJ'],
  reach: { privilege: 'admin', scope: 'every 1Password vault item the service account can read (other secrets)', lifetime: 'unbounded' },
  pattern: TOKEN,
  body: (s) => s.slice(4),
  examples: () => {
    const payload = Buffer.from(
      JSON.stringify({ signInAddress: `${randomBody(LOWER, 8)}.1password.com`, userAuth: { method: 'SRPg-4096', alg: 'PBES2g-HS256', iterations: 650000, salt: randomBody(ALNUM, 22) }, email: `${randomBody(LOWER, 12)}@1passwordserviceaccounts.com`, srpX: randomBody('0123456789abcdef', 64), muk: { kty: 'oct', k: randomBody(ALNUM, 43) }, secretKey: `A3-${randomBody(ALNUM, 26)}`, deviceUuid: randomBody(LOWER, 26) }),
    ).toString('base64');
    const t = `ops_${payload}`;
    return { match: placements(t, 'OP_SERVICE_ACCOUNT_TOKEN'), ignore: ['OP_SERVICE_ACCOUNT_TOKEN=ops_<token>', `ops_eyJ${randomBody(BASE64, 60)}`] };
  },
});
