/** Groq API keys. */
import { ALNUM } from './gen.js';
import { prefixedTokenRule } from './kit.js';

// https://console.groq.com/docs/api-keys — `gsk_` + 52 base62.
export const groqApiKey = prefixedTokenRule({
  id: 'groq-api-key',
  name: 'Groq API key',
  docs: 'https://console.groq.com/docs/api-keys',
  prefixes: ['gsk_'],
  charset: 'A-Za-z0-9',
  length: 52,
  alphabet: ALNUM,
  envName: 'GROQ_API_KEY',
  reach: { privilege: 'write', scope: 'a Groq organisation’s inference usage, billed to it', lifetime: 'unbounded' },
});
