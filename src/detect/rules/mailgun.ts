/** Mailgun private API keys (legacy `key-` + 32 hex, or 32 hex-8 hex-8 hex), named by "mailgun". */
import { HEX, randomBody } from './gen.js';
import { namedValuePattern, patternRule } from './kit.js';

// https://documentation.mailgun.com/docs/mailgun/user-manual/get-started/#primary-account-api-key — named MAILGUN_API_KEY & co.
const KEY = namedValuePattern('mailgun', '(?:api[_-]?|private[_-]?|signing[_-]?)?(?:key|token|secret)', '(?:key-)?[a-f0-9]{32}(?:-[a-f0-9]{8}-[a-f0-9]{8})?');

export const mailgunApiKey = patternRule({
  id: 'mailgun-api-key',
  name: 'Mailgun API key',
  docs: 'https://documentation.mailgun.com/docs/mailgun/user-manual/get-started/#primary-account-api-key',
  keywords: ['mailgun'],
  reach: { privilege: 'admin', scope: 'a Mailgun account: sends mail as its domains, reads logs and lists', lifetime: 'unbounded' },
  pattern: KEY,
  group: 1,
  body: (s) => s.replace(/^key-/, '').replace(/-/g, ''),
  examples: () => {
    const k = `${randomBody(HEX, 32)}-${randomBody(HEX, 8)}-${randomBody(HEX, 8)}`;
    return {
      match: [`MAILGUN_API_KEY=${k}`, `mailgun:\n  api_key: "key-${randomBody(HEX, 32)}"`],
      ignore: ['MAILGUN_API_KEY=key-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', `api_key=${k}`, 'MAILGUN_API_KEY=${MAILGUN_KEY}'],
    };
  },
});
