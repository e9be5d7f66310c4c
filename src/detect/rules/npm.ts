/**
 * npm access tokens: `npm_` + 30 random base62 + 6-character base62 CRC32 of the random part (the
 * GitHub scheme). A failed checksum means the string was never issued.
 */
import { verifyBase62Crc32Token } from '../checksum.js';
import { badChecksumToken, base62ChecksumToken, placements, redactedForms } from './gen.js';
import { patternRule } from './kit.js';

// https://github.blog/changelog/2021-09-23-npm-has-a-new-access-token-format/ — `npm_` + 30 random + 6 CRC32 (base62).
const NPM = /(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/g;

export const npmAccessToken = patternRule({
  id: 'npm-access-token',
  name: 'npm access token',
  docs: 'https://docs.npmjs.com/about-access-tokens',
  keywords: ['npm_'],
  reach: { privilege: 'write', scope: 'publishes packages as the npm user or organisation (supply-chain compromise)', lifetime: 'unbounded' },
  pattern: NPM,
  body: (s) => s.slice(4, 34),
  verify: (s) => verifyBase62Crc32Token(s, 4),
  examples: () => {
    const t = base62ChecksumToken('npm_');
    return {
      match: [...placements(t, 'NPM_TOKEN'), `//registry.npmjs.org/:_authToken=${t}`],
      ignore: [badChecksumToken('npm_'), '//registry.npmjs.org/:_authToken=${NPM_TOKEN}', 'npm_config_cache=/tmp/npm_cache_0123456789abcdef01234567', ...redactedForms(t, 4)],
    };
  },
});
