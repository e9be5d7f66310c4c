/**
 * GitHub tokens. The five `gh?_` families carry a CRC32 checksum of their 30 random characters in
 * their last 6 (base62): a token whose checksum fails was never issued, so it is not a finding.
 * Fine-grained PATs have no documented checksum; their fixed shape is the signal.
 */
import { verifyBase62Crc32Token } from '../checksum.js';
import type { CredentialReach, Detector } from '../types.js';
import { ALNUM, badChecksumToken, base62ChecksumToken, placements, randomBody, redactedForms } from './gen.js';
import { patternRule } from './kit.js';

const DOCS = 'https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/about-authentication-to-github#githubs-token-formats';

function checksummed(prefix: string, id: string, name: string, reach: CredentialReach): Detector {
  // https://github.blog/engineering/behind-githubs-new-authentication-token-formats/ — prefix + 30 random + 6 CRC32 (base62).
  // A word character on either side means the string is part of something longer.
  const pattern = new RegExp(`(?<![A-Za-z0-9_])${prefix}[A-Za-z0-9]{36}(?![A-Za-z0-9_])`, 'g');
  return patternRule({
    id,
    name,
    docs: DOCS,
    keywords: [prefix],
    reach,
    pattern,
    body: (s) => s.slice(prefix.length, prefix.length + 30),
    verify: (s) => verifyBase62Crc32Token(s, prefix.length),
    examples: () => {
      const t = base62ChecksumToken(prefix);
      return {
        match: [...placements(t, 'GITHUB_TOKEN'), `remote: https://x-access-token:${t}@github.com/acme/app.git`],
        ignore: [
          badChecksumToken(prefix),
          `${prefix}16C7e42F292c6912E7710c838347Ae178B4a`,
          `${t}extra`,
          `x${t}`,
          ...redactedForms(t, prefix.length),
        ],
      };
    },
  });
}

export const githubClassicPat = checksummed('ghp_', 'github-classic-pat', 'GitHub personal access token (classic)', {
  privilege: 'admin',
  scope: "every repository and organisation the user can reach, limited by the token's scopes",
  lifetime: 'unbounded',
});

export const githubOauthToken = checksummed('gho_', 'github-oauth-token', 'GitHub OAuth app access token', {
  privilege: 'write',
  scope: 'the scopes a user granted an OAuth app',
  lifetime: 'unbounded',
});

export const githubUserToServerToken = checksummed('ghu_', 'github-user-to-server-token', 'GitHub App user-to-server token', {
  privilege: 'write',
  scope: 'a GitHub App acting on behalf of a user',
  lifetime: 'hours',
});

export const githubServerToServerToken = checksummed('ghs_', 'github-server-to-server-token', 'GitHub App installation token (incl. Actions GITHUB_TOKEN)', {
  privilege: 'write',
  scope: 'the repositories of one GitHub App installation',
  lifetime: 'hours',
});

export const githubRefreshToken = checksummed('ghr_', 'github-refresh-token', 'GitHub App refresh token', {
  privilege: 'write',
  scope: 'mints new user-to-server tokens for a GitHub App',
  lifetime: 'months',
});

// https://github.blog/changelog/2022-10-18-introducing-fine-grained-personal-access-tokens/ — `github_pat_` + 22 + `_` + 59 (may grow).
const FINE_GRAINED = /(?<![A-Za-z0-9_])github_pat_([A-Za-z0-9]{22,40})_([A-Za-z0-9]{59,200})(?![A-Za-z0-9_])/g;

export const githubFineGrainedPat = patternRule({
  id: 'github-fine-grained-pat',
  name: 'GitHub fine-grained personal access token',
  docs: 'https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens#fine-grained-personal-access-tokens',
  keywords: ['github_pat_'],
  reach: { privilege: 'write', scope: 'selected repositories of one owner, with explicit permissions', lifetime: 'months' },
  pattern: FINE_GRAINED,
  body: (s) => s.slice('github_pat_'.length).replace('_', ''),
  examples: () => {
    const t = `github_pat_${randomBody(ALNUM, 22)}_${randomBody(ALNUM, 59)}`;
    return {
      match: placements(t, 'GH_PAT'),
      ignore: [`github_pat_${randomBody(ALNUM, 22)}_${randomBody(ALNUM, 20)}`, ...redactedForms(t, 'github_pat_'.length), `github_pat_11AAAAAAAAAAAAAAAAAAAAAA_${'A'.repeat(59)}`],
    };
  },
});
