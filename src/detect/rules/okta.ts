/** Okta API tokens: `00` + 40 characters, only recognisable next to `SSWS` or an `okta…token` name. */
import { BASE64URL, randomBody } from './gen.js';
import { patternRule } from './kit.js';

// https://developer.okta.com/docs/guides/create-an-api-token/main/ — `Authorization: SSWS 00…` (42 chars), no distinctive prefix.
const TOKEN = /(?:SSWS\s{1,4}|okta[\w.-]{0,30}?(?:api[_-]?)?(?:token|key)["']?\s{0,4}(?::|=|=>)\s{0,4}["']?)(00[A-Za-z0-9_-]{40})(?![A-Za-z0-9_-])/gi;

export const oktaApiToken = patternRule({
  id: 'okta-api-token',
  name: 'Okta API token',
  docs: 'https://developer.okta.com/docs/guides/create-an-api-token/main/',
  keywords: ['SSWS', 'okta'],
  reach: { privilege: 'admin', scope: 'an Okta org with the creating admin’s privileges (users, apps, policies)', lifetime: 'days' },
  pattern: TOKEN,
  group: 1,
  body: (s) => s.slice(2),
  examples: () => {
    const t = `00${randomBody(BASE64URL, 40)}`;
    return {
      match: [`curl -H "Authorization: SSWS ${t}" https://acme.okta.com/api/v1/users`, `OKTA_API_TOKEN=00${randomBody(BASE64URL, 40)}`],
      ignore: ['Authorization: SSWS ${OKTA_API_TOKEN}', `OKTA_API_TOKEN=00${'x'.repeat(40)}`, `token=${t}`],
    };
  },
});
