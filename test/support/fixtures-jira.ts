/**
 * Jira issue JSON built at test time, as REST v3 returns it (ADF rich text) or v2 (wiki markup),
 * with tokens planted in every node type a description or comment can hold.
 */
import { randomToken } from './fixtures-locate.js';
import { fakeSignedJwt } from './jwt-factory.js';

const text = (t: string, marks?: unknown[]) => ({ type: 'text', text: t, ...(marks ? { marks } : {}) });
const p = (...content: unknown[]) => ({ type: 'paragraph', content });

export function adfTokens() {
  return {
    para: randomToken('tokPara_'),
    linkHref: randomToken('tokHref_'),
    code: fakeSignedJwt({ sub: 'svc-deploy', roles: ['admin'] }),
    cell: randomToken('tokCell_'),
    panel: randomToken('tokPanel_'),
    expand: randomToken('tokExpand_'),
    nested: randomToken('tokNested_'),
    quote: randomToken('tokQuote_'),
    task: randomToken('tokTask_'),
    decision: randomToken('tokDecision_'),
    layout: randomToken('tokLayout_'),
    extParam: randomToken('tokExt_'),
    card: randomToken('tokCard_'),
    media: randomToken('tokMedia_'),
    unknown: randomToken('tokUnknown_'),
    heading: randomToken('tokHeading_'),
    list: randomToken('tokList_'),
    status: randomToken('tokStatus_'),
  };
}
export type AdfTokens = ReturnType<typeof adfTokens>;

/** A document using every ADF node type (and one Atlassian may add later). */
export function fullAdfDoc(t: AdfTokens): unknown {
  return {
    type: 'doc',
    version: 1,
    content: [
      { type: 'heading', attrs: { level: 2 }, content: [text(`Incident ${t.heading}`)] },
      p(
        text('Token: '),
        text(t.para.slice(0, 10), [{ type: 'strong' }]),
        text(t.para.slice(10), [{ type: 'em' }]),
        { type: 'hardBreak' },
        text('see ', []),
        text('the runbook', [{ type: 'link', attrs: { href: `https://wiki.example.test/run?key=${t.linkHref}` } }]),
        text(' by '),
        { type: 'mention', attrs: { id: '5b10ac8d82e05b22cc7d4ef5', text: '@Alice' } },
        { type: 'emoji', attrs: { shortName: ':key:', id: '1f511', text: '🔑' } },
        { type: 'date', attrs: { timestamp: '1704153600000' } },
        { type: 'status', attrs: { text: `BLOCKED-${t.status}`, color: 'red' } },
        { type: 'inlineCard', attrs: { url: 'https://jira.example.test/browse/OPS-1' } },
        { type: 'placeholder', attrs: { text: 'type here' } },
      ),
      { type: 'codeBlock', attrs: { language: 'bash' }, content: [text(`curl -H "Authorization: Bearer ${t.code}" \\\n  https://api.example.test/v1`)] },
      {
        type: 'bulletList',
        content: [
          { type: 'listItem', content: [p(text('first'))] },
          { type: 'listItem', content: [p(text(`second ${t.list}`)), { type: 'orderedList', attrs: { order: 3 }, content: [{ type: 'listItem', content: [p(text('nested item'))] }] }] },
        ],
      },
      { type: 'blockquote', content: [p(text(`quoted ${t.quote}`))] },
      { type: 'rule' },
      { type: 'panel', attrs: { panelType: 'warning' }, content: [p(text(`panel ${t.panel}`))] },
      {
        type: 'expand',
        attrs: { title: 'Details' },
        content: [p(text(`expanded ${t.expand}`)), { type: 'nestedExpand', attrs: { title: 'More' }, content: [p(text(`deeper ${t.nested}`))] }],
      },
      {
        type: 'table',
        attrs: { isNumberColumnEnabled: false, layout: 'default' },
        content: [
          { type: 'tableRow', content: [{ type: 'tableHeader', content: [p(text('name'))] }, { type: 'tableHeader', content: [p(text('value'))] }] },
          { type: 'tableRow', content: [{ type: 'tableCell', content: [p(text('API_KEY'))] }, { type: 'tableCell', content: [p(text(t.cell))] }] },
        ],
      },
      {
        type: 'mediaSingle',
        attrs: { layout: 'center' },
        content: [
          { type: 'media', attrs: { id: '1234-abcd', type: 'file', collection: 'c', alt: 'screenshot.png' } },
          { type: 'caption', content: [text('caption text')] },
        ],
      },
      { type: 'mediaGroup', content: [{ type: 'media', attrs: { type: 'link', id: 'x', url: `https://cdn.example.test/f?sig=${t.media}` } }] },
      { type: 'taskList', attrs: { localId: 't1' }, content: [{ type: 'taskItem', attrs: { localId: 't2', state: 'TODO' }, content: [text(`rotate ${t.task}`)] }] },
      { type: 'decisionList', attrs: { localId: 'd1' }, content: [{ type: 'decisionItem', attrs: { localId: 'd2', state: 'DECIDED' }, content: [text(`revoke ${t.decision}`)] }] },
      {
        type: 'layoutSection',
        content: [
          { type: 'layoutColumn', attrs: { width: 50 }, content: [p(text('left'))] },
          { type: 'layoutColumn', attrs: { width: 50 }, content: [p(text(`right ${t.layout}`))] },
        ],
      },
      { type: 'blockCard', attrs: { url: `https://docs.example.test/page?token=${t.card}` } },
      { type: 'embedCard', attrs: { url: 'https://embed.example.test/v', layout: 'center' } },
      {
        type: 'extension',
        attrs: { extensionType: 'com.atlassian.confluence.macro.core', extensionKey: 'code', text: 'macro', parameters: { macroParams: { body: { value: `export TOKEN=${t.extParam}` } } } },
      },
      { type: 'bodiedExtension', attrs: { extensionKey: 'x', extensionType: 'y' }, content: [p(text('bodied body'))] },
      { type: 'someFutureNode', attrs: {}, content: [p(text(`future ${t.unknown}`))] },
    ],
  };
}

export function jiraTokens() {
  return {
    summary: randomToken('tokSum_'),
    comment: randomToken('tokComment_'),
    env: randomToken('tokEnv_'),
    custom: randomToken('tokCustom_'),
    changelog: randomToken('tokHistory_'),
    wiki: randomToken('tokWiki_'),
  };
}
export type JiraTokens = ReturnType<typeof jiraTokens>;

export function jiraIssue(key: string, t: JiraTokens, adf: AdfTokens, opts: { security?: boolean } = {}): Record<string, unknown> {
  return {
    expand: 'renderedFields,names,schema,changelog',
    id: '10001',
    self: 'https://acme.atlassian.net/rest/api/3/issue/10001',
    key,
    fields: {
      summary: `Leaked ${t.summary} in logs`,
      project: { id: '10000', key: key.split('-')[0], name: 'Operations' },
      ...(opts.security ? { security: { id: '10100', name: 'Security Team Only' } } : {}),
      updated: '2024-02-01T10:00:00.000+0000',
      description: fullAdfDoc(adf),
      environment: { type: 'doc', version: 1, content: [p(text(`prod host with ${t.env}`))] },
      customfield_10010: { type: 'doc', version: 1, content: [p(text(`custom ${t.custom}`))] },
      customfield_10020: 'not configured, not scanned',
      comment: {
        comments: [
          {
            id: '20001',
            author: { accountId: 'a1', displayName: 'Bob Example' },
            body: { type: 'doc', version: 1, content: [p(text('first comment'))] },
            created: '2024-02-01T11:00:00.000+0000',
          },
          {
            id: '20002',
            author: { accountId: 'a2', displayName: 'Carol Example' },
            body: { type: 'doc', version: 1, content: [p(text('here it is:')), { type: 'codeBlock', content: [text(`token=${t.comment}`)] }] },
            created: '2024-02-01T12:00:00.000+0000',
          },
        ],
        maxResults: 2,
        total: 2,
        startAt: 0,
      },
    },
    changelog: {
      histories: [
        {
          id: '30001',
          author: { displayName: 'Alice Example' },
          created: '2024-02-01T13:00:00.000+0000',
          items: [{ field: 'description', fieldtype: 'jira', from: null, fromString: `old text with ${t.changelog}`, to: null, toString: 'cleaned' }],
        },
      ],
    },
  };
}

/** A v2 issue: rich text is wiki markup. */
export function jiraIssueV2(key: string, t: JiraTokens): Record<string, unknown> {
  return {
    id: '10002',
    self: 'https://acme.atlassian.net/rest/api/2/issue/10002',
    key,
    fields: {
      summary: 'wiki issue',
      description: `h2. Steps\n{code:bash}\ncurl -u x:${t.wiki} https://h.test\n{code}\nSee [the docs|https://docs.test/a]`,
    },
  };
}
