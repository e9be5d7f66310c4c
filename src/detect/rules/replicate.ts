/** Replicate API tokens. */
import { ALNUM } from './gen.js';
import { prefixedTokenRule } from './kit.js';

// https://replicate.com/docs/topics/security/api-tokens — `r8_` + 37 base62.
export const replicateApiToken = prefixedTokenRule({
  id: 'replicate-api-token',
  name: 'Replicate API token',
  docs: 'https://replicate.com/docs/topics/security/api-tokens',
  prefixes: ['r8_'],
  charset: 'A-Za-z0-9',
  length: 37,
  alphabet: ALNUM,
  envName: 'REPLICATE_API_TOKEN',
  reach: { privilege: 'write', scope: 'runs and manages models on the owner’s Replicate account, billed to it', lifetime: 'unbounded' },
});
