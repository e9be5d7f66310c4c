/** Mailchimp Marketing API keys: 32 hex + `-us` + datacenter number. */
import { HEX, placements, randomBody } from './gen.js';
import { patternRule } from './kit.js';

// https://mailchimp.com/developer/marketing/guides/quick-start/#generate-your-api-key — 32 hex + `-us<dc>`.
const KEY = /(?<![A-Za-z0-9_-])[0-9a-f]{32}-us[0-9]{1,2}(?![A-Za-z0-9_-])/g;

export const mailchimpApiKey = patternRule({
  id: 'mailchimp-api-key',
  name: 'Mailchimp API key',
  docs: 'https://mailchimp.com/developer/marketing/guides/quick-start/#generate-your-api-key',
  keywords: ['-us'],
  reach: { privilege: 'admin', scope: 'a Mailchimp account: audiences (personal data), campaigns, sending', lifetime: 'unbounded' },
  pattern: KEY,
  // The distinctive literal is in the middle of the token: look only around it.
  anchor: { literal: '-us', before: 32, after: 2 },
  body: (s) => s.slice(0, 32),
  verify: (s) => ({ datacenter: s.slice(33) }),
  examples: () => {
    const k = `${randomBody(HEX, 32)}-us${1 + Math.floor(Math.random() * 20)}`;
    return {
      match: placements(k, 'MAILCHIMP_API_KEY'),
      ignore: ['MAILCHIMP_API_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-us6', 'lang="en-us" charset="utf-8"', `${k.slice(0, 8)}…-us6`, `x${k}`],
    };
  },
});
