/** Databricks personal access tokens: `dapi` + 32 hex (optionally `-<n>`). */
import { HEX, placements, randomBody, redactedForms } from './gen.js';
import { patternRule } from './kit.js';

// https://docs.databricks.com/en/dev-tools/auth/pat.html — `dapi` + 32 hex, sometimes suffixed `-2`.
const PAT = /(?<![A-Za-z0-9_-])dapi[a-f0-9]{32}(?:-[0-9]{1,2})?(?![A-Za-z0-9_-])/g;

export const databricksToken = patternRule({
  id: 'databricks-token',
  name: 'Databricks personal access token',
  docs: 'https://docs.databricks.com/en/dev-tools/auth/pat.html',
  keywords: ['dapi'],
  reach: { privilege: 'admin', scope: 'a Databricks workspace as the user (notebooks, clusters, data)', lifetime: 'months' },
  pattern: PAT,
  body: (s) => s.slice(4, 36),
  examples: () => {
    const t = `dapi${randomBody(HEX, 32)}`;
    return { match: [...placements(t, 'DATABRICKS_TOKEN'), `token = ${t}-2`], ignore: ['DATABRICKS_TOKEN=dapiXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX', `rapidapi${randomBody(HEX, 32)}`, ...redactedForms(t, 4)] };
  },
});
