/** Notion integration tokens: `ntn_` (current) and `secret_` (legacy). */
import { ALNUM, DIGITS, randomBody } from './gen.js';
import { prefixedTokenRule } from './kit.js';

const DOCS = 'https://developers.notion.com/docs/authorization';

// https://developers.notion.com/docs/authorization — internal integration tokens `ntn_` + 11 digits + 35 base62.
export const notionIntegrationToken = prefixedTokenRule({
  id: 'notion-integration-token',
  name: 'Notion integration token',
  docs: DOCS,
  prefixes: ['ntn_'],
  charset: 'A-Za-z0-9',
  length: 46,
  alphabet: ALNUM,
  exampleLength: 35,
  exampleToken: (p, b) => `${p}${randomBody(DIGITS, 11)}${b}`,
  body: (s) => s.slice(15),
  envName: 'NOTION_TOKEN',
  reach: { privilege: 'write', scope: 'the Notion pages and databases shared with the integration', lifetime: 'unbounded' },
});

// https://developers.notion.com/docs/authorization — legacy internal integration tokens `secret_` + 43 base62.
export const notionLegacyIntegrationToken = prefixedTokenRule({
  id: 'notion-legacy-integration-token',
  name: 'Notion integration token (legacy secret_ form)',
  docs: DOCS,
  prefixes: ['secret_'],
  charset: 'A-Za-z0-9',
  length: 43,
  alphabet: ALNUM,
  envName: 'NOTION_TOKEN',
  reach: { privilege: 'write', scope: 'the Notion pages and databases shared with the integration', lifetime: 'unbounded' },
  // A real token mixes cases and digits; `secret_` + an identifier does not.
  verify: (s) => /[a-z]/.test(s.slice(7)) && /[A-Z]/.test(s) && /[0-9]/.test(s),
  moreIgnore: () => ['client_secret_key_for_the_integration_used_in_tests', 'secret_ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQ'],
});
