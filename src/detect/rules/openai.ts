/**
 * OpenAI API keys. Every current key embeds `T3BlbkFJ` (base64 of "OpenAI") between two random
 * halves; project (`sk-proj-`), service-account (`sk-svcacct-`) and legacy (`sk-`) keys are one
 * rule, admin keys (`sk-admin-`, organisation management) another.
 */
import { ALNUM, BASE64URL, placements, randomBody, redactedForms } from './gen.js';
import { patternRule } from './kit.js';

const body = (s: string): string => s.replace(/^sk-(?:proj-|svcacct-|admin-)?/, '').replace('T3BlbkFJ', '');

// https://platform.openai.com/docs/api-reference/authentication — `sk-[proj-|svcacct-]` + random + `T3BlbkFJ` + random.
const API_KEY = /(?<![A-Za-z0-9_-])sk-(?!admin-)(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,160}T3BlbkFJ[A-Za-z0-9_-]{20,160}(?![A-Za-z0-9_-])/g;

export const openaiApiKey = patternRule({
  id: 'openai-api-key',
  name: 'OpenAI API key',
  docs: 'https://platform.openai.com/docs/api-reference/authentication',
  keywords: ['T3BlbkFJ'],
  reach: { privilege: 'write', scope: 'an OpenAI organisation’s models, files and assistants, billed to it', lifetime: 'unbounded' },
  pattern: API_KEY,
  body,
  verify: (s) => ({ keyType: s.startsWith('sk-proj-') ? 'project' : s.startsWith('sk-svcacct-') ? 'service-account' : 'legacy' }),
  examples: () => {
    const proj = `sk-proj-${randomBody(BASE64URL, 74)}T3BlbkFJ${randomBody(BASE64URL, 74)}`;
    const legacy = `sk-${randomBody(ALNUM, 20)}T3BlbkFJ${randomBody(ALNUM, 20)}`;
    return {
      match: [...placements(proj, 'OPENAI_API_KEY'), `openai.api_key = "${legacy}"`, `OPENAI_API_KEY=sk-svcacct-${randomBody(BASE64URL, 58)}T3BlbkFJ${randomBody(BASE64URL, 58)}`],
      ignore: ['OPENAI_API_KEY=sk-your-openai-key', `sk-proj-${'x'.repeat(40)}T3BlbkFJ${'x'.repeat(40)}`, ...redactedForms(proj, 8)],
    };
  },
});

// https://platform.openai.com/docs/api-reference/admin-api-keys — organisation admin keys `sk-admin-`.
const ADMIN_KEY = /(?<![A-Za-z0-9_-])sk-admin-[A-Za-z0-9_-]{20,160}T3BlbkFJ[A-Za-z0-9_-]{20,160}(?![A-Za-z0-9_-])/g;

export const openaiAdminKey = patternRule({
  id: 'openai-admin-key',
  name: 'OpenAI admin API key',
  docs: 'https://platform.openai.com/docs/api-reference/admin-api-keys',
  keywords: ['sk-admin-'],
  reach: { privilege: 'owner', scope: 'administers an OpenAI organisation (users, projects, keys, billing)', lifetime: 'unbounded' },
  pattern: ADMIN_KEY,
  body,
  examples: () => {
    const k = `sk-admin-${randomBody(BASE64URL, 58)}T3BlbkFJ${randomBody(BASE64URL, 58)}`;
    return { match: placements(k, 'OPENAI_ADMIN_KEY'), ignore: ['sk-admin-<admin key>', ...redactedForms(k, 9)] };
  },
});
