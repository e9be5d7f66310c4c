/** Anthropic API and admin keys: `sk-ant-api03-` / `sk-ant-admin01-` + 93 characters + `AA`. */
import { BASE64URL, placements, randomBody, redactedForms } from './gen.js';
import { patternRule } from './kit.js';

// https://docs.anthropic.com/en/api/overview#authentication — `sk-ant-api03-` + 93 base64url + `AA` (108 chars).
const API_KEY = /(?<![A-Za-z0-9_-])sk-ant-api0[0-9]-[A-Za-z0-9_-]{93}AA(?![A-Za-z0-9_-])/g;
// https://docs.anthropic.com/en/api/administration-api — admin keys `sk-ant-admin01-` + 93 + `AA`.
const ADMIN_KEY = /(?<![A-Za-z0-9_-])sk-ant-admin0[0-9]-[A-Za-z0-9_-]{93}AA(?![A-Za-z0-9_-])/g;

const body = (s: string): string => s.replace(/^sk-ant-[a-z]+0[0-9]-/, '').slice(0, 93);

export const anthropicApiKey = patternRule({
  id: 'anthropic-api-key',
  name: 'Anthropic API key',
  docs: 'https://docs.anthropic.com/en/api/overview#authentication',
  keywords: ['sk-ant-api'],
  reach: { privilege: 'write', scope: 'an Anthropic workspace’s API usage, billed to it', lifetime: 'unbounded' },
  pattern: API_KEY,
  body,
  examples: () => {
    const k = `sk-ant-api03-${randomBody(BASE64URL, 93)}AA`;
    return { match: placements(k, 'ANTHROPIC_API_KEY'), ignore: ['ANTHROPIC_API_KEY=sk-ant-api03-...', `sk-ant-api03-${randomBody(BASE64URL, 93)}`, ...redactedForms(k, 13)] };
  },
});

export const anthropicAdminKey = patternRule({
  id: 'anthropic-admin-key',
  name: 'Anthropic admin API key',
  docs: 'https://docs.anthropic.com/en/api/administration-api',
  keywords: ['sk-ant-admin'],
  reach: { privilege: 'owner', scope: 'administers an Anthropic organisation (members, workspaces, API keys)', lifetime: 'unbounded' },
  pattern: ADMIN_KEY,
  body,
  examples: () => {
    const k = `sk-ant-admin01-${randomBody(BASE64URL, 93)}AA`;
    return { match: placements(k, 'ANTHROPIC_ADMIN_KEY'), ignore: ['sk-ant-admin01-<key>', ...redactedForms(k, 15)] };
  },
});
