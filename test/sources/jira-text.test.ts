import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { adfToText, adfToTextDetailed } from '../../src/sources/jira-common/adf.js';
import { wikiToText } from '../../src/sources/jira-common/wiki.js';
import { extractIssueText, issuesIn } from '../../src/sources/jira-common/issue-text.js';
import { adfTokens, fullAdfDoc, jiraIssue, jiraTokens } from '../support/fixtures-jira.js';

describe('adfToText', () => {
  it('converts every node type, one block per line, atoms set off by spaces, code verbatim', () => {
    const t = adfTokens();
    let s = adfToText(fullAdfDoc(t));
    for (const [k, v] of Object.entries(t)) s = s.split(v).join(`<${k}>`);
    expect(s.split('\n')).toEqual([
      'Incident <heading>',
      'Token: <para>',
      'see the runbook https://wiki.example.test/run?key=<linkHref> by @Alice 🔑 2024-01-02 BLOCKED-<status> https://jira.example.test/browse/OPS-1 type here',
      'curl -H "Authorization: Bearer <code>" \\',
      '  https://api.example.test/v1',
      'first',
      'second <list>',
      'nested item',
      'quoted <quote>',
      'panel <panel>',
      'Details',
      'expanded <expand>',
      'More',
      'deeper <nested>',
      'name',
      'value',
      'API_KEY',
      '<cell>',
      'screenshot.png',
      'caption text',
      'https://cdn.example.test/f?sig=<media>',
      'rotate <task>',
      'revoke <decision>',
      'left',
      'right <layout>',
      'https://docs.example.test/page?token=<card>',
      'https://embed.example.test/v',
      'macro',
      'export TOKEN=<extParam>',
      'bodied body',
      'future <unknown>',
    ]);
  });

  it('never merges adjacent blocks or atoms into one word', () => {
    const doc = {
      type: 'doc',
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'abc' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'def' }] },
        { type: 'tableCell', content: [{ type: 'text', text: 'ghi' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'x' }, { type: 'mention', attrs: { text: 'y' } }, { type: 'text', text: 'z' }] },
      ],
    };
    expect(adfToText(doc)).toBe('abc\ndef\nghi\nx y z');
  });

  it('survives hostile nesting and size with a truncation flag instead of a crash', () => {
    let deep: unknown = { type: 'text', text: 'bottom' };
    for (let i = 0; i < 100_000; i++) deep = { type: 'paragraph', content: [deep] };
    const r = adfToTextDetailed({ type: 'doc', content: [deep] });
    expect(r.truncated).toBe(true);
    const wide = { type: 'doc', content: Array.from({ length: 1000 }, () => ({ type: 'paragraph', content: [{ type: 'text', text: 'y'.repeat(1000) }] })) };
    const w = adfToTextDetailed(wide, { maxChars: 10_000 });
    expect(w.text.length).toBeLessThanOrEqual(10_000);
    expect(w.truncated).toBe(true);
  });

  it('never throws on arbitrary JSON (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 10 }), (v) => {
        expect(typeof adfToText(v)).toBe('string');
      }),
      { numRuns: 1000 },
    );
    const node: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      node: fc.oneof({ maxDepth: 5, depthIdentifier: 'adf' }, fc.jsonValue({ maxDepth: 1 }), fc.record({
        type: fc.constantFrom('doc', 'paragraph', 'text', 'codeBlock', 'mention', 'table', 'hardBreak', 'inlineCard', 'extension', 'zzz', 42),
        text: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 })),
        attrs: fc.jsonValue({ maxDepth: 3 }),
        marks: fc.jsonValue({ maxDepth: 3 }),
        content: fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.array(tie('node'), { maxLength: 4 })),
      })),
    })).node;
    fc.assert(fc.property(node, (n) => void adfToText(n)), { numRuns: 500 });
  });
});

describe('wikiToText', () => {
  it('keeps code and noformat bodies verbatim and unwraps links and macros', () => {
    const src = 'h2. Setup\n{code:bash}\nexport A=[x|y] {color:red}z{color}\n{code}\nsee [docs|https://d.test/a] and [https://e.test]\n{noformat}raw *text*{noformat}\n{quote}q{quote}{color:red}ab{color}cd\\\\next \\_esc';
    expect(wikiToText(src).split('\n')).toEqual(['h2. Setup', '', 'export A=[x|y] {color:red}z{color}', '', 'see docs https://d.test/a and https://e.test', '', 'raw *text*', '', '', 'q', 'abcd', 'next _esc']);
  });

  it('runs an unclosed code block to the end and never throws (property)', () => {
    expect(wikiToText('a {code}b [c|d]')).toBe('a \nb [c|d]');
    fc.assert(fc.property(fc.string({ maxLength: 500 }), (s) => void wikiToText(s)));
  });
});

describe('extractIssueText', () => {
  it('reads summary, ADF description and environment, comments, configured custom fields and changelog strings', () => {
    const t = jiraTokens();
    const a = adfTokens();
    const issue = extractIssueText(jiraIssue('OPS-7', t, a, { security: true }), { customFields: ['customfield_10010'] })!;
    expect(issue).toMatchObject({
      key: 'OPS-7',
      site: 'https://acme.atlassian.net',
      url: 'https://acme.atlassian.net/browse/OPS-7',
      exposure: { visibility: 'private', label: 'project OPS, security level Security Team Only' },
    });
    const byField = Object.fromEntries(issue.texts.map((x) => [`${x.field}${x.commentId ? `#${x.commentId}` : ''}`, x]));
    expect(Object.keys(byField)).toEqual(['summary', 'description', 'environment', 'comment#20001', 'comment#20002', 'customfield_10010', 'changelog[30001].description.from', 'changelog[30001].description.to']);
    expect(byField.summary!.text).toContain(t.summary);
    expect(byField.description!.text).toContain(a.code);
    expect(byField['comment#20002']).toMatchObject({ author: 'Carol Example', at: '2024-02-01T12:00:00.000+0000', text: `here it is:\ntoken=${t.comment}` });
    expect(byField['changelog[30001].description.from']!.text).toBe(`old text with ${t.changelog}`);
    expect(extractIssueText(jiraIssue('OPS-8', t, a))!.exposure).toEqual({ visibility: 'unknown', label: 'project OPS' });
  });

  it('finds issues in every JSON shape and nothing in other JSON', () => {
    const i = { key: 'A-1', fields: {} };
    expect(issuesIn(i)).toHaveLength(1);
    expect(issuesIn({ issues: [i, i], nextPageToken: 'abc', isLast: false })).toHaveLength(2);
    expect(issuesIn([{ issues: [i] }, i])).toHaveLength(2);
    const hook = issuesIn({ webhookEvent: 'comment_created', issue: i, comment: { id: '9', body: 'x' } }) as Array<{ fields: { comment: { comments: unknown[] } } }>;
    expect(hook[0]!.fields.comment.comments).toHaveLength(1);
    expect(issuesIn({ name: 'pkg', version: '1.0.0' })).toEqual([]);
    expect(extractIssueText({ fields: {} })).toBeNull();
  });

  it('never throws on arbitrary issue-shaped JSON (property)', () => {
    fc.assert(
      fc.property(fc.record({ key: fc.string({ minLength: 1 }), self: fc.jsonValue({ maxDepth: 1 }), fields: fc.dictionary(fc.constantFrom('summary', 'description', 'comment', 'security', 'project', 'environment', 'cf'), fc.jsonValue({ maxDepth: 5 })), changelog: fc.jsonValue({ maxDepth: 5 }) }), (v) => {
        extractIssueText(v, { customFields: ['cf'] });
      }),
      { numRuns: 500 },
    );
  });
});
