/** Doppler tokens: `dp.<kind>.` + 40+ base62 (service tokens embed the config name: `dp.st.<config>.`). */
import { ALNUM, placements, randomBody, redactedForms } from './gen.js';
import { patternRule } from './kit.js';

const KINDS: Record<string, string> = { pt: 'personal', st: 'service', ct: 'cli', sa: 'service-account', scim: 'scim', audit: 'audit' };

// https://docs.doppler.com/reference/auth-token-formats — `dp.pt.` personal, `dp.st.[config.]` service, `dp.ct.` CLI, `dp.sa.`, `dp.scim.`, `dp.audit.`.
const TOKEN = /(?<![A-Za-z0-9_.-])dp\.(pt|st|ct|sa|scim|audit)\.(?:[a-z0-9_-]{1,40}\.)?[A-Za-z0-9]{40,44}(?![A-Za-z0-9_-])/g;

export const dopplerToken = patternRule({
  id: 'doppler-token',
  name: 'Doppler token',
  docs: 'https://docs.doppler.com/reference/auth-token-formats',
  keywords: ['dp.pt.', 'dp.st.', 'dp.ct.', 'dp.sa.', 'dp.scim.', 'dp.audit.'],
  reach: { privilege: 'admin', scope: 'Doppler projects and their secrets (personal/CLI tokens: everything the user can read)', lifetime: 'unbounded' },
  pattern: TOKEN,
  body: (s) => s.slice(s.lastIndexOf('.') + 1),
  verify: (s) => ({ tokenKind: KINDS[s.split('.')[1] ?? ''] ?? 'unknown' }),
  examples: () => {
    const t = `dp.pt.${randomBody(ALNUM, 43)}`;
    return { match: [...placements(t, 'DOPPLER_TOKEN'), `DOPPLER_TOKEN=dp.st.prd.${randomBody(ALNUM, 40)}`], ignore: ['DOPPLER_TOKEN=dp.st.xxxx', ...redactedForms(t, 6)] };
  },
});
