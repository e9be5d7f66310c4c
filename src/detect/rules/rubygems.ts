/** RubyGems.org API keys: `rubygems_` + 48 hex. */
import { HEX } from './gen.js';
import { prefixedTokenRule } from './kit.js';

// https://guides.rubygems.org/api-key-scopes/ — `rubygems_` + 48 lowercase hex.
export const rubygemsApiKey = prefixedTokenRule({
  id: 'rubygems-api-key',
  name: 'RubyGems API key',
  docs: 'https://guides.rubygems.org/api-key-scopes/',
  prefixes: ['rubygems_'],
  charset: 'a-f0-9',
  length: 48,
  alphabet: HEX,
  envName: 'GEM_HOST_API_KEY',
  reach: { privilege: 'write', scope: 'pushes gems as the RubyGems.org user (supply-chain compromise)', lifetime: 'unbounded' },
});
