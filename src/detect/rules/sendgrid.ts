/** SendGrid API keys: `SG.` + 22 (key id) + `.` + 43 (secret), base64url. */
import { BASE64URL, placements, randomBody, redactedForms } from './gen.js';
import { patternRule } from './kit.js';

// https://www.twilio.com/docs/sendgrid/ui/account-and-settings/api-keys — `SG.` + 22 + `.` + 43 (69 chars).
const KEY = /(?<![A-Za-z0-9_-])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;

export const sendgridApiKey = patternRule({
  id: 'sendgrid-api-key',
  name: 'SendGrid API key',
  docs: 'https://www.twilio.com/docs/sendgrid/ui/account-and-settings/api-keys',
  keywords: ['SG.'],
  reach: { privilege: 'write', scope: 'sends mail as the organisation’s domains (phishing) and reads its contacts', lifetime: 'unbounded' },
  pattern: KEY,
  body: (s) => s.slice(26),
  examples: () => {
    const k = `SG.${randomBody(BASE64URL, 22)}.${randomBody(BASE64URL, 43)}`;
    return { match: placements(k, 'SENDGRID_API_KEY'), ignore: ['SENDGRID_API_KEY=SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'msg.reply_to.address', ...redactedForms(k, 3)] };
  },
});
