/** Datadog API keys (32 hex) and application keys (40 hex): unprefixed, so they need their names. */
import { HEX, randomBody } from './gen.js';
import { namedValuePattern, patternRule } from './kit.js';

// https://docs.datadoghq.com/account_management/api-app-keys/#api-keys — 32 hex, named DD_API_KEY / datadog api_key.
const API_KEY = namedValuePattern('datadog|\\bdd', 'api[_-]?key', '[a-f0-9]{32}');

export const datadogApiKey = patternRule({
  id: 'datadog-api-key',
  name: 'Datadog API key',
  docs: 'https://docs.datadoghq.com/account_management/api-app-keys/#api-keys',
  keywords: ['datadog', 'dd_api_key', 'dd-api-key', 'ddapikey'],
  reach: { privilege: 'write', scope: 'submits metrics, logs and events to a Datadog organisation', lifetime: 'unbounded' },
  pattern: API_KEY,
  group: 1,
  examples: () => ({
    match: [`DD_API_KEY=${randomBody(HEX, 32)}`, `datadog:\n  api_key: "${randomBody(HEX, 32)}"`],
    ignore: ['DD_API_KEY=<DATADOG_API_KEY>', `api_key=${randomBody(HEX, 32)}`, 'DD_API_KEY=00000000000000000000000000000000'],
  }),
});

// https://docs.datadoghq.com/account_management/api-app-keys/#application-keys — 40 hex, named DD_APP_KEY / application_key.
const APP_KEY = namedValuePattern('datadog|\\bdd', 'app(?:lication)?[_-]?key', '[a-f0-9]{40}');

export const datadogAppKey = patternRule({
  id: 'datadog-app-key',
  name: 'Datadog application key',
  docs: 'https://docs.datadoghq.com/account_management/api-app-keys/#application-keys',
  keywords: ['datadog', 'dd_app', 'dd-app', 'ddapp'],
  reach: { privilege: 'admin', scope: 'a Datadog organisation’s API as the key’s owner (read all data, change monitors)', lifetime: 'unbounded' },
  pattern: APP_KEY,
  group: 1,
  examples: () => ({
    match: [`DD_APP_KEY=${randomBody(HEX, 40)}`, `datadog_application_key = "${randomBody(HEX, 40)}"`],
    ignore: ['DD_APP_KEY=${DD_APP_KEY}', `app_key=${randomBody(HEX, 40)}`],
  }),
});
