/**
 * A Slack workspace export built at test time — as the zip Slack produces (yazl) or its unpacked
 * folder — with tokens planted in every place a message can carry text. Nothing is committed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import yazl from 'yazl';
import { fakeSignedJwt } from './jwt-factory.js';
import { randomToken } from './fixtures-locate.js';

export interface ExportFile {
  name: string;
  data: Buffer;
  /** Store without compression (default: deflate). */
  store?: boolean;
}

export function slackTokens() {
  return {
    inText: randomToken('xoxb-1234-'),
    inReply: fakeSignedJwt({ sub: 'U1', scope: 'chat:write' }),
    inPrevious: randomToken('tokPrev_'),
    inAttachment: randomToken('tokAtt_'),
    inSnippet: randomToken('tokSnip_'),
    inBlocksOnly: randomToken('tokBlk_'),
    inEscapedUrl: randomToken('tokUrl_'),
    inPrivate: randomToken('tokPriv_'),
    inShared: randomToken('tokShared_'),
    inDm: randomToken('tokDm_'),
    inUnknown: randomToken('tokUnk_'),
    inMpim: randomToken('tokMpim_'),
  };
}
export type SlackTokens = ReturnType<typeof slackTokens>;

const json = (v: unknown) => Buffer.from(JSON.stringify(v, null, 2));

/** The files of an export (names relative to its root). */
export function slackExportFiles(t: SlackTokens): ExportFile[] {
  const general = [
    {
      type: 'message',
      user: 'U1',
      ts: '1704189600.000100',
      text: `deploy with token ${t.inText} please`,
      // the rich_text copy of the same text: must not be a second occurrence
      blocks: [
        {
          type: 'rich_text',
          block_id: 'b1',
          elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: `deploy with token ${t.inText} please` }] }],
        },
      ],
    },
    {
      type: 'message',
      user: 'U2',
      ts: '1704189700.000200',
      thread_ts: '1704189700.000200',
      reply_count: 1,
      text: 'thread parent',
    },
    {
      type: 'message',
      user: 'U2',
      ts: '1704189800.000300',
      thread_ts: '1704189700.000200',
      parent_user_id: 'U2',
      text: `here:\n\`\`\`Authorization: Bearer ${t.inReply}\`\`\``,
      blocks: [
        {
          type: 'rich_text',
          elements: [
            { type: 'rich_text_section', elements: [{ type: 'text', text: 'here:' }] },
            { type: 'rich_text_preformatted', elements: [{ type: 'text', text: `Authorization: Bearer ${t.inReply}` }] },
          ],
        },
      ],
    },
    {
      type: 'message',
      subtype: 'message_changed',
      ts: '1704189950.000500',
      hidden: true,
      message: { type: 'message', user: 'U1', ts: '1704189900.000400', text: 'oops, removed the token', edited: { user: 'U1', ts: '1704189950.000000' } },
      previous_message: { type: 'message', user: 'U1', ts: '1704189900.000400', text: `token is ${t.inPrevious}` },
    },
    {
      type: 'message',
      subtype: 'bot_message',
      bot_id: 'B1',
      username: 'ci-bot',
      ts: '1704190000.000600',
      text: 'Build failed',
      attachments: [
        {
          fallback: 'Build failed',
          color: 'danger',
          title: 'Build #42',
          title_link: 'https://ci.example.test/build/42',
          fields: [
            { title: 'Env', value: 'staging', short: true },
            { title: 'Credential', value: `NPM_TOKEN=${t.inAttachment}`, short: false },
          ],
        },
      ],
    },
    {
      type: 'message',
      subtype: 'file_share',
      user: 'U3',
      ts: '1704190100.000700',
      text: '',
      files: [{ id: 'F1', name: 'env.txt', title: 'env.txt', mimetype: 'text/plain', preview: `A=1\nSECRET=${t.inSnippet}\n`, url_private: 'https://files.slack.com/files-pri/T1-F1/env.txt' }],
    },
    {
      type: 'message',
      subtype: 'bot_message',
      bot_id: 'B2',
      ts: '1704190200.000800',
      text: 'Deployment summary',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Deployment summary' } },
        { type: 'section', text: { type: 'mrkdwn', text: '*env*: prod' }, fields: [{ type: 'mrkdwn', text: `*key*\n${t.inBlocksOnly}` }] },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'by deploy-bot' }] },
      ],
    },
    {
      type: 'message',
      user: 'U1',
      ts: '1704190300.000900',
      text: `callback: <https://app.example.test/cb?state=x&amp;access_token=${t.inEscapedUrl}|login>`,
    },
  ];
  return [
    {
      name: 'channels.json',
      data: json([
        { id: 'C001', name: 'general', is_channel: true, members: ['U1', 'U2', 'U3'] },
        { id: 'C002', name: 'partners', is_channel: true, is_ext_shared: true, is_shared: true, members: ['U1', 'U9'] },
      ]),
    },
    { name: 'groups.json', data: json([{ id: 'G001', name: 'secops', is_group: true, members: ['U1', 'U2'] }]) },
    { name: 'dms.json', data: json([{ id: 'D001', members: ['U1', 'U2'] }]) },
    { name: 'mpims.json', data: json([{ id: 'G002', name: 'mpdm-alice--bob--carol-1', members: ['U1', 'U2', 'U3'] }]) },
    {
      name: 'users.json',
      data: json([
        { id: 'U1', name: 'alice', real_name: 'Alice Example' },
        { id: 'U2', name: 'bob', profile: { real_name: 'Bob Example' } },
        { id: 'U3', name: 'carol' },
      ]),
    },
    { name: 'integration_logs.json', data: json([]) },
    { name: 'general/2024-01-02.json', data: json(general) },
    { name: 'secops/2024-01-03.json', data: json([{ type: 'message', user: 'U2', ts: '1704276000.000100', text: `db password ${t.inPrivate}` }]) },
    { name: 'partners/2024-01-03.json', data: json([{ type: 'message', user: 'U9', ts: '1704276100.000100', text: `shared ${t.inShared}` }]) },
    { name: 'D001/2024-01-04.json', data: json([{ type: 'message', user: 'U1', ts: '1704362400.000100', text: `psst ${t.inDm}` }]) },
    { name: 'mpdm-alice--bob--carol-1/2024-01-04.json', data: json([{ type: 'message', user: 'U3', ts: '1704362500.000100', text: `group ${t.inMpim}` }]) },
    { name: 'lost-channel/2024-01-05.json', data: json([{ type: 'message', user: 'U1', ts: '1704448800.000100', text: `where ${t.inUnknown}` }]) },
  ];
}

export function buildZip(files: readonly ExportFile[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const f of files) zip.addBuffer(f.data, f.name, { compress: !f.store, mtime: new Date('2024-01-10T00:00:00Z') });
  zip.end();
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    zip.outputStream.on('data', (d: Buffer) => parts.push(d));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(parts)));
  });
}

/** Rename an entry in a built zip (same length), e.g. to a traversal name yazl refuses to write. */
export function patchEntryName(zip: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error('names must have the same length');
  const out = Buffer.from(zip);
  const a = Buffer.from(from);
  let i = out.indexOf(a);
  let n = 0;
  while (i !== -1) {
    Buffer.from(to).copy(out, i);
    n++;
    i = out.indexOf(a, i + a.length);
  }
  if (n < 2) throw new Error('entry name not found in both headers');
  return out;
}

export function writeExportFolder(root: string, files: readonly ExportFile[]): void {
  for (const f of files) {
    const abs = join(root, f.name);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, f.data);
  }
}
