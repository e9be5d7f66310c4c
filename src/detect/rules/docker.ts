/** Docker Hub personal and organisation access tokens. */
import { BASE64URL } from './gen.js';
import { prefixedTokenRule } from './kit.js';

// https://docs.docker.com/security/for-developers/access-tokens/ — `dckr_pat_` (personal) / `dckr_oat_` (organisation) + base64url.
export const dockerHubAccessToken = prefixedTokenRule({
  id: 'dockerhub-access-token',
  name: 'Docker Hub access token',
  docs: 'https://docs.docker.com/security/for-developers/access-tokens/',
  prefixes: ['dckr_pat_', 'dckr_oat_'],
  charset: 'A-Za-z0-9_-',
  length: [27, 40],
  alphabet: BASE64URL,
  exampleLength: 27,
  envName: 'DOCKERHUB_TOKEN',
  reach: { privilege: 'write', scope: 'pushes and pulls the owner’s Docker Hub images (supply-chain compromise)', lifetime: 'unbounded' },
});
