/**
 * The findings routes of the review API on real findings (planted through the scan stage into an
 * embedded store): list with every filter, sort and cursor pagination; detail with profile, masked
 * claims, factors, occurrences, actions and audit; status transitions audited with the calling key,
 * 404 / 409 / 422; false positives suppress the fingerprint; liveness re-check; stats; and errors
 * that never echo what was sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../../src/server/api/routes.js';
import { fakeSignedJwt, nowSeconds } from '../../support/jwt-factory.js';
import { adminJwt, bearer, githubPat, json, readJwt, startTestServer, type TestServer } from './helpers.js';

describe('findings API', () => {
  let s: TestServer;
  let critical = "";
  let low = "";
  let pat = "";
  let expired = "";
  const tokens: string[] = [];

  beforeAll(async () => {
    s = await startTestServer();
    const a = adminJwt({ tid: 'tenant-blue' });
    const r = readJwt();
    const g = githubPat();
    const e = fakeSignedJwt({ iss: 'https://auth.example.test/', sub: 'gone', exp: nowSeconds() - 86_400 * 3, iat: nowSeconds() - 86_400 * 4 });
    tokens.push(a, r, g, e);
    critical = (await s.plant(`curl -H "Authorization: Bearer ${a}" https://api.acme-corp.example`, {
      source: 'slack-main',
      locator: { kind: 'slack', channel: 'C0PUBLIC', channelName: 'general', ts: '1700000000.000100', permalink: 'https://acme.slack.com/archives/C0PUBLIC/p1700000000000100', path: 'general/2024-01-01.json' },
      exposure: { visibility: 'public', audience: 900, label: '#general' },
      author: 'Dana',
    }))[0]!;
    low = (await s.plant(`docs token ${r}`, { source: 'jira-main', locator: { kind: 'jira', issue: 'OPS-42', field: 'description', url: 'https://acme.atlassian.net/browse/OPS-42', path: 'OPS-42' } }))[0]!;
    pat = (await s.plant(`GITHUB_TOKEN=${g}`, { source: 'git', locator: { kind: 'git', repo: '/srv/repos/api', commit: 'a'.repeat(40), path: 'deploy/release.yaml', line: 3 } }))[0]!;
    expired = (await s.plant(`old: ${e}`))[0]!;
    // the same PAT in a second place
    await s.plant(`again ${g}`, { source: 'files', locator: { kind: 'file', path: 'notes/todo.md', line: 7, column: 1 } });
  });
  afterAll(async () => {
    await s?.close();
  });

  const get = (url: string, role: 'viewer' | 'responder' | 'admin' = 'viewer') => s.app.inject({ url: `${API_PREFIX}${url}`, headers: bearer(s.keys[role]) });
  const post = (url: string, payload?: object, role: 'viewer' | 'responder' | 'admin' = 'responder') =>
    s.app.inject({ method: 'POST', url: `${API_PREFIX}${url}`, headers: bearer(s.keys[role]), ...(payload ? { payload } : {}) });

  it('lists findings by score, highest first, with their review fields', async () => {
    const res = await get('/findings');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = json(res);
    expect(body.items.map((f: { fingerprint: string }) => f.fingerprint)).toHaveLength(4);
    const scores = body.items.map((f: { blastRadius: { score: number } }) => f.blastRadius.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(body.items[0].fingerprint).toBe(critical);
    expect(body.items[0]).toMatchObject({ status: 'open', sources: ['slack-main'], widestVisibility: 'public', occurrenceCount: 1 });
    expect(body.nextCursor).toBeUndefined();
    for (const t of tokens) expect(res.body).not.toContain(t);
  });

  it('filters by severity, status, source, rule, issuer, tenant, liveness and text (repeated or comma-separated)', async () => {
    const fps = async (q: string) => json(await get(`/findings?${q}`)).items.map((f: { fingerprint: string }) => f.fingerprint).sort();
    const sev = json(await get(`/findings/${critical}`)).finding.blastRadius.severity as string;
    expect(await fps(`severity=${sev}`)).toContain(critical);
    expect(await fps('source=git')).toEqual([pat]);
    expect(await fps('source=git,jira-main')).toEqual([low, pat].sort());
    expect(await fps('source=git&source=jira-main')).toEqual([low, pat].sort());
    expect(await fps('rule=github-classic-pat')).toEqual([pat]);
    expect(await fps('issuer=https://login.acme-corp.example/')).toEqual([critical]);
    expect(await fps('tenant=tenant-blue')).toEqual([critical]);
    expect(await fps('liveness=expired')).toEqual([expired]);
    expect(await fps('status=open')).toHaveLength(4);
    expect(await fps('status=resolved')).toEqual([]);
    expect(await fps('q=OPS-42')).toEqual([low]);
    expect(await fps('q=release.yaml')).toEqual([pat]);
    expect(await fps('q=ghp_')).toEqual([pat]);
    expect(await fps('source=git&rule=jwt')).toEqual([]);
  });

  it('sorts by first seen and last seen, both ways, and pages with a cursor', async () => {
    const order = async (q: string) => json(await get(`/findings?${q}`)).items.map((f: { fingerprint: string }) => f.fingerprint);
    const asc = await order('sort=firstSeen&order=asc');
    expect(asc[0]).toBe(critical);
    expect(await order('sort=firstSeen&order=desc')).toEqual([...asc].reverse());
    expect((await order('sort=lastSeen&order=desc'))[0]).toBe(pat); // seen again last
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const body = json(await get(`/findings?limit=1&sort=score${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
      seen.push(...body.items.map((f: { fingerprint: string }) => f.fingerprint));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(4);
    expect(seen).toEqual(await order('sort=score'));
  });

  it('shows a finding with profile, masked claims, factors, occurrences, actions and audit', async () => {
    const res = await get(`/findings/${critical}`);
    expect(res.statusCode).toBe(200);
    const d = json(res);
    expect(d.finding.fingerprint).toBe(critical);
    expect(d.finding.profile.issuer).toBe('https://login.acme-corp.example/');
    expect(d.finding.claims.roles).toEqual(['Global Administrator']);
    expect(d.finding.blastRadius.factors.length).toBeGreaterThan(0);
    expect(d.finding.occurrences[0].locator).toMatchObject({ kind: 'slack', channelName: 'general', permalink: expect.stringContaining('slack.com') });
    expect(Array.isArray(d.actions)).toBe(true);
    expect(Array.isArray(d.audit)).toBe(true);
    for (const t of tokens) expect(res.body).not.toContain(t);
    const occ = json(await get(`/findings/${pat}/occurrences?limit=1`));
    expect(occ.items).toHaveLength(1);
    const rest = json(await get(`/findings/${pat}/occurrences?limit=1&cursor=${encodeURIComponent(occ.nextCursor)}`));
    expect(rest.items[0].locator.path).toBe('notes/todo.md');
  });

  it('404s unknown findings and 400s malformed fingerprints and query parameters', async () => {
    const missing = await get(`/findings/sha256:${'0'.repeat(64)}`);
    expect(missing.statusCode).toBe(404);
    expect(json(missing)).toEqual({ error: { code: 'NOT_FOUND', message: 'no finding with this fingerprint' } });
    const bad = await get('/findings/not-a-fingerprint');
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error.issues[0]).toMatchObject({ path: 'fingerprint' });
    const badQuery = await get('/findings?severity=catastrophic&limit=0&sort=banana');
    expect(badQuery.statusCode).toBe(400);
    expect(json(badQuery).error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['limit', 'severity[0]', 'sort']);
    const unknownParam = await get('/findings?colour=red');
    expect(unknownParam.statusCode).toBe(400);
    expect(json(unknownParam).error.issues[0].message).toBe('unknown key: colour');
    const badCursor = await get('/findings?cursor=bm9wZQ');
    expect(badCursor.statusCode).toBe(422);
  });

  it('never echoes a token sent in a query or a body', async () => {
    const t = adminJwt();
    const q = await get(`/findings?colour=${t}&limit=${t}`);
    expect(q.statusCode).toBe(400);
    expect(q.body).not.toContain(t);
    const asKey = await get(`/findings?${t}=1`);
    expect(asKey.statusCode).toBe(400);
    expect(asKey.body).not.toContain(t.slice(0, 30));
    const b = await post(`/findings/${low}/false-positive`, { reason: 7, [t]: t, note: t });
    expect(b.statusCode).toBe(422);
    expect(b.body).not.toContain(t.slice(0, 30));
    const badJson = await s.app.inject({ method: 'POST', url: `${API_PREFIX}/findings/${low}/assign`, headers: { ...bearer(s.keys.responder), 'content-type': 'application/json' }, payload: `{"assignee": "${t}` });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.body).not.toContain(t.slice(0, 30));
  });

  it('acknowledges, assigns, resolves and reopens, auditing the calling key; 409 for a transition the status does not allow', async () => {
    const ack = await post(`/findings/${low}/acknowledge`);
    expect(ack.statusCode).toBe(200);
    expect(json(ack).finding.status).toBe('acknowledged');
    const again = await post(`/findings/${low}/acknowledge`);
    expect(again.statusCode).toBe(409);
    expect(json(again).error.code).toBe('CONFLICT');
    const assign = await post(`/findings/${low}/assign`, { assignee: 'rita' });
    expect(json(assign).finding.assignee).toBe('rita');
    const missingBody = await post(`/findings/${low}/assign`);
    expect(missingBody.statusCode).toBe(422);
    const resolved = await post(`/findings/${low}/resolve`, { reason: 'token rotated by the owner' });
    expect(json(resolved).finding).toMatchObject({ status: 'resolved', statusReason: 'token rotated by the owner' });
    expect((await post(`/findings/${low}/resolve`)).statusCode).toBe(409);
    expect(json(await post(`/findings/${low}/reopen`, { reason: 'still in the wiki' })).finding.status).toBe('open');
    const audit = json(await get(`/audit?fingerprint=${encodeURIComponent(low)}`));
    const verbs = audit.items.map((e: { action: string }) => e.action);
    expect(verbs).toEqual(expect.arrayContaining(['finding.acknowledged', 'finding.assigned', 'finding.resolved', 'finding.reopened']));
    for (const e of audit.items.filter((x: { action: string }) => x.action.startsWith('finding.'))) expect(e.actor).toBe(`api-key:${s.keyIds.responder}`);
  });

  it('marks a false positive with a required reason and suppresses that fingerprint from then on', async () => {
    const noReason = await post(`/findings/${expired}/false-positive`, {});
    expect(noReason.statusCode).toBe(422);
    expect(json(noReason).error.issues[0].path).toBe('reason');
    const fp = await post(`/findings/${expired}/false-positive`, { reason: 'test fixture' });
    expect(fp.statusCode).toBe(200);
    expect(json(fp).finding).toMatchObject({ status: 'false-positive', statusReason: 'test fixture' });
    // seen again elsewhere: recorded, but the status stays and no alert fires
    const token = tokens[3]!;
    await s.plant(`copy ${token}`, { locator: { kind: 'file', path: 'other.txt', line: 1, column: 1 } });
    const after = json(await get(`/findings/${expired}`)).finding;
    expect(after.status).toBe('false-positive');
    expect(after.occurrenceCount).toBe(2);
    expect((await post(`/findings/${expired}/resolve`)).statusCode).toBe(409);
    expect((await post(`/findings/${expired}/recheck`)).statusCode).toBe(409);
    expect((await post(`/findings/${expired}/revoke`)).statusCode).toBe(409);
  });

  it('re-checks liveness from the clock and the sealed token, recording who asked', async () => {
    const res = await post(`/findings/${critical}/recheck`);
    expect(res.statusCode).toBe(200);
    const body = json(res);
    expect(body.previous.liveness).toBe('unverifiable');
    expect(body.finding.liveness.state).toBe('unverifiable');
    expect(body.finding.liveness.checkedAt).toBeTypeOf('string');
    const audit = json(await get(`/audit?fingerprint=${encodeURIComponent(critical)}&action=finding.liveness-rechecked`));
    expect(audit.items[0]).toMatchObject({ actor: `api-key:${s.keyIds.responder}`, details: { from: 'unverifiable', to: 'unverifiable' } });
    expect((await post(`/findings/sha256:${'1'.repeat(64)}/recheck`)).statusCode).toBe(404);
  });

  it('re-check turns a token that expired since the scan expired, and lowers its score', async () => {
    // Scanned an hour ago, when it still had 30 minutes to live.
    const hourAgo = new Date(Date.now() - 3600_000);
    const t = fakeSignedJwt({ iss: 'https://auth.example.test/', sub: 'blink', scope: 'admin', exp: nowSeconds() - 1800, iat: nowSeconds() - 3700 });
    const [fp] = await s.plant(`short ${t}`, { at: hourAgo });
    const before = json(await get(`/findings/${fp}`)).finding;
    expect(before.liveness.state).not.toBe('expired');
    const res = await post(`/findings/${fp}/recheck`);
    expect(res.statusCode).toBe(200);
    const body = json(res);
    expect(body.previous.liveness).toBe(before.liveness.state);
    expect(body.finding.liveness.state).toBe('expired');
    expect(body.finding.blastRadius.score).toBeLessThan(body.previous.score);
    expect(body.finding.version).toBeGreaterThan(before.version);
  });

  it('counts open findings by severity and source, with a daily series and the median time to revoke', async () => {
    const res = await get('/stats?days=7');
    expect(res.statusCode).toBe(200);
    const st = json(res);
    expect(st.days).toBe(7);
    expect(st.series).toHaveLength(7);
    expect(st.series[6].day).toBe(new Date().toISOString().slice(0, 10));
    expect(st.series[6].opened).toBeGreaterThanOrEqual(4);
    expect(st.open.bySource['slack-main']).toBe(1);
    const total = Object.values(st.open.bySeverity as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(total).toBe(st.open.total);
    expect(st.byStatus['false-positive']).toBe(1);
    expect(st.medianSecondsToRevoke).toBeNull();
    expect((await get('/stats?days=0')).statusCode).toBe(400);
  });

  it('lists actions and pending approvals (empty here)', async () => {
    expect(json(await get('/approvals'))).toEqual({ items: [] });
    const actions = await get(`/actions?fingerprint=${encodeURIComponent(critical)}&status=awaiting-approval`);
    expect(actions.statusCode).toBe(200);
    expect(json(actions).items).toEqual([]);
  });
});
