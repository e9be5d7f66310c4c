/** Postman API keys: `PMAK-` + 24 hex + `-` + 34 hex. */
import { HEX, placements, randomBody, redactedForms } from './gen.js';
import { patternRule } from './kit.js';

// https://learning.postman.com/docs/developer/postman-api/authentication/ — `PMAK-` + 24 hex + `-` + 34 hex.
const KEY = /(?<![A-Za-z0-9_-])PMAK-[a-f0-9]{24}-[a-f0-9]{34}(?![A-Za-z0-9_-])/g;

export const postmanApiKey = patternRule({
  id: 'postman-api-key',
  name: 'Postman API key',
  docs: 'https://learning.postman.com/docs/developer/postman-api/authentication/',
  keywords: ['PMAK-'],
  reach: { privilege: 'write', scope: 'the user’s Postman workspaces, collections and environments (often full of other secrets)', lifetime: 'unbounded' },
  pattern: KEY,
  body: (s) => s.slice(5).replace('-', ''),
  examples: () => {
    const k = `PMAK-${randomBody(HEX, 24)}-${randomBody(HEX, 34)}`;
    return { match: placements(k, 'POSTMAN_API_KEY'), ignore: ['POSTMAN_API_KEY=PMAK-xxxxxxxxxxxxxxxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', ...redactedForms(k, 5)] };
  },
});
