/** Hugging Face access tokens. */
import { UPPER, LOWER } from './gen.js';
import { prefixedTokenRule } from './kit.js';

// https://huggingface.co/docs/hub/security-tokens — user tokens `hf_` + 34 letters; legacy org tokens `api_org_`.
export const huggingfaceToken = prefixedTokenRule({
  id: 'huggingface-token',
  name: 'Hugging Face access token',
  docs: 'https://huggingface.co/docs/hub/security-tokens',
  prefixes: ['hf_', 'api_org_'],
  charset: 'A-Za-z',
  length: 34,
  alphabet: UPPER + LOWER,
  envName: 'HF_TOKEN',
  reach: { privilege: 'write', scope: 'the user’s Hugging Face models, datasets and Spaces (private ones included)', lifetime: 'unbounded' },
});
