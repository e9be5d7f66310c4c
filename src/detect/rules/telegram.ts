/** Telegram Bot API tokens: `<bot id>:AA` + 33 base64url. */
import { BASE64URL, DIGITS, placements, randomBody } from './gen.js';
import { patternRule } from './kit.js';

// In Bot API URLs the token directly follows `/bot`.
// https://core.telegram.org/bots/api#authorizing-your-bot — `123456789:AA…` (bot id, colon, 35-char secret starting AA).
const TOKEN = /(?:(?<=\/bot)|(?<![A-Za-z0-9_:-]))[0-9]{8,10}:AA[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])/g;

export const telegramBotToken = patternRule({
  id: 'telegram-bot-token',
  name: 'Telegram bot token',
  docs: 'https://core.telegram.org/bots/api#authorizing-your-bot',
  keywords: [':AA'],
  reach: { privilege: 'write', scope: 'a Telegram bot: reads what users send it, posts as it', lifetime: 'unbounded' },
  pattern: TOKEN,
  anchor: { literal: ':AA', before: 10, after: 33 },
  body: (s) => s.slice(s.indexOf(':') + 3),
  examples: () => {
    const t = `${randomBody('123456789', 1)}${randomBody(DIGITS, 9)}:AA${randomBody(BASE64URL, 33)}`;
    return {
      match: [...placements(t, 'TELEGRAM_BOT_TOKEN'), `https://api.telegram.org/bot${t}/getMe`],
      ignore: ['TELEGRAM_BOT_TOKEN=123456789:AAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', `${t.slice(0, 20)}...`, `at 12:30:AA${randomBody(BASE64URL, 33)}`],
    };
  },
});
