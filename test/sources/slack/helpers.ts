/**
 * A seeded Slack workspace on the fake server, with a token planted (built at test time) in every
 * place a message can carry text, and helpers to build the Slack source the way the service does.
 */
import { resolveConfig, type LoadedConfig } from '../../../src/config/load.js';
import type { Chunk } from '../../../src/core/types.js';
import { silentLogger } from '../../../src/observe/logger.js';
import { createSource, findSourceConfig } from '../../../src/sources/registry.js';
import type { SourceDeps } from '../../../src/sources/registry.js';
import type { PulledChunk, Source } from '../../../src/sources/types.js';
import type { FakeSlack } from '../../support/fake-slack.js';
import { fakeSignedJwt, inHours } from '../../support/jwt-factory.js';
import { githubPat, slackBotToken } from '../../support/token-factory.js';

export interface Planted {
  /** Every planted token → where it must be found. */
  places: Map<string, { channel: string; ts: string; threadTs?: string; field: string }>;
  channels: { general: string; secret: string; shared: string; dm: string; outside: string; empty: string };
  /** Tokens in conversations the source must NOT read with the default channel types / membership. */
  unreadable: string[];
  parentTs: string;
}

/**
 * #general (public, 25 members, 9 top-level messages → several pages): text, blocks-only,
 * attachment, bot message, an edited message, a thread with replies (a JWT in a preformatted block);
 * #secret (private, 4 members): text + a snippet file whose token is only in the file body;
 * #partners (ext-shared, 60 members); a DM; #outside (the app is not a member); #empty.
 */
export function seedWorkspace(slack: FakeSlack): Planted {
  const places: Planted['places'] = new Map();
  const general = slack.addChannel({ name: 'general', num_members: 25 }).id;
  const secret = slack.addChannel({ name: 'secret-ops', is_private: true, is_group: true, num_members: 4 }).id;
  const shared = slack.addChannel({ name: 'partners', is_shared: true, is_ext_shared: true, num_members: 60 }).id;
  const dm = slack.addChannel({ is_im: true, user: 'U0OTHER01' }).id;
  const outside = slack.addChannel({ name: 'outside', is_member: false, num_members: 300 }).id;
  const empty = slack.addChannel({ name: 'empty', num_members: 2 }).id;
  const plant = (token: string, channel: string, ts: string, field: string, threadTs?: string) => places.set(token, { channel, ts, field, ...(threadTs ? { threadTs } : {}) });

  slack.addMessage(general, { text: 'good morning' });
  const t1 = githubPat();
  plant(t1, general, slack.addMessage(general, { text: `deploy with ${t1} please`, blocks: [{ type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: `deploy with ${t1} please` }] }] }] }).ts, 'text');
  const t2 = githubPat();
  plant(t2, general, slack.addMessage(general, { text: 'see block', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `hidden ${t2}` } }] }).ts, 'blocks');
  const t3 = slackBotToken();
  plant(t3, general, slack.addMessage(general, { text: 'ci run', attachments: [{ title: 'build log', text: `SLACK_TOKEN=${t3}` }] }).ts, 'attachments');
  const t4 = githubPat();
  plant(t4, general, slack.addMessage(general, { subtype: 'bot_message', user: undefined, bot_id: 'B0CI', username: 'ci-bot', text: `pushed with ${t4}` }).ts, 'text');
  const parent = slack.addMessage(general, { text: 'can someone share the staging token?' });
  slack.addReply(general, parent.ts, { text: 'sure, one sec' });
  const jwt = fakeSignedJwt({ iss: 'https://login.example.test/', sub: 'svc-staging', aud: 'api', exp: inHours(2), scope: 'admin' });
  const reply = slack.addReply(general, parent.ts, {
    text: `here:\n\`\`\`Authorization: Bearer ${jwt}\`\`\``,
    blocks: [{ type: 'rich_text', elements: [{ type: 'rich_text_preformatted', elements: [{ type: 'text', text: `Authorization: Bearer ${jwt}` }] }] }],
  });
  plant(jwt, general, reply.ts, 'text', parent.ts);
  const t5 = githubPat();
  plant(t5, general, slack.addReply(general, parent.ts, { text: `and the old one ${t5}` }).ts, 'text', parent.ts);
  const edited = slack.addMessage(general, { text: 'placeholder' });
  const t6 = githubPat();
  slack.editMessage(general, edited.ts, `oops pasted ${t6}`);
  plant(t6, general, edited.ts, 'text');
  slack.addMessage(general, { text: 'thanks all' });

  const t7 = githubPat();
  plant(t7, secret, slack.addMessage(secret, { text: `prod key ${t7}` }).ts, 'text');
  const t8 = githubPat();
  const snippetMsg = slack.addMessage(secret, { text: 'config attached', subtype: 'file_share' });
  const file = slack.addFile({ name: 'prod.env', title: 'prod.env', content: `# prod\nREGION=eu\nGITHUB_TOKEN=${t8}\n` }, secret, snippetMsg.ts);
  plant(t8, secret, snippetMsg.ts, `file:${file.id}`);

  const t9 = githubPat();
  plant(t9, shared, slack.addMessage(shared, { text: `partner key ${t9}` }).ts, 'text');

  const tDm = githubPat();
  slack.addMessage(dm, { text: `dm ${tDm}` });
  const tOut = githubPat();
  slack.addMessage(outside, { text: `outside ${tOut}` });

  return { places, channels: { general, secret, shared, dm, outside, empty }, unreadable: [tDm, tOut], parentTs: parent.ts };
}

export const TOKEN_ENV = 'SLACK_TEST_BOT_TOKEN';

export function slackLoaded(slack: FakeSlack, extra: Record<string, unknown> = {}, more: Array<Record<string, unknown>> = [], env: Record<string, string> = {}): LoadedConfig {
  return resolveConfig(
    {
      sources: [
        { id: 'slack-main', type: 'slack', tokenEnv: TOKEN_ENV, apiUrl: slack.apiUrl, pageSize: 2, listPageSize: 2, retry: { retries: 2, minTimeoutMs: 5, maxTimeoutMs: 20 }, timeoutMs: 5000, ...extra },
        ...more,
      ],
    },
    { [TOKEN_ENV]: slack.token, ...env },
  );
}

export function slackSource(loaded: LoadedConfig, deps: Partial<SourceDeps> = {}, id = 'slack-main'): Source {
  return createSource(findSourceConfig(loaded.config.sources, id), { logger: silentLogger(), scan: loaded.config.scan, env: loaded.env, ...deps });
}

export async function pullAll(source: Source, since?: string): Promise<PulledChunk[]> {
  const out: PulledChunk[] = [];
  for await (const p of source.pull({ signal: new AbortController().signal, ...(since ? { since } : {}) })) out.push(p);
  return out;
}

/** Chunks whose text holds the token. */
export function holding(chunks: readonly Chunk[], token: string): Chunk[] {
  return chunks.filter((c) => c.text.includes(token));
}
