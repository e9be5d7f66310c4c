/** New Relic user API keys (`NRAK-`) and insert keys (`NRII-`). Browser keys (`NRJS-`) are public by design. */
import { BASE64URL, UPPER_ALNUM } from './gen.js';
import { prefixedTokenRule } from './kit.js';

// https://docs.newrelic.com/docs/apis/intro-apis/new-relic-api-keys/#user-key — `NRAK-` + 27 upper-case base36.
export const newrelicUserApiKey = prefixedTokenRule({
  id: 'newrelic-user-api-key',
  name: 'New Relic user API key',
  docs: 'https://docs.newrelic.com/docs/apis/intro-apis/new-relic-api-keys/#user-key',
  prefixes: ['NRAK-'],
  charset: 'A-Z0-9',
  length: 27,
  alphabet: UPPER_ALNUM,
  envName: 'NEW_RELIC_API_KEY',
  reach: { privilege: 'admin', scope: 'New Relic accounts of the user through NerdGraph (config, alerts, data)', lifetime: 'unbounded' },
});

// https://docs.newrelic.com/docs/apis/intro-apis/new-relic-api-keys/#insights-insert-key — insert keys `NRII-` + 32.
export const newrelicInsertKey = prefixedTokenRule({
  id: 'newrelic-insert-key',
  name: 'New Relic insert key',
  docs: 'https://docs.newrelic.com/docs/apis/intro-apis/new-relic-api-keys/#insights-insert-key',
  prefixes: ['NRII-'],
  charset: 'A-Za-z0-9_-',
  length: 32,
  alphabet: BASE64URL,
  envName: 'NEW_RELIC_INSERT_KEY',
  reach: { privilege: 'write', scope: 'writes events into a New Relic account (data poisoning, cost)', lifetime: 'unbounded' },
});
