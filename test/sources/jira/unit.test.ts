/**
 * Pure parts of the Jira connector: Jira times and JQL in the user's time zone, `since` forms,
 * the overlap cursor, webhook signatures and planning (property: never throws), error mapping.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/load.js';
import { advanceJiraCursor, decodeJiraCursor, encodeJiraCursor, jqlScope, MAX_SEEN } from '../../../src/sources/jira/cursor.js';
import { retryAfterMs, toJiraError } from '../../../src/sources/jira/client.js';
import type { JiraSourceConfig } from '../../../src/sources/jira/options.js';
import { buildJql, jqlDate, parseJiraSince, parseJiraTime } from '../../../src/sources/jira/time.js';
import { planJiraWebhook, signJiraBody, verifyJiraSignature } from '../../../src/sources/jira/webhook.js';
import { githubPat } from '../../support/token-factory.js';
import { adfDoc } from '../../support/fake-jira.js';

function config(extra: Record<string, unknown> = {}): JiraSourceConfig {
  const loaded = resolveConfig(
    { sources: [{ id: 'jira-main', type: 'jira', host: 'https://acme.atlassian.net/', emailEnv: 'E', apiTokenEnv: 'T', jql: 'project = OPS', ...extra }] },
    { E: 'a@b.test', T: 'x' },
  );
  return loaded.config.sources[0] as JiraSourceConfig;
}
const limits = { chunkChars: 1 << 20, overlapChars: 1024 };

describe('Jira times and JQL', () => {
  it('reads Jira timestamps with +hhmm offsets, ISO dates, and no-offset times as UTC', () => {
    expect(parseJiraTime('2024-05-01T10:20:30.123+0200')).toBe(Date.UTC(2024, 4, 1, 8, 20, 30, 123));
    expect(parseJiraTime('2024-05-01T10:20:30.123-0500')).toBe(Date.UTC(2024, 4, 1, 15, 20, 30, 123));
    expect(parseJiraTime('2024-05-01')).toBe(Date.UTC(2024, 4, 1));
    expect(parseJiraTime('2024-05-01 10:20')).toBe(Date.UTC(2024, 4, 1, 10, 20));
    for (const bad of ['', 'yesterday', '2024-13-45T99:99', 12, null, '2024-05-01T10:20:30.123+0200 extra']) expect(parseJiraTime(bad)).toBeUndefined();
  });

  it('writes JQL dates in the user zone, floored to the minute, across DST', () => {
    const ms = Date.UTC(2024, 2, 31, 0, 59, 59); // DST starts in Europe that night
    expect(jqlDate(ms, 'UTC')).toBe('2024-03-31 00:59');
    expect(jqlDate(ms, 'Europe/Berlin')).toBe('2024-03-31 01:59');
    expect(jqlDate(ms + 60_000, 'Europe/Berlin')).toBe('2024-03-31 03:00');
    expect(jqlDate(Date.UTC(2024, 0, 1, 3), 'America/Los_Angeles')).toBe('2023-12-31 19:00');
    expect(buildJql('project = OPS', { ms, timeZone: 'UTC' })).toBe('(project = OPS) AND updated >= "2024-03-31 00:59" ORDER BY updated ASC, key ASC');
    expect(buildJql('project = OPS OR labels = x', undefined)).toBe('(project = OPS OR labels = x) ORDER BY updated ASC, key ASC');
  });

  it('since: a date or issue keys; anything else is a usage error', () => {
    expect(parseJiraSince('2024-05-01T00:00:00Z')).toEqual({ kind: 'time', ms: Date.UTC(2024, 4, 1) });
    expect(parseJiraSince('issue:OPS-1,SEC-22,OPS-1')).toEqual({ kind: 'issues', keys: ['OPS-1', 'SEC-22'] });
    for (const bad of ['issue:', 'issue:ops-1', 'issue:OPS-0', 'last week']) expect(() => parseJiraSince(bad)).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('config: a bounded JQL without ORDER BY, a host without credentials; defaults as documented', () => {
    expect(config()).toMatchObject({ host: 'https://acme.atlassian.net', customFields: [], overlapMinutes: 10, pageSize: 50, changelog: true });
    expect(() => config({ jql: 'project = OPS ORDER BY created' })).toThrow(/must not contain ORDER BY/);
    expect(() => config({ jql: '  ' })).toThrow(/bounded JQL/);
    expect(() => config({ host: 'https://u:p@acme.atlassian.net' })).toThrow(/credentials/);
    expect(() => config({ timeZone: 'Mars/Olympus' })).toThrow(/IANA time zone/);
    expect(() => resolveConfig({ sources: [{ id: 'j', type: 'jira', host: 'https://a.test', emailEnv: 'E', apiTokenEnv: 'T', jql: 'project = A' }] }, {})).toThrow(/emailEnv: environment variable E is not set[\s\S]*apiTokenEnv/);
  });
});

describe('overlap cursor', () => {
  it('moves forward and keeps only versions a later window can return', () => {
    const overlap = 10 * 60_000;
    let c = advanceJiraCursor({ v: 1, seen: [] }, '1@1000', 1000, overlap);
    c = advanceJiraCursor(c, '2@2000000', 2_000_000, overlap);
    expect(c).toEqual({ v: 1, updated: 2_000_000, seen: ['2@2000000'] });
    c = advanceJiraCursor(c, '3@1500000', 1_500_000, overlap); // older than the newest: kept, does not move `updated`
    expect(c.updated).toBe(2_000_000);
    expect(c.seen).toEqual(['2@2000000', '3@1500000']);
    expect(decodeJiraCursor(encodeJiraCursor(c))).toEqual(c);
    expect(decodeJiraCursor('{"v":1,"seen":"x"}')).toBeUndefined();
    expect(jqlScope('project = A')).not.toBe(jqlScope('project = B'));
    expect(jqlScope(' project = A ')).toBe(jqlScope('project = A'));
  });

  it('stays bounded', () => {
    let c = { v: 1 as const, seen: [] as string[] };
    for (let i = 0; i < MAX_SEEN + 50; i++) c = advanceJiraCursor(c, `${i}@5000`, 5000, 60_000);
    expect(c.seen).toHaveLength(MAX_SEEN);
    expect(c.seen.at(-1)).toBe(`${MAX_SEEN + 49}@5000`);
  });
});

describe('webhook signature', () => {
  const secret = `s-${githubPat()}`;
  const body = Buffer.from('{"webhookEvent":"jira:issue_updated"}');

  it('accepts the HMAC of the raw body; refuses missing, malformed and wrong ones', () => {
    expect(verifyJiraSignature({ rawBody: body, signature: signJiraBody(secret, body), secret })).toEqual({ ok: true });
    expect(verifyJiraSignature({ rawBody: body, signature: signJiraBody(secret, body).toUpperCase().replace('SHA256', 'sha256'), secret })).toEqual({ ok: true });
    expect(verifyJiraSignature({ rawBody: body, signature: undefined, secret })).toEqual({ ok: false, reason: 'missing' });
    expect(verifyJiraSignature({ rawBody: body, signature: 'sha1=abc', secret })).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyJiraSignature({ rawBody: body, signature: signJiraBody('other', body), secret })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyJiraSignature({ rawBody: Buffer.from(`${body.toString()} `), signature: signJiraBody(secret, body), secret })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('never throws on arbitrary headers', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (sig, raw) => verifyJiraSignature({ rawBody: Buffer.from(raw), signature: sig, secret }).ok === false));
  });
});

describe('webhook planning', () => {
  const c = config({ customFields: ['customfield_10010'] });
  const issue = (fields: Record<string, unknown>) => ({ id: '10001', key: 'OPS-7', self: 'https://acme.atlassian.net/rest/api/3/issue/10001', fields });

  it('issue events with fields → chunks like a backfill, including the changelog of the update', () => {
    const t = githubPat();
    const old = githubPat();
    const cf = githubPat();
    const plan = planJiraWebhook(
      {
        webhookEvent: 'jira:issue_updated',
        issue: issue({ summary: 'S', description: adfDoc(`desc ${t}`), updated: '2024-05-01T10:00:00.000+0000', project: { key: 'OPS' }, customfield_10010: `cf ${cf}` }),
        changelog: { id: '555', items: [{ field: 'description', fromString: `old ${old}`, toString: 'new' }] },
      },
      c,
      limits,
    );
    expect(plan.kind).toBe('chunks');
    const chunks = plan.kind === 'chunks' ? plan.chunks : [];
    expect(chunks.find((x) => x.text.includes(t))!.locator).toMatchObject({ kind: 'jira', site: 'https://acme.atlassian.net', issue: 'OPS-7', field: 'description', url: 'https://acme.atlassian.net/browse/OPS-7' });
    expect(chunks.find((x) => x.text.includes(old))!.locator).toMatchObject({ field: 'changelog[555].description.from' });
    expect(chunks.find((x) => x.text.includes(cf))!.locator).toMatchObject({ field: 'customfield_10010' });
    expect(chunks.every((x) => x.source === 'jira-main' && x.exposure?.label === 'project OPS')).toBe(true);
  });

  it('an issue event without its text fields → fetch that issue', () => {
    expect(planJiraWebhook({ webhookEvent: 'jira:issue_created', issue: { id: '1', key: 'OPS-9', fields: { status: {} } } }, c, limits)).toEqual({ kind: 'fetch', event: 'jira:issue_created', issue: 'OPS-9', since: 'issue:OPS-9' });
  });

  it('comment events → only that comment', () => {
    const t = githubPat();
    const plan = planJiraWebhook(
      { webhookEvent: 'comment_created', issue: issue({ summary: 'not rescanned', project: { key: 'OPS' } }), comment: { id: '30001', body: adfDoc(`see ${t}`), author: { displayName: 'Eve' }, updated: '2024-05-01T10:00:00.000+0000' } },
      c,
      limits,
    );
    expect(plan.kind === 'chunks' && plan.chunks.map((x) => [x.locator.kind === 'jira' && x.locator.field, x.locator.kind === 'jira' && x.locator.commentId, x.author])).toEqual([['comment', '30001', 'Eve']]);
  });

  it('ignores other events and malformed payloads; never throws', () => {
    expect(planJiraWebhook({ webhookEvent: 'jira:issue_deleted', issue: issue({}) }, c, limits).kind).toBe('ignore');
    expect(planJiraWebhook({ webhookEvent: 'comment_created', issue: { key: 'not a key' } }, c, limits).kind).toBe('ignore');
    expect(planJiraWebhook('text', c, limits).kind).toBe('ignore');
    fc.assert(
      fc.property(fc.constantFrom('jira:issue_created', 'jira:issue_updated', 'comment_created', 'comment_updated', 'x'), fc.jsonValue(), fc.jsonValue(), (ev, fields, comment) => {
        const p = planJiraWebhook({ webhookEvent: ev, issue: { key: 'OPS-1', fields }, comment }, c, limits);
        return ['chunks', 'fetch', 'ignore'].includes(p.kind);
      }),
    );
    fc.assert(fc.property(fc.jsonValue(), (body) => ['chunks', 'fetch', 'ignore'].includes(planJiraWebhook(body, c, limits).kind)));
  });
});

describe('errors', () => {
  it('Retry-After in seconds or as a date; a minute when absent', () => {
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs('0')).toBe(1000);
    expect(retryAfterMs(new Date(Date.now() + 30_000).toUTCString())).toBeGreaterThan(25_000);
    expect(retryAfterMs(undefined)).toBe(60_000);
    expect(retryAfterMs('soon')).toBe(60_000);
  });

  it('maps what jira.js throws to catalogue codes without its message', () => {
    const httpErr = (status: number, headers: Record<string, string> = {}) =>
      Object.assign(new Error(`Request failed: Basic ${Buffer.from('a@b:SECRET').toString('base64')}`), { status, cause: { isAxiosError: true, response: { status, headers } } });
    expect(toJiraError(httpErr(429, { 'retry-after': '3' }), { op: 'search' })).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retry: { afterMs: 3000 } });
    expect(toJiraError(httpErr(401), { op: 'search' })).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED' });
    expect(toJiraError(httpErr(403), { op: 'search' })).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED' });
    expect(toJiraError(httpErr(400), { op: 'search' })).toMatchObject({ code: 'CONFIG_INVALID', retry: 'never' });
    expect(toJiraError(httpErr(410), { op: 'search' })).toMatchObject({ code: 'UPSTREAM_INVALID_RESPONSE', retry: 'never' });
    expect(toJiraError(httpErr(503), { op: 'search' })).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retry: 'later' });
    expect(toJiraError(Object.assign(new Error('connect ECONNREFUSED'), { isAxiosError: true, code: 'ECONNREFUSED' }), { op: 'search' })).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      details: { cause: 'ECONNREFUSED' },
    });
    const e = toJiraError(httpErr(418), { op: 'search', sourceId: 'jira-main' });
    expect(JSON.stringify({ m: e.message, d: e.details })).not.toMatch(/SECRET|Basic/);
  });
});
