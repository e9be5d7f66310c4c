/**
 * Atlassian: API tokens (`ATATT3…`, Jira/Confluence Cloud as the user), Bitbucket app passwords
 * (`ATBB…`), and legacy unprefixed 24-character API tokens named by jira/confluence/atlassian.
 */
import { ALNUM, BASE64URL, HEX, randomBody } from './gen.js';
import { namedValuePattern, patternRule, prefixedTokenRule } from './kit.js';

// https://support.atlassian.com/atlassian-account/docs/manage-api-tokens-for-your-atlassian-account/ — `ATATT3` + 186 (192 chars).
export const atlassianApiToken = prefixedTokenRule({
  id: 'atlassian-api-token',
  name: 'Atlassian API token',
  docs: 'https://support.atlassian.com/atlassian-account/docs/manage-api-tokens-for-your-atlassian-account/',
  prefixes: ['ATATT3'],
  charset: 'A-Za-z0-9_=-',
  length: 186,
  alphabet: BASE64URL,
  exampleLength: 177,
  exampleToken: (p, b) => `${p}${b}=${randomBody(HEX.toUpperCase(), 8)}`,
  envName: 'JIRA_API_TOKEN',
  reach: { privilege: 'admin', scope: 'Jira, Confluence and other Atlassian Cloud products as the user', lifetime: 'months' },
});

// https://support.atlassian.com/bitbucket-cloud/docs/app-passwords/ — app passwords `ATBB` + 32.
export const bitbucketAppPassword = prefixedTokenRule({
  id: 'bitbucket-app-password',
  name: 'Bitbucket app password',
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/app-passwords/',
  prefixes: ['ATBB'],
  charset: 'A-Za-z0-9',
  length: 32,
  alphabet: ALNUM,
  envName: 'BITBUCKET_APP_PASSWORD',
  reach: { privilege: 'write', scope: 'Bitbucket Cloud repositories and pipelines of the user', lifetime: 'unbounded' },
});

// https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/ — legacy 24-char tokens, named by product.
const LEGACY = namedValuePattern('jira|confluence|atlassian', '(?:api[_-]?)?(?:token|key)', '[A-Za-z0-9]{24}');

export const atlassianLegacyApiToken = patternRule({
  id: 'atlassian-legacy-api-token',
  name: 'Atlassian API token (legacy, unprefixed)',
  docs: 'https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/',
  // Not the bare product names: "jira" occurs thousands of times in a Jira export; the variable
  // names that hold a token are rare.
  keywords: [
    'jira_api', 'jira-api', 'jiraapi', 'jira_token', 'jira-token', 'jiratoken',
    'confluence_api', 'confluence-api', 'confluenceapi', 'confluence_token', 'confluence-token', 'confluencetoken',
    'atlassian_api', 'atlassian-api', 'atlassianapi', 'atlassian_token', 'atlassian-token', 'atlassiantoken',
    'api_token',
  ],
  reach: { privilege: 'admin', scope: 'Jira and Confluence Cloud as the user', lifetime: 'unbounded' },
  priority: -1,
  pattern: LEGACY,
  group: 1,
  minEntropy: 3.5,
  // A real token mixes cases and digits; identifiers and words do not.
  verify: (s) => /[a-z]/.test(s) && /[A-Z]/.test(s) && /[0-9]/.test(s),
  examples: () => {
    const t = randomBody(ALNUM, 24).replace(/^(.)(.)(.)/, 'a1B');
    return {
      match: [`JIRA_API_TOKEN=${t}`, `confluence:\n  api_token: "${t}"`, `jiraToken = '${t}'`],
      ignore: ['JIRA_API_TOKEN=yourJiraApiTokenGoesHere1', 'jira_project_key=ABCDEFGHIJKLMNOPQRSTUVWX', `api_token=${t}`, 'JIRA_TOKEN=${JIRA_TOKEN}'],
    };
  },
});
