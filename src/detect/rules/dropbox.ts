/** Dropbox short-lived access tokens: `sl.` (and `sl.u.`) + long base64url. */
import { BASE64URL, randomBody } from './gen.js';
import { prefixedTokenRule } from './kit.js';

// https://developers.dropbox.com/oauth-guide — short-lived access tokens start `sl.` (newer `sl.u.`), 130+ characters.
export const dropboxAccessToken = prefixedTokenRule({
  id: 'dropbox-access-token',
  name: 'Dropbox access token',
  docs: 'https://developers.dropbox.com/oauth-guide',
  prefixes: ['sl.u.', 'sl.'],
  charset: 'A-Za-z0-9_-',
  length: [130, 1400],
  alphabet: BASE64URL,
  exampleLength: 140,
  envName: 'DROPBOX_TOKEN',
  reach: { privilege: 'write', scope: 'the user’s Dropbox files within the app’s permissions', lifetime: 'hours' },
  moreIgnore: () => ['ssl.certificate_verification=true', `openssl.${randomBody(BASE64URL, 140)}`],
});
