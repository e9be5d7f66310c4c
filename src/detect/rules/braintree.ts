/** PayPal / Braintree access tokens: `access_token$production$<merchant>$<32 hex>` (sandbox: test mode). */
import { HEX, LOWER_ALNUM, placements, randomBody } from './gen.js';
import { patternRule } from './kit.js';

const DOCS = 'https://developer.paypal.com/braintree/docs/guides/authorization/access-token';
const token = (env: string): string => `access_token$${env}$${randomBody(LOWER_ALNUM, 16)}$${randomBody(HEX, 32)}`;

// https://developer.paypal.com/braintree/docs/guides/authorization/access-token — access_token$production$<16>$<32 hex>.
const PRODUCTION = /access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32}(?![A-Za-z0-9])/g;

export const braintreeAccessToken = patternRule({
  id: 'braintree-access-token',
  name: 'PayPal Braintree access token (production)',
  docs: DOCS,
  keywords: ['access_token$production'],
  reach: { privilege: 'admin', scope: 'a Braintree merchant account in production (transactions, refunds, vault)', lifetime: 'unbounded' },
  pattern: PRODUCTION,
  body: (s) => s.slice(s.lastIndexOf('$') + 1),
  examples: () => ({ match: placements(token('production'), 'BRAINTREE_ACCESS_TOKEN'), ignore: [token('sandbox'), 'access_token$production$<merchant-id>$<token>'] }),
});

// https://developer.paypal.com/braintree/docs/guides/authorization/access-token — access_token$sandbox$… (test mode).
const SANDBOX = /access_token\$sandbox\$[0-9a-z]{16}\$[0-9a-f]{32}(?![A-Za-z0-9])/g;

export const braintreeSandboxAccessToken = patternRule({
  id: 'braintree-sandbox-access-token',
  name: 'PayPal Braintree access token (sandbox)',
  docs: DOCS,
  keywords: ['access_token$sandbox'],
  reach: { privilege: 'write', scope: 'a Braintree sandbox merchant account', lifetime: 'unbounded', testMode: true },
  pattern: SANDBOX,
  body: (s) => s.slice(s.lastIndexOf('$') + 1),
  examples: () => ({ match: placements(token('sandbox'), 'BRAINTREE_ACCESS_TOKEN'), ignore: [token('production'), 'access_token$sandbox$xxxxxxxxxxxxxxxx$xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'] }),
});
