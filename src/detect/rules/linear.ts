/** Linear API keys (`lin_api_`) and OAuth tokens (`lin_oauth_`). */
import { ALNUM, HEX } from './gen.js';
import { prefixedTokenRule } from './kit.js';

// https://linear.app/developers/graphql#personal-api-keys — `lin_api_` + 40 base62.
export const linearApiKey = prefixedTokenRule({
  id: 'linear-api-key',
  name: 'Linear personal API key',
  docs: 'https://linear.app/developers/graphql#personal-api-keys',
  prefixes: ['lin_api_'],
  charset: 'A-Za-z0-9',
  length: 40,
  alphabet: ALNUM,
  envName: 'LINEAR_API_KEY',
  reach: { privilege: 'write', scope: 'a Linear workspace as the user (issues, projects, comments)', lifetime: 'unbounded' },
});

// https://linear.app/developers/oauth-2-0-authentication — OAuth access tokens `lin_oauth_` + 64 hex.
export const linearOauthToken = prefixedTokenRule({
  id: 'linear-oauth-token',
  name: 'Linear OAuth access token',
  docs: 'https://linear.app/developers/oauth-2-0-authentication',
  prefixes: ['lin_oauth_'],
  charset: 'a-f0-9',
  length: 64,
  alphabet: HEX,
  envName: 'LINEAR_TOKEN',
  reach: { privilege: 'write', scope: 'a Linear workspace through an OAuth application', lifetime: 'unbounded' },
});
