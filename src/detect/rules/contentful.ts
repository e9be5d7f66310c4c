/** Contentful personal access tokens: `CFPAT-` + 43. */
import { BASE64URL } from './gen.js';
import { prefixedTokenRule } from './kit.js';

// https://www.contentful.com/developers/docs/references/authentication/#the-content-management-api — `CFPAT-` + 43 base64url.
export const contentfulPat = prefixedTokenRule({
  id: 'contentful-pat',
  name: 'Contentful personal access token (Content Management API)',
  docs: 'https://www.contentful.com/developers/docs/references/authentication/#the-content-management-api',
  prefixes: ['CFPAT-'],
  charset: 'A-Za-z0-9_-',
  length: 43,
  alphabet: BASE64URL,
  envName: 'CONTENTFUL_MANAGEMENT_TOKEN',
  reach: { privilege: 'admin', scope: 'every Contentful space of the user (publish and delete content)', lifetime: 'unbounded' },
});
