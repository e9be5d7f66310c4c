/** Grafana service account tokens (`glsa_`) and Grafana Cloud access policy tokens (`glc_`). */
import { ALNUM, BASE64, HEX, placements, randomBody, redactedForms } from './gen.js';
import { patternRule } from './kit.js';

// https://grafana.com/docs/grafana/latest/administration/service-accounts/ — `glsa_` + 32 base62 + `_` + 8 hex.
const SA = /(?<![A-Za-z0-9_-])glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}(?![A-Za-z0-9_-])/g;

export const grafanaServiceAccountToken = patternRule({
  id: 'grafana-service-account-token',
  name: 'Grafana service account token',
  docs: 'https://grafana.com/docs/grafana/latest/administration/service-accounts/',
  keywords: ['glsa_'],
  reach: { privilege: 'admin', scope: 'a Grafana instance with the service account’s role (dashboards, data sources)', lifetime: 'unbounded' },
  pattern: SA,
  body: (s) => s.slice(5, 37),
  examples: () => {
    const t = `glsa_${randomBody(ALNUM, 32)}_${randomBody(HEX, 8)}`;
    return { match: placements(t, 'GRAFANA_TOKEN'), ignore: ['GRAFANA_TOKEN=glsa_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx_xxxxxxxx', ...redactedForms(t, 5)] };
  },
});

// https://grafana.com/docs/grafana-cloud/account-management/authentication-and-permissions/access-policies/ — `glc_` + base64(JSON).
const CLOUD = /(?<![A-Za-z0-9_-])glc_eyJ[A-Za-z0-9+/]{29,800}={0,2}(?![A-Za-z0-9+/=_-])/g;

export const grafanaCloudToken = patternRule({
  id: 'grafana-cloud-token',
  name: 'Grafana Cloud access policy token',
  docs: 'https://grafana.com/docs/grafana-cloud/account-management/authentication-and-permissions/access-policies/',
  keywords: ['glc_'],
  reach: { privilege: 'write', scope: 'a Grafana Cloud stack within the access policy (metrics, logs, traces)', lifetime: 'months' },
  pattern: CLOUD,
  body: (s) => s.slice(4),
  examples: () => {
    const payload = Buffer.from(JSON.stringify({ o: randomBody('0123456789', 6), n: `stack-${randomBody(ALNUM, 6)}`, k: randomBody(ALNUM, 24), m: { r: 'prod-us-east-0' } })).toString('base64');
    const t = `glc_${payload}`;
    return { match: placements(t, 'GRAFANA_CLOUD_TOKEN'), ignore: ['GRAFANA_CLOUD_TOKEN=glc_<token>', `glc_eyJ${randomBody(BASE64, 10)}`] };
  },
});
