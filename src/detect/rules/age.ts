/** age encryption secret keys: `AGE-SECRET-KEY-1` + 58 Bech32 characters, checksum verified. */
import { randomBytes } from 'node:crypto';
import { encodeBech32, toWords, verifyBech32 } from '../checksum.js';
import { placements } from './gen.js';
import { patternRule } from './kit.js';

// https://github.com/FiloSottile/age#readme — X25519 identities: Bech32 with HRP `AGE-SECRET-KEY-` (upper case), 32-byte payload.
const KEY = /(?<![A-Za-z0-9_-])AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}(?![A-Za-z0-9_-])/g;

export const ageSecretKey = patternRule({
  id: 'age-secret-key',
  name: 'age secret key',
  docs: 'https://github.com/FiloSottile/age#readme',
  keywords: ['AGE-SECRET-KEY-1'],
  reach: { privilege: 'admin', scope: 'decrypts every file encrypted to the matching age recipient (SOPS secrets, backups)', lifetime: 'unbounded' },
  pattern: KEY,
  body: (s) => s.slice(16, -6),
  verify: (s) => verifyBech32(s),
  examples: () => {
    const k = encodeBech32('AGE-SECRET-KEY-', toWords(randomBytes(32))).toUpperCase();
    const broken = k.slice(0, -1) + (k.endsWith('Q') ? 'P' : 'Q');
    return { match: [...placements(k, 'SOPS_AGE_KEY'), `# created: 2024-01-01T00:00:00Z\n${k}`], ignore: [broken, 'AGE-SECRET-KEY-1XXXXXXXX'] };
  },
});
