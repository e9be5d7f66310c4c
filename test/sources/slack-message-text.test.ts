import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { extractMessageTexts, unescapeSlack } from '../../src/sources/slack-common/message-text.js';
import { conversationExposure, SlackConversationSchema } from '../../src/sources/slack-common/exposure.js';
import { randomToken } from '../support/fixtures-locate.js';

const fields = (m: unknown) => extractMessageTexts(m).map((s) => [s.field, s.text]);

describe('extractMessageTexts', () => {
  it('does not emit a rich_text copy of the message text', () => {
    const tok = randomToken();
    const m = {
      ts: '1.1',
      text: `use *${tok}* now`,
      blocks: [
        {
          type: 'rich_text',
          elements: [
            {
              type: 'rich_text_section',
              elements: [
                { type: 'text', text: 'use ' },
                { type: 'text', text: tok, style: { bold: true } },
                { type: 'text', text: ' now' },
              ],
            },
          ],
        },
      ],
    };
    expect(fields(m)).toEqual([['text', `use *${tok}* now`]]);
  });

  it('keeps block text the message text lacks (a token split by styling is whole in the blocks)', () => {
    const tok = randomToken();
    const half = tok.length >> 1;
    const m = {
      text: `key ${tok.slice(0, half)}*${tok.slice(half)}*`,
      blocks: [
        {
          type: 'rich_text',
          elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: `key ${tok.slice(0, half)}` }, { type: 'text', text: tok.slice(half), style: { bold: true } }] }],
        },
      ],
    };
    expect(fields(m)).toEqual([
      ['text', m.text],
      ['blocks', `key ${tok}`],
    ]);
  });

  it('reads lists, quotes, links, sections, fields, context, header, actions and unknown block types', () => {
    const m = {
      text: 'fallback',
      blocks: [
        {
          type: 'rich_text',
          elements: [
            { type: 'rich_text_list', style: 'bullet', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: 'item one' }] }, { type: 'rich_text_section', elements: [{ type: 'text', text: 'item two' }] }] },
            { type: 'rich_text_quote', elements: [{ type: 'text', text: 'quoted' }] },
            { type: 'rich_text_section', elements: [{ type: 'link', url: 'https://x.test/?t=abc', text: 'click' }, { type: 'emoji', name: 'key' }] },
          ],
        },
        { type: 'header', text: { type: 'plain_text', text: 'Title &amp; more' } },
        { type: 'section', text: { type: 'mrkdwn', text: 'sec' }, fields: [{ type: 'mrkdwn', text: 'f1' }], accessory: { type: 'button', text: { type: 'plain_text', text: 'Open' }, url: 'https://btn.test' } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'ctx' }, { type: 'image', image_url: 'https://img.test/x.png', alt_text: 'alt' }] },
        { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Go' }, value: 'v-123' }] },
        { type: 'future_block', payload: { text: 'future text' } },
      ],
    };
    const blocks = extractMessageTexts(m).find((s) => s.field === 'blocks')!.text.split('\n');
    expect(blocks).toEqual(['item one', 'item two', 'quoted', 'click:key:', 'https://x.test/?t=abc', 'Title & more', 'sec', 'f1', 'Open', 'https://btn.test', 'ctx', 'alt', 'Go', 'v-123', 'future text']);
  });

  it('reads attachments (dropping a fallback equal to the text), file previews and snippet content', () => {
    const m = {
      text: 'Build failed',
      attachments: [{ fallback: 'Build failed', pretext: 'pre', text: 'body &lt;x&gt;', fields: [{ title: 'k', value: 'v' }], blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'att block' } }] }],
      files: [{ title: 'a.txt', preview: 'p1', plain_text: 'mail body', content: 'fetched snippet', url_private: 'https://files.slack.com/x' }],
    };
    expect(fields(m)).toEqual([
      ['text', 'Build failed'],
      ['attachments', 'pre\nbody <x>\nk\nv\natt block'],
      ['files', 'a.txt\np1\nmail body\nfetched snippet'],
    ]);
  });

  it('splits a message_changed event into the new message and its previous version', () => {
    const segs = extractMessageTexts({ subtype: 'message_changed', message: { ts: '5.5', text: 'new', thread_ts: '4.4', user: 'U1' }, previous_message: { ts: '5.5', text: 'old' } });
    expect(segs).toEqual([
      { field: 'text', text: 'new', ts: '5.5', threadTs: '4.4', user: 'U1' },
      { field: 'previous_message.text', text: 'old', ts: '5.5' },
    ]);
    expect(fields({ subtype: 'message_deleted', previous_message: { ts: '6', text: 'gone' } })).toEqual([['previous_message.text', 'gone']]);
  });

  it('unescapes exactly Slack’s three entities, once', () => {
    expect(unescapeSlack('a &amp;lt; b &lt;c&gt; &quot;')).toBe('a &lt; b <c> &quot;');
  });

  it('bounds a huge message', () => {
    const segs = extractMessageTexts({ text: 'x'.repeat(2_000_000), attachments: [{ text: 'y'.repeat(10) }] }, { maxChars: 1000 });
    expect(segs.reduce((n, s) => n + s.text.length, 0)).toBeLessThanOrEqual(1000);
  });

  it('never throws on arbitrary JSON (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (v) => {
        const segs = extractMessageTexts(v);
        for (const s of segs) expect(typeof s.text).toBe('string');
      }),
      { numRuns: 1000 },
    );
    // and on message-shaped garbage
    const msg = fc.record({
      text: fc.oneof(fc.string(), fc.jsonValue()),
      subtype: fc.constantFrom(undefined, 'message_changed', 'message_deleted', 'bot_message'),
      message: fc.jsonValue({ maxDepth: 4 }),
      previous_message: fc.jsonValue({ maxDepth: 4 }),
      blocks: fc.array(fc.record({ type: fc.constantFrom('rich_text', 'section', 'context', 'header', 'image', 'x'), elements: fc.jsonValue({ maxDepth: 5 }), text: fc.jsonValue({ maxDepth: 2 }), fields: fc.jsonValue({ maxDepth: 3 }) })),
      attachments: fc.jsonValue({ maxDepth: 5 }),
      files: fc.jsonValue({ maxDepth: 4 }),
    });
    fc.assert(fc.property(msg, (m) => void extractMessageTexts(m)), { numRuns: 1000 });
  });
});

describe('conversationExposure', () => {
  const parse = (v: unknown) => SlackConversationSchema.parse(v);
  it('maps API and export metadata to exposure', () => {
    expect(conversationExposure(parse({ id: 'C1', name: 'general', is_channel: true, num_members: 40 }))).toEqual({ visibility: 'public', audience: 40, label: '#general' });
    expect(conversationExposure(parse({ id: 'C2', name: 'sec', is_private: true, members: ['a', 'b'] }))).toMatchObject({ visibility: 'private', audience: 2 });
    expect(conversationExposure(parse({ id: 'C3', name: 'ext', is_ext_shared: true }))).toMatchObject({ visibility: 'shared-external' });
    expect(conversationExposure(parse({ id: 'C4', name: 'org', is_shared: true, is_org_shared: true }))).toMatchObject({ visibility: 'public' });
    expect(conversationExposure(parse({ id: 'D1', is_im: true }))).toEqual({ visibility: 'private', label: 'direct message' });
    expect(conversationExposure(parse({ id: 'G1', name: 'team' }), 'private')).toMatchObject({ visibility: 'private' });
    // a wrong type on one flag does not lose the rest
    expect(conversationExposure(parse({ id: 'C5', name: 'x', is_ext_shared: 'yes', members: ['a'] }))).toMatchObject({ visibility: 'public', audience: 1 });
  });
});
