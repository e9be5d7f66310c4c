/** Perplexity API keys. */
import { ALNUM } from './gen.js';
import { prefixedTokenRule } from './kit.js';

// https://docs.perplexity.ai/guides/getting-started — `pplx-` + 48 base62.
export const perplexityApiKey = prefixedTokenRule({
  id: 'perplexity-api-key',
  name: 'Perplexity API key',
  docs: 'https://docs.perplexity.ai/guides/getting-started',
  prefixes: ['pplx-'],
  charset: 'A-Za-z0-9',
  length: 48,
  alphabet: ALNUM,
  envName: 'PERPLEXITY_API_KEY',
  reach: { privilege: 'write', scope: 'a Perplexity account’s API usage, billed to it', lifetime: 'unbounded' },
});
