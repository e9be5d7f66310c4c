/** Brevo (formerly Sendinblue) API and SMTP keys. */
import { ALNUM, HEX, randomBody } from './gen.js';
import { prefixedTokenRule } from './kit.js';

// https://developers.brevo.com/docs/getting-started — `xkeysib-` (API) / `xsmtpsib-` (SMTP) + 64 hex + `-` + 16 base62.
export const brevoApiKey = prefixedTokenRule({
  id: 'brevo-api-key',
  name: 'Brevo (Sendinblue) API or SMTP key',
  docs: 'https://developers.brevo.com/docs/getting-started',
  prefixes: ['xkeysib-', 'xsmtpsib-'],
  charset: 'a-zA-Z0-9-',
  length: 81,
  alphabet: HEX,
  exampleLength: 64,
  exampleToken: (p, hex) => `${p}${hex}-${randomBody(ALNUM, 16)}`,
  body: (s) => s.replace(/^x(?:keysib|smtpsib)-/, '').replace('-', ''),
  verify: (s) => /^x(?:keysib|smtpsib)-[0-9a-f]{64}-[A-Za-z0-9]{16}$/.test(s),
  envName: 'BREVO_API_KEY',
  reach: { privilege: 'admin', scope: 'a Brevo account: sends mail and SMS as the organisation, reads contacts', lifetime: 'unbounded' },
});
