/**
 * Twilio. Account SIDs (`AC…`) and API key SIDs (`SK…`) are identifiers; the secrets — the account
 * auth token and an API key's secret — are 32 unprefixed characters, so both rules need the word
 * "twilio" in the variable or key that names the value.
 */
import { ALNUM, HEX, randomBody } from './gen.js';
import { namedValuePattern, patternRule } from './kit.js';

// https://www.twilio.com/docs/iam/api/authtoken — auth token: 32 hex, named e.g. TWILIO_AUTH_TOKEN.
const AUTH_TOKEN = namedValuePattern('twilio', '(?:auth[_-]?)?token', '[a-f0-9]{32}');

export const twilioAuthToken = patternRule({
  id: 'twilio-auth-token',
  name: 'Twilio account auth token',
  docs: 'https://www.twilio.com/docs/iam/api/authtoken',
  keywords: ['twilio'],
  reach: { privilege: 'owner', scope: 'a Twilio account (messages, calls, numbers, subaccounts, billing)', lifetime: 'unbounded' },
  pattern: AUTH_TOKEN,
  group: 1,
  examples: () => {
    const t = randomBody(HEX, 32);
    return {
      match: [`TWILIO_AUTH_TOKEN=${t}`, `twilio:\n  auth_token: "${t}"`, `{"twilioAuthToken": "${randomBody(HEX, 32)}"}`],
      ignore: ['TWILIO_AUTH_TOKEN=your_auth_token', 'TWILIO_AUTH_TOKEN=00000000000000000000000000000000', `auth_token=${t}`, `TWILIO_AUTH_TOKEN=${t.slice(0, 12)}...`],
    };
  },
});

// https://www.twilio.com/docs/iam/api-keys — API key secret: 32 base62, named e.g. TWILIO_API_SECRET.
const API_SECRET = namedValuePattern('twilio', '(?:api[_-]?)?(?:key[_-]?)?secret', '[A-Za-z0-9]{32}');

export const twilioApiKey = patternRule({
  id: 'twilio-api-key',
  name: 'Twilio API key secret',
  docs: 'https://www.twilio.com/docs/iam/api-keys',
  keywords: ['twilio'],
  reach: { privilege: 'admin', scope: 'a Twilio account or subaccount through one API key (standard or main)', lifetime: 'unbounded' },
  pattern: API_SECRET,
  group: 1,
  verify: (_s, text, start) => (/SK[0-9a-f]{32}/.test(text.slice(Math.max(0, start - 300), start)) ? { pair: 'twilio-api-key-sid' } : true),
  examples: () => {
    const s = randomBody(ALNUM, 32);
    return {
      match: [`TWILIO_API_KEY=SK${randomBody(HEX, 32)}\nTWILIO_API_SECRET=${s}`, `twilio_api_secret: '${randomBody(ALNUM, 32)}'`],
      ignore: ['TWILIO_API_SECRET=<your api secret>', `api_secret=${s}`, 'TWILIO_API_SECRET=abcdefghijklmnopqrstuvwxyz012345'],
    };
  },
});
