/**
 * Slack tokens and webhook URLs. Slack documents every token by its prefix; the numeric segments
 * are team/user ids (not random), so the entropy checks look at the final random segment only.
 * `xoxc-` (browser client token) and `xoxd-` (the `d` session cookie) are each a finding; found
 * together they are a full session hijack, which `context.pair` tells the scorer.
 */
import { ALNUM, DIGITS, HEX, UPPER_ALNUM, placements, randomBody, redactedForms } from './gen.js';
import { around, patternRule, unescapeJsonSlashes } from './kit.js';

const lastSegment = (s: string): string => s.slice(s.lastIndexOf('-') + 1);
const ids = (n: number): string => `${randomBody('123456789', 1)}${randomBody(DIGITS, n - 1)}`;

// https://docs.slack.dev/authentication/tokens#bot — xoxb-{team id}-{bot user id}-{24 random}.
const BOT = /(?<![A-Za-z0-9_-])xoxb-[0-9]{8,14}-(?:[0-9]{8,14}-)?[A-Za-z0-9]{24,34}(?![A-Za-z0-9_-])/g;

export const slackBotToken = patternRule({
  id: 'slack-bot-token',
  name: 'Slack bot token',
  docs: 'https://docs.slack.dev/authentication/tokens#bot',
  keywords: ['xoxb-'],
  reach: { privilege: 'write', scope: 'a Slack workspace as the app’s bot user (its granted scopes)', lifetime: 'unbounded' },
  pattern: BOT,
  body: lastSegment,
  examples: () => {
    const t = `xoxb-${ids(12)}-${ids(13)}-${randomBody(ALNUM, 24)}`;
    return {
      match: placements(t, 'SLACK_BOT_TOKEN'),
      ignore: ['SLACK_BOT_TOKEN=xoxb-your-token', 'xoxb-123456789012-1234567890123-xxxxxxxxxxxxxxxxxxxxxxxx', ...redactedForms(t, 5)],
    };
  },
});

// https://docs.slack.dev/authentication/tokens#user — xoxp-{team}-{user}-{install}-{32 hex}.
const USER = /(?<![A-Za-z0-9_-])xoxp-[0-9]{8,14}-[0-9]{8,14}-[0-9]{8,14}-[A-Za-z0-9]{28,34}(?![A-Za-z0-9_-])/g;

export const slackUserToken = patternRule({
  id: 'slack-user-token',
  name: 'Slack user token',
  docs: 'https://docs.slack.dev/authentication/tokens#user',
  keywords: ['xoxp-'],
  reach: { privilege: 'admin', scope: 'a Slack workspace as the user who installed the app (DMs and private channels included)', lifetime: 'unbounded' },
  pattern: USER,
  body: lastSegment,
  examples: () => {
    const t = `xoxp-${ids(12)}-${ids(12)}-${ids(13)}-${randomBody(HEX, 32)}`;
    return { match: placements(t, 'SLACK_USER_TOKEN'), ignore: ['xoxp-your-user-token', ...redactedForms(t, 5)] };
  },
});

// https://docs.slack.dev/authentication/tokens#app-level — xapp-{n}-{app id}-{digits}-{64 hex}.
const APP = /(?<![A-Za-z0-9_-])xapp-[0-9]-[A-Z0-9]{9,12}-[0-9]{10,16}-[A-Za-z0-9]{32,80}(?![A-Za-z0-9_-])/g;

export const slackAppToken = patternRule({
  id: 'slack-app-token',
  name: 'Slack app-level token (Socket Mode)',
  docs: 'https://docs.slack.dev/authentication/tokens#app-level',
  keywords: ['xapp-'],
  reach: { privilege: 'read', scope: 'the event stream of a Slack app (every message it can see)', lifetime: 'unbounded' },
  pattern: APP,
  body: lastSegment,
  examples: () => {
    const t = `xapp-1-A${randomBody(UPPER_ALNUM, 10)}-${ids(13)}-${randomBody(HEX, 64)}`;
    return { match: placements(t, 'SLACK_APP_TOKEN'), ignore: ['xapp-1-your-app-token', ...redactedForms(t, 5)] };
  },
});

// https://docs.slack.dev/authentication/using-token-rotation — xoxe.xoxb-1-… / xoxe.xoxp-1-… (12 h; also app configuration tokens).
const ROTATING = /(?<![A-Za-z0-9_.-])xoxe\.xox[bp]-[0-9]-[A-Za-z0-9]{80,250}(?![A-Za-z0-9_-])/g;

export const slackRotatingToken = patternRule({
  id: 'slack-rotating-token',
  name: 'Slack rotating or configuration access token',
  docs: 'https://docs.slack.dev/authentication/using-token-rotation',
  keywords: ['xoxe.xox'],
  reach: { privilege: 'admin', scope: 'a Slack workspace (rotating bot/user token) or app configuration (manifest API)', lifetime: 'hours' },
  pattern: ROTATING,
  body: lastSegment,
  examples: () => {
    const t = `xoxe.xoxp-1-${randomBody(ALNUM, 150)}`;
    const b = `xoxe.xoxb-1-${randomBody(ALNUM, 140)}`;
    return { match: [...placements(t, 'SLACK_CONFIG_TOKEN'), `token: ${b}`], ignore: ['xoxe.xoxp-1-<config-token>', ...redactedForms(t, 12)] };
  },
});

// https://docs.slack.dev/reference/methods/tooling.tokens.rotate — xoxe-1-… refresh tokens.
const REFRESH = /(?<![A-Za-z0-9_.-])xoxe-[0-9]-[A-Za-z0-9]{80,250}(?![A-Za-z0-9_-])/g;

export const slackRefreshToken = patternRule({
  id: 'slack-refresh-token',
  name: 'Slack refresh token (token rotation / app configuration)',
  docs: 'https://docs.slack.dev/reference/methods/tooling.tokens.rotate',
  keywords: ['xoxe-'],
  reach: { privilege: 'admin', scope: 'mints new Slack access or configuration tokens', lifetime: 'unbounded' },
  pattern: REFRESH,
  body: lastSegment,
  examples: () => {
    const t = `xoxe-1-${randomBody(ALNUM, 146)}`;
    return { match: placements(t, 'SLACK_REFRESH_TOKEN'), ignore: ['xoxe-1-your-refresh-token', ...redactedForms(t, 7)] };
  },
});

// https://docs.slack.dev/authentication/tokens#legacy — xoxa- (workspace app), xoxr- (its refresh), xoxo-/xoxs- (legacy user).
const LEGACY = /(?<![A-Za-z0-9_-])xox[aors]-[0-9]{1,14}(?:-[0-9]{1,14}){0,3}-[A-Za-z0-9]{16,80}(?![A-Za-z0-9_-])/g;

export const slackLegacyToken = patternRule({
  id: 'slack-legacy-token',
  name: 'Slack legacy token',
  docs: 'https://docs.slack.dev/authentication/tokens#legacy',
  keywords: ['xoxa-', 'xoxr-', 'xoxo-', 'xoxs-'],
  reach: { privilege: 'admin', scope: 'a Slack workspace with legacy (often full-user) permissions', lifetime: 'unbounded' },
  pattern: LEGACY,
  body: lastSegment,
  examples: () => {
    const s = `xoxs-${ids(10)}-${ids(11)}-${ids(12)}-${randomBody(HEX, 64)}`;
    const a = `xoxa-2-${ids(12)}-${ids(12)}-${randomBody(HEX, 32)}`;
    return { match: [...placements(s, 'SLACK_LEGACY'), `x=${a}`], ignore: ['xoxs-legacy-token', ...redactedForms(s, 5)] };
  },
});

// https://docs.slack.dev/authentication/tokens — xoxc-{team}-{user}-{install}-{64 hex} (browser client token, observed).
const CLIENT = /(?<![A-Za-z0-9_-])xoxc-[0-9]{8,14}-[0-9]{8,14}-[0-9]{8,14}-[A-Za-z0-9]{32,80}(?![A-Za-z0-9_-])/g;
// https://docs.slack.dev/authentication/tokens — the `d` cookie `xoxd-…`, URL-encoded base64 (`%2F`, `%2B`, `%3D`) as the browser sends it.
const COOKIE = /(?<![A-Za-z0-9_-])xoxd-[A-Za-z0-9%+/=_-]{40,600}/g;
const PAIR_REACH = 1024;

// The browser client token, used together with the `d` cookie (shape observed; see SlackPirate issue 61).
export const slackClientToken = patternRule({
  id: 'slack-client-token',
  name: 'Slack browser client token (xoxc)',
  docs: 'https://docs.slack.dev/authentication/tokens',
  keywords: ['xoxc-'],
  reach: { privilege: 'admin', scope: 'a Slack web session (with the d cookie: the user’s full session)', lifetime: 'months' },
  window: { before: PAIR_REACH, after: PAIR_REACH },
  pattern: CLIENT,
  body: lastSegment,
  verify: (_s, text, start, end) => (/xoxd-[A-Za-z0-9%]{40}/.test(around(text, start, end, PAIR_REACH, PAIR_REACH)) ? { pair: 'slack-session-cookie' } : true),
  examples: () => {
    const c = `xoxc-${ids(12)}-${ids(12)}-${ids(13)}-${randomBody(HEX, 64)}`;
    const d = `xoxd-${encodeURIComponent(Buffer.from(randomBody(ALNUM, 90)).toString('base64'))}`;
    return {
      match: [`token=${c}`, `curl -H 'Cookie: d=${d}' --data 'token=${c}' https://acme.slack.com/api/auth.test`],
      ignore: ['xoxc-your-client-token', ...redactedForms(c, 5)],
    };
  },
});

// The `d` session cookie of a Slack web session (shape observed; see SlackPirate issue 61).
export const slackSessionCookie = patternRule({
  id: 'slack-session-cookie',
  name: 'Slack session cookie (xoxd)',
  docs: 'https://docs.slack.dev/authentication/tokens',
  keywords: ['xoxd-'],
  reach: { privilege: 'admin', scope: 'a Slack web session (with an xoxc token: the user’s full session)', lifetime: 'months' },
  window: { before: PAIR_REACH, after: PAIR_REACH },
  pattern: COOKIE,
  body: (s) => decodeURIComponentSafe(s.slice(5)),
  verify: (_s, text, start, end) => (/xoxc-[0-9]{8}/.test(around(text, start, end, PAIR_REACH, PAIR_REACH)) ? { pair: 'slack-client-token' } : true),
  examples: () => {
    const c = `xoxc-${ids(12)}-${ids(12)}-${ids(13)}-${randomBody(HEX, 64)}`;
    const d = `xoxd-${encodeURIComponent(Buffer.from(randomBody(ALNUM, 90)).toString('base64'))}`;
    return {
      match: [`Cookie: d=${d}; d-s=1700000000`, `xoxc: ${c}\nxoxd: ${d}`],
      ignore: ['d=xoxd-your-session-cookie', `d=xoxd-${'A'.repeat(60)}`, `${d.slice(0, 30)}…`],
    };
  },
});

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// Also workflow (`/workflows/`) and trigger (`/triggers/`) webhooks; JSON exports escape `/` as `\/`.
// https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks — hooks.slack.com/services/T…/B…/{24 random}.
const WEBHOOK =
  /https?:\\?\/\\?\/hooks\.slack\.com\\?\/(?:services\\?\/T[A-Z0-9]{8,12}\\?\/B[A-Z0-9]{8,12}\\?\/[A-Za-z0-9]{23,32}|workflows\\?\/T[A-Z0-9]{8,12}\\?\/A[A-Z0-9]{8,12}\\?\/[0-9]{12,22}\\?\/[A-Za-z0-9]{23,40}|triggers\\?\/T[A-Z0-9]{8,12}\\?\/[0-9]{12,22}\\?\/[A-Za-z0-9]{23,40})(?![A-Za-z0-9])/g;

export const slackWebhookUrl = patternRule({
  id: 'slack-webhook-url',
  name: 'Slack incoming, workflow or trigger webhook URL',
  docs: 'https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks',
  keywords: ['hooks.slack.com'],
  reach: { privilege: 'write', scope: 'posts messages into one Slack channel or starts one workflow', lifetime: 'unbounded' },
  pattern: WEBHOOK,
  normalise: unescapeJsonSlashes,
  body: (s) => s.slice(s.lastIndexOf('/') + 1),
  verify: (s) => ({ kind: /\/services\//.test(s) ? 'incoming' : /\/workflows\//.test(s) ? 'workflow' : 'trigger' }),
  examples: () => {
    const team = `T${randomBody(UPPER_ALNUM, 10)}`;
    const svc = `https://hooks.slack.com/services/${team}/B${randomBody(UPPER_ALNUM, 10)}/${randomBody(ALNUM, 24)}`;
    const wf = `https://hooks.slack.com/workflows/${team}/A${randomBody(UPPER_ALNUM, 10)}/${ids(18)}/${randomBody(ALNUM, 32)}`;
    const tr = `https://hooks.slack.com/triggers/${team}/${ids(13)}/${randomBody(HEX, 32)}`;
    return {
      match: [
        `SLACK_WEBHOOK_URL=${svc}`,
        `{"url":"${svc.replace(/\//g, '\\/')}"}`,
        `<${wf}|run the workflow>`,
        `curl -X POST ${tr} -d '{}'`,
      ],
      ignore: [
        'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
        'https://hooks.slack.com/services/TXXXXXXXX/BXXXXXXXX/your-webhook-path',
        `${svc.slice(0, -10)}...`,
      ],
    };
  },
});
