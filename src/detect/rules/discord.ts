/**
 * Discord bot tokens and webhook URLs. A bot token's first segment is the bot's user id (a
 * snowflake) in base64: decoding it to 17–20 digits is the check that separates a token from any
 * other dotted base64 string; the word "discord" must also be nearby.
 */
import { BASE64URL, DIGITS, randomBody } from './gen.js';
import { around, patternRule } from './kit.js';

const DISCORD_REACH = 2048;

// https://discord.com/developers/docs/reference#authentication — `<base64 user id>.<6 timestamp>.<27–38 HMAC>`.
const BOT = /(?<![A-Za-z0-9_.-])[MNO][A-Za-z0-9_-]{22,26}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}(?![A-Za-z0-9_.-])/g;

export const discordBotToken = patternRule({
  id: 'discord-bot-token',
  name: 'Discord bot token',
  docs: 'https://discord.com/developers/docs/reference#authentication',
  keywords: ['discord'],
  window: { before: DISCORD_REACH, after: DISCORD_REACH },
  reach: { privilege: 'admin', scope: 'a Discord bot in every server it joined, with its permissions', lifetime: 'unbounded' },
  pattern: BOT,
  body: (s) => s.slice(s.indexOf('.') + 8),
  verify: (s, text, start, end) =>
    /^[1-9][0-9]{16,19}$/.test(Buffer.from(s.slice(0, s.indexOf('.')), 'base64url').toString('latin1')) && /discord/i.test(around(text, start, end, DISCORD_REACH, DISCORD_REACH)),
  examples: () => {
    const id = Buffer.from(`${randomBody('123456789', 1)}${randomBody(DIGITS, 17)}`).toString('base64url');
    const t = `${id}.${randomBody(BASE64URL, 6)}.${randomBody(BASE64URL, 38)}`;
    return {
      match: [`DISCORD_TOKEN=${t}`, `const discord = require('discord.js');\nclient.login('${t}');`],
      ignore: [`token=${t}`, `DISCORD_TOKEN=${Buffer.from('not-a-snowflake-id').toString('base64url').replace(/^./, 'M')}.${randomBody(BASE64URL, 6)}.${randomBody(BASE64URL, 38)}`, 'DISCORD_TOKEN=<bot token>'],
    };
  },
});

// https://discord.com/developers/docs/resources/webhook — https://discord.com/api/webhooks/<id>/<68-char token>.
const WEBHOOK = /https:\/\/(?:(?:canary|ptb)\.)?discord(?:app)?\.com\/api\/(?:v[0-9]{1,2}\/)?webhooks\/[0-9]{17,20}\/[A-Za-z0-9_-]{60,68}(?![A-Za-z0-9_-])/g;

export const discordWebhookUrl = patternRule({
  id: 'discord-webhook-url',
  name: 'Discord webhook URL',
  docs: 'https://discord.com/developers/docs/resources/webhook',
  keywords: ['discord.com/api', 'discordapp.com/api'],
  reach: { privilege: 'write', scope: 'posts messages into one Discord channel', lifetime: 'unbounded' },
  pattern: WEBHOOK,
  body: (s) => s.slice(s.lastIndexOf('/') + 1),
  examples: () => {
    const u = `https://discord.com/api/webhooks/${randomBody('123456789', 1)}${randomBody(DIGITS, 18)}/${randomBody(BASE64URL, 68)}`;
    return { match: [`DISCORD_WEBHOOK=${u}`, `<${u.replace('discord.com', 'discordapp.com')}>`], ignore: ['https://discord.com/api/webhooks/123456789012345678/your-webhook-token', `${u.slice(0, -20)}…`] };
  },
});
