/** PlanetScale service tokens, database passwords and OAuth tokens. */
import { BASE64URL } from './gen.js';
import { prefixedTokenRule } from './kit.js';

// https://planetscale.com/docs/concepts/service-tokens — `pscale_tkn_` (service token) / `pscale_oauth_` + 43.
export const planetscaleToken = prefixedTokenRule({
  id: 'planetscale-token',
  name: 'PlanetScale service or OAuth token',
  docs: 'https://planetscale.com/docs/concepts/service-tokens',
  prefixes: ['pscale_tkn_', 'pscale_oauth_'],
  charset: 'A-Za-z0-9_=-',
  length: [32, 64],
  alphabet: BASE64URL,
  exampleLength: 43,
  envName: 'PLANETSCALE_SERVICE_TOKEN',
  reach: { privilege: 'admin', scope: 'PlanetScale organisation resources within the token’s permissions (branches, passwords)', lifetime: 'unbounded' },
});

// https://planetscale.com/docs/concepts/connection-strings — database passwords `pscale_pw_` + 43.
export const planetscalePassword = prefixedTokenRule({
  id: 'planetscale-password',
  name: 'PlanetScale database password',
  docs: 'https://planetscale.com/docs/concepts/connection-strings',
  prefixes: ['pscale_pw_'],
  charset: 'A-Za-z0-9_=-',
  length: [32, 64],
  alphabet: BASE64URL,
  exampleLength: 43,
  envName: 'DATABASE_PASSWORD',
  reach: { privilege: 'admin', scope: 'one PlanetScale database branch with the password’s role', lifetime: 'unbounded' },
});
