/** DigitalOcean personal access, OAuth and refresh tokens: `do?_v1_` + 64 hex. */
import { HEX } from './gen.js';
import { prefixedTokenRule } from './kit.js';

const DOCS = 'https://docs.digitalocean.com/reference/api/create-personal-access-token/';

// https://docs.digitalocean.com/reference/api/create-personal-access-token/ — `dop_v1_` + 64 hex.
export const digitaloceanPat = prefixedTokenRule({
  id: 'digitalocean-pat',
  name: 'DigitalOcean personal access token',
  docs: DOCS,
  prefixes: ['dop_v1_'],
  charset: 'a-f0-9',
  length: 64,
  alphabet: HEX,
  envName: 'DIGITALOCEAN_TOKEN',
  reach: { privilege: 'admin', scope: 'a DigitalOcean team: droplets, databases, DNS, storage', lifetime: 'months' },
});

// https://docs.digitalocean.com/reference/api/oauth/ — OAuth access tokens `doo_v1_` + 64 hex.
export const digitaloceanOauthToken = prefixedTokenRule({
  id: 'digitalocean-oauth-token',
  name: 'DigitalOcean OAuth access token',
  docs: 'https://docs.digitalocean.com/reference/api/oauth/',
  prefixes: ['doo_v1_'],
  charset: 'a-f0-9',
  length: 64,
  alphabet: HEX,
  envName: 'DO_OAUTH_TOKEN',
  reach: { privilege: 'admin', scope: 'a DigitalOcean team through an OAuth application', lifetime: 'days' },
});

// https://docs.digitalocean.com/reference/api/oauth/ — OAuth refresh tokens `dor_v1_` + 64 hex.
export const digitaloceanRefreshToken = prefixedTokenRule({
  id: 'digitalocean-refresh-token',
  name: 'DigitalOcean OAuth refresh token',
  docs: 'https://docs.digitalocean.com/reference/api/oauth/',
  prefixes: ['dor_v1_'],
  charset: 'a-f0-9',
  length: 64,
  alphabet: HEX,
  envName: 'DO_REFRESH_TOKEN',
  reach: { privilege: 'admin', scope: 'mints DigitalOcean OAuth access tokens', lifetime: 'unbounded' },
});
