/**
 * A seeded Jira site on the fake server, with tokens (built at test time) planted in every place an
 * issue carries text — every ADF node type, comments past the embedded page, custom fields, a
 * security-level issue — and helpers to build the Jira source the way the service does.
 */
import { resolveConfig, type LoadedConfig } from '../../../src/config/load.js';
import type { Chunk } from '../../../src/core/types.js';
import { silentLogger } from '../../../src/observe/logger.js';
import { createSource, findSourceConfig, type SourceDeps } from '../../../src/sources/registry.js';
import type { PulledChunk, Source } from '../../../src/sources/types.js';
import { adfDoc, type FakeJira } from '../../support/fake-jira.js';
import { fakeSignedJwt, inHours } from '../../support/jwt-factory.js';
import { githubPat, slackBotToken } from '../../support/token-factory.js';

export const EMAIL_ENV = 'JIRA_TEST_EMAIL';
export const TOKEN_ENV = 'JIRA_TEST_API_TOKEN';

export interface PlantedJira {
  /** token → where it must be found. */
  places: Map<string, { issue: string; field: string; commentId?: string }>;
  /** Tokens the source must NOT read (outside the JQL, or a field that is not configured). */
  unread: string[];
  /** Tokens inside the ADF description of OPS-1, in document order. */
  adf: { doc: unknown; tokens: string[]; breakPair: [string, string] };
}

/** An ADF document using every node type, with a token in each text-bearing place. */
export function everyNodeDoc(): { doc: unknown; tokens: string[]; breakPair: [string, string] } {
  const t = Array.from({ length: 14 }, () => githubPat());
  const para = (...content: unknown[]) => ({ type: 'paragraph', content });
  const text = (s: string, marks?: unknown[]) => ({ type: 'text', text: s, ...(marks ? { marks } : {}) });
  const doc = {
    type: 'doc',
    version: 1,
    content: [
      { type: 'heading', attrs: { level: 2 }, content: [text(`Heading ${t[0]}`)] },
      para(text('plain and '), text('bold', [{ type: 'strong' }]), text(' then a link', [{ type: 'link', attrs: { href: `https://ci.example.test/run?token=${t[1]}` } }])),
      { type: 'bulletList', content: [{ type: 'listItem', content: [para(text(`bullet ${t[2]}`))] }] },
      { type: 'orderedList', attrs: { order: 1 }, content: [{ type: 'listItem', content: [para(text(`ordered ${t[3]}`))] }] },
      { type: 'codeBlock', attrs: { language: 'bash' }, content: [text(`export GITHUB_TOKEN=${t[4]}\ncurl -s https://api.example.test`)] },
      { type: 'blockquote', content: [para(text(`quoted ${t[5]}`))] },
      { type: 'panel', attrs: { panelType: 'warning' }, content: [para(text(`panel ${t[6]}`))] },
      {
        type: 'table',
        content: [
          { type: 'tableRow', content: [{ type: 'tableHeader', content: [para(text('name'))] }, { type: 'tableHeader', content: [para(text('value'))] }] },
          { type: 'tableRow', content: [{ type: 'tableCell', content: [para(text('token'))] }, { type: 'tableCell', content: [para(text(t[7]!))] }] },
        ],
      },
      { type: 'expand', attrs: { title: 'details' }, content: [para(text(`expanded ${t[8]}`)), { type: 'nestedExpand', attrs: { title: 'more' }, content: [para(text('nested'))] }] },
      para(
        text('hi '),
        { type: 'mention', attrs: { id: 'acc-1', text: '@Dev One' } },
        { type: 'emoji', attrs: { shortName: ':key:', text: '🔑' } },
        { type: 'inlineCard', attrs: { url: `https://vault.example.test/v1/secret?x=${t[9]}` } },
        { type: 'status', attrs: { text: 'LEAKED', color: 'red' } },
        { type: 'date', attrs: { timestamp: '1714550400000' } },
      ),
      // Two tokens separated only by a hard break must stay two lines, never one merged string.
      para(text(t[10]!), { type: 'hardBreak' }, text(t[11]!)),
      { type: 'mediaSingle', content: [{ type: 'media', attrs: { id: 'm1', type: 'file', collection: 'c', alt: 'screenshot.png' } }] },
      { type: 'rule' },
      { type: 'taskList', attrs: { localId: 'tl' }, content: [{ type: 'taskItem', attrs: { localId: 'ti', state: 'TODO' }, content: [text(`rotate ${t[12]}`)] }] },
      { type: 'extension', attrs: { extensionType: 'com.atlassian.macro', extensionKey: 'code', parameters: { macroParams: { body: { value: `secret=${t[13]}` } } } } },
      { type: 'layoutSection', content: [{ type: 'layoutColumn', attrs: { width: 50 }, content: [para(text('left'))] }, { type: 'layoutColumn', attrs: { width: 50 }, content: [para(text('right'))] }] },
      { type: 'blockCard', attrs: { url: 'https://docs.example.test/runbook' } },
      { type: 'decisionList', content: [{ type: 'decisionItem', attrs: { state: 'DECIDED' }, content: [text('rotate weekly')] }] },
    ],
  };
  return { doc, tokens: t, breakPair: [t[10]!, t[11]!] };
}

/**
 * OPS: 7 issues (several search pages at pageSize 2); OPS-1 with the every-node description;
 * OPS-2 with 5 comments (the search embeds 3) whose last holds a JWT; OPS-3 with custom fields;
 * OPS-4 under a security level. SEC-1 in the JQL too; MKT-1 outside it.
 */
export function seedJira(jira: FakeJira): PlantedJira {
  const places: PlantedJira['places'] = new Map();
  const plant = (token: string, issue: string, field: string, commentId?: string) => places.set(token, { issue, field, ...(commentId ? { commentId } : {}) });
  const adf = everyNodeDoc();
  const i1 = jira.addIssue({ project: 'OPS', summary: 'Rotate the CI credentials', description: adf.doc });
  for (const t of adf.tokens) plant(t, i1.key, 'description');

  const i2 = jira.addIssue({ project: 'OPS', summary: 'Staging login broken', description: adfDoc('See comments.') });
  for (let n = 0; n < 4; n++) {
    const t = githubPat();
    const c = jira.addComment(i2.key, adfDoc(`attempt ${n}: ${t}`));
    plant(t, i2.key, 'comment', c.id);
  }
  const jwt = fakeSignedJwt({ iss: 'https://login.example.test/', sub: 'svc-staging', aud: 'api', exp: inHours(3), scope: 'admin', tenant: 'acme' });
  const last = jira.addComment(i2.key, { type: 'doc', version: 1, content: [{ type: 'codeBlock', content: [{ type: 'text', text: `Authorization: Bearer ${jwt}` }] }] }, 'Dev Two');
  plant(jwt, i2.key, 'comment', last.id);

  const wiki = slackBotToken();
  const adfCustom = githubPat();
  const notConfigured = githubPat();
  const i3 = jira.addIssue({
    project: 'OPS',
    summary: 'Deploy notes',
    fields: { customfield_10010: `{code}SLACK=${wiki}{code}`, customfield_10011: adfDoc(`custom ${adfCustom}`), customfield_10099: `not scanned ${notConfigured}` },
  });
  plant(wiki, i3.key, 'customfield_10010');
  plant(adfCustom, i3.key, 'customfield_10011');

  const secured = githubPat();
  const i4 = jira.addIssue({ project: 'OPS', summary: 'Incident 42', description: adfDoc(`prod key ${secured}`), security: { id: '10100', name: 'Incident responders' } });
  plant(secured, i4.key, 'description');

  const env = githubPat();
  const i5 = jira.addIssue({ project: 'OPS', summary: 'Env', environment: adfDoc(`runner token ${env}`) });
  plant(env, i5.key, 'environment');
  const inSummary = githubPat();
  const i6 = jira.addIssue({ project: 'OPS', summary: `pasted ${inSummary} by mistake` });
  plant(inSummary, i6.key, 'summary');
  jira.addIssue({ project: 'OPS', summary: 'Quiet issue' });

  const sec = githubPat();
  const s1 = jira.addIssue({ project: 'SEC', summary: 'Audit', description: adfDoc(`found ${sec}`) });
  plant(sec, s1.key, 'description');

  const outside = githubPat();
  jira.addIssue({ project: 'MKT', summary: `campaign ${outside}` });
  return { places, unread: [outside, notConfigured], adf };
}

export function jiraLoaded(jira: FakeJira, extra: Record<string, unknown> = {}, more: Array<Record<string, unknown>> = [], env: Record<string, string> = {}): LoadedConfig {
  return resolveConfig(
    {
      sources: [
        {
          id: 'jira-main',
          type: 'jira',
          host: jira.url,
          emailEnv: EMAIL_ENV,
          apiTokenEnv: TOKEN_ENV,
          jql: 'project in (OPS, SEC)',
          customFields: ['customfield_10010', 'customfield_10011'],
          pageSize: 2,
          commentPageSize: 2,
          retry: { retries: 2, minTimeoutMs: 5, maxTimeoutMs: 20 },
          timeoutMs: 10_000,
          ...extra,
        },
        ...more,
      ],
    },
    { [EMAIL_ENV]: jira.email, [TOKEN_ENV]: jira.apiToken, ...env },
  );
}

export function jiraSource(loaded: LoadedConfig, deps: Partial<SourceDeps> = {}, id = 'jira-main'): Source {
  return createSource(findSourceConfig(loaded.config.sources, id), { logger: silentLogger(), scan: loaded.config.scan, env: loaded.env, ...deps });
}

export async function pullAll(source: Source, since?: string): Promise<PulledChunk[]> {
  const out: PulledChunk[] = [];
  for await (const p of source.pull({ signal: new AbortController().signal, ...(since ? { since } : {}) })) out.push(p);
  return out;
}

export function holding(chunks: readonly Chunk[], token: string): Chunk[] {
  return chunks.filter((c) => c.text.includes(token));
}

export function expectPlaces(chunks: readonly Chunk[], places: PlantedJira['places'], expectFn: (ok: boolean, msg: string) => void): void {
  for (const [token, where] of places) {
    const hit = holding(chunks, token)[0];
    const ok =
      hit !== undefined &&
      hit.locator.kind === 'jira' &&
      hit.locator.issue === where.issue &&
      hit.locator.field === where.field &&
      (where.commentId === undefined || hit.locator.commentId === where.commentId);
    expectFn(ok, `${where.issue}/${where.field}${where.commentId ? `/${where.commentId}` : ''}`);
  }
}
