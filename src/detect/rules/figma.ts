/** Figma personal access tokens: `figd_` + 40. */
import { BASE64URL } from './gen.js';
import { prefixedTokenRule } from './kit.js';

// https://www.figma.com/developers/api#access-tokens — `figd_` + base64url.
export const figmaPat = prefixedTokenRule({
  id: 'figma-pat',
  name: 'Figma personal access token',
  docs: 'https://www.figma.com/developers/api#access-tokens',
  prefixes: ['figd_'],
  charset: 'A-Za-z0-9_-',
  length: [40, 48],
  alphabet: BASE64URL,
  exampleLength: 40,
  envName: 'FIGMA_TOKEN',
  reach: { privilege: 'read', scope: 'the user’s Figma files and comments (design IP)', lifetime: 'months' },
});
