/** Heroku API keys: the `HRKU-` format and legacy UUID keys named by "heroku". */
import { BASE64URL, HEX, randomBody } from './gen.js';
import { namedValuePattern, patternRule, prefixedTokenRule } from './kit.js';

// https://devcenter.heroku.com/articles/authentication — current API keys `HRKU-AA` + 58 base64url.
export const herokuApiKey = prefixedTokenRule({
  id: 'heroku-api-key',
  name: 'Heroku API key',
  docs: 'https://devcenter.heroku.com/articles/authentication',
  prefixes: ['HRKU-AA'],
  keywords: ['HRKU-'],
  charset: 'A-Za-z0-9_-',
  length: 58,
  alphabet: BASE64URL,
  envName: 'HEROKU_API_KEY',
  reach: { privilege: 'admin', scope: 'every Heroku app of the user (config vars with their secrets, deploys)', lifetime: 'unbounded' },
});

const uuid = (): string => `${randomBody(HEX, 8)}-${randomBody(HEX, 4)}-4${randomBody(HEX, 3)}-a${randomBody(HEX, 3)}-${randomBody(HEX, 12)}`;

// https://devcenter.heroku.com/articles/authentication — legacy keys are UUIDs, recognisable only by their name (HEROKU_API_KEY).
const LEGACY = namedValuePattern('heroku', '(?:api[_-]?)?(?:key|token)', '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}');

export const herokuLegacyApiKey = patternRule({
  id: 'heroku-legacy-api-key',
  name: 'Heroku API key (legacy UUID)',
  docs: 'https://devcenter.heroku.com/articles/authentication',
  keywords: ['heroku'],
  reach: { privilege: 'admin', scope: 'every Heroku app of the user', lifetime: 'unbounded' },
  pattern: LEGACY,
  group: 1,
  body: (s) => s.replace(/-/g, ''),
  examples: () => ({
    match: [`HEROKU_API_KEY=${uuid()}`, `heroku:\n  api_key: "${uuid()}"`],
    ignore: ['HEROKU_API_KEY=00000000-0000-0000-0000-000000000000', `api_key=${uuid()}`, 'HEROKU_API_KEY=<your key>'],
  }),
});
