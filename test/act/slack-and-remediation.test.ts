/**
 * The Slack alert sink (Block Kit message, thread reply to the leaking message) and opt-in source
 * remediation (Slack message edited or deleted, Jira issue comment, GitHub commit comment), all
 * through the real client libraries against fake servers. No raw token in anything they send.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemediatorConfigSchema, SlackSinkSchema } from '../../src/act/options.js';
import { createGithubRemediator } from '../../src/act/remediate/github.js';
import { createJiraRemediator } from '../../src/act/remediate/jira.js';
import { createSlackRemediator } from '../../src/act/remediate/slack.js';
import { createSlackSink } from '../../src/act/sinks/slack.js';
import type { RevocationStatus } from '../../src/act/types.js';
import { fingerprint, redact } from '../../src/core/secrets.js';
import type { StoredOccurrence } from '../../src/store/types.js';
import { startFakeGithub, type FakeGithub } from '../support/fake-github.js';
import { startFakeJira, adfDoc, type FakeJira } from '../support/fake-jira.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { githubPat, slackUserToken } from '../support/token-factory.js';
import { findLeaks, storedFinding } from './helpers.js';

const revoked: RevocationStatus = { revoker: 'idp', outcome: 'revoked', confirmed: true, actionId: 'a-1', actor: 'policy:live-high', at: '2026-01-01T00:00:01.000Z', reason: 'revoked at the IdP' };

describe('slack sink', () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  afterAll(() => slack.close());

  const sink = (o: Record<string, unknown> = {}) =>
    createSlackSink(SlackSinkSchema.parse({ id: 'sec', type: 'slack', tokenEnv: 'T', channel: 'C0SEC', apiUrl: slack.apiUrl, ...o }), { env: { T: slack.token } });

  it('posts a Block Kit alert with preview, score, factors, liveness, permalinks, revocation and the suggested action', async () => {
    const token = slackUserToken();
    const f = storedFinding({ fingerprint: fingerprint(token), rule: 'slack-user-token', kind: 'credential', redacted: redact(token), claims: undefined });
    const receipt = await sink().notify(f, { type: 'finding.created', deliveryId: 'alert-x', attempt: 1, revocations: [revoked], now: new Date() });
    const post = slack.posted.at(-1)!;
    expect(receipt).toMatchObject({ channel: 'C0SEC', ts: post.ts });
    expect(post.channel).toBe('C0SEC');
    const blocks = JSON.stringify(post.blocks);
    expect(blocks).toContain(redact(token));
    expect(blocks).toContain('high (80/100)');
    expect(blocks).toContain('admin scope (+30)');
    expect(blocks).toContain('*Liveness:* live');
    expect(blocks).toContain('<https://acme.slack.com/archives/C0LEAK/p1700000000000100|#deploys (C0LEAK) 1700000000.000100>');
    expect(blocks).toContain('idp: *revoked*');
    expect(blocks).toContain('Suggested action');
    expect(findLeaks(JSON.stringify(slack.posted), [token])).toEqual([]);
  });

  it("replies in the leaking message's thread for configured sources, telling its author what to do", async () => {
    const f = storedFinding();
    await sink({ threadReplySources: ['slack-main'] }).notify(f, { type: 'finding.created', deliveryId: 'alert-y', attempt: 1, revocations: [revoked], now: new Date() });
    const reply = slack.posted.at(-1)!;
    expect(reply).toMatchObject({ channel: 'C0LEAK', thread_ts: '1700000000.000100' });
    expect(reply.text).toContain('<@U0AUTHOR1>');
    expect(reply.text).toContain('It has been revoked automatically');
    // Updates do not nag the author again.
    const n = slack.posted.length;
    await sink({ threadReplySources: ['slack-main'] }).notify({ ...f, version: 2 }, { type: 'finding.updated', deliveryId: 'alert-z', attempt: 1, revocations: [], now: new Date() });
    expect(slack.posted.length).toBe(n + 1);
  });

  it('maps Slack failures: rate limit ⇒ retry after, bad token ⇒ never retried', async () => {
    slack.fail({ method: 'chat.postMessage', status: 429, retryAfter: 2 });
    await expect(sink().notify(storedFinding(), undefined)).rejects.toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retry: { afterMs: 2000 } });
    const bad = createSlackSink(SlackSinkSchema.parse({ id: 'sec', type: 'slack', tokenEnv: 'T', channel: 'C0SEC', apiUrl: slack.apiUrl }), { env: { T: 'xoxb-not-valid' } });
    await expect(bad.notify(storedFinding(), undefined)).rejects.toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', retry: 'never' });
  });
});

describe('source remediation', () => {
  let slack: FakeSlack;
  let jira: FakeJira;
  let gh: FakeGithub;
  beforeAll(async () => {
    [slack, jira, gh] = await Promise.all([startFakeSlack(), startFakeJira(), startFakeGithub()]);
  });
  afterAll(async () => {
    await Promise.all([slack.close(), jira.close(), gh.close()]);
  });

  it('replaces the token in the Slack message with a notice (chat.update), or deletes it', async () => {
    const token = slackUserToken();
    const ch = slack.addChannel({ name: 'deploys' });
    const msg = slack.addMessage(ch.id, { text: `here is the prod token ${token} please do not share` });
    const updates: Array<Record<string, string>> = [];
    slack.handle('chat.update', (p) => {
      updates.push(p);
      const m = ch.messages.find((x) => x.ts === p.ts);
      if (m) m.text = p.text;
      return { ok: true, channel: p.channel, ts: p.ts };
    });
    const occ: StoredOccurrence = { source: 'slack-main', locator: { kind: 'slack', channel: ch.id, ts: msg.ts, path: ch.id, line: 1, column: 1 }, firstSeen: 'x', lastSeen: 'x' };
    const f = storedFinding({ fingerprint: fingerprint(token), rule: 'slack-user-token', kind: 'credential', redacted: redact(token), claims: undefined });
    const r = createSlackRemediator(RemediatorConfigSchema.parse({ id: 'redact', type: 'slack', source: 'slack-main' }), { token: slack.token, apiUrl: slack.apiUrl });
    expect(r.applies(occ)).toBe(true);
    expect(await r.remediate(f, occ, { dryRun: true, revocations: [], secret: token })).toMatchObject({ outcome: 'dry-run' });
    expect(updates).toHaveLength(0);
    expect(await r.remediate(f, occ, { dryRun: false, revocations: [revoked], secret: token })).toMatchObject({ outcome: 'succeeded' });
    expect(msg.text).toBe(`here is the prod token [credential removed by tokenradius: ${redact(token)}, revoked] please do not share`);
    expect(findLeaks(JSON.stringify(updates), [token])).toEqual([]);
    // Already edited: nothing left to replace.
    expect(await r.remediate(f, occ, { dryRun: false, revocations: [], secret: token })).toMatchObject({ outcome: 'skipped' });

    const deleted: string[] = [];
    slack.handle('chat.delete', (p) => {
      deleted.push(p.ts!);
      return { ok: true };
    });
    const del = createSlackRemediator(RemediatorConfigSchema.parse({ id: 'delete', type: 'slack', source: 'slack-main', mode: 'delete' }), { token: slack.token, apiUrl: slack.apiUrl });
    expect(del.needsSecret).toBe(false);
    expect(await del.remediate(f, occ, { dryRun: false, revocations: [] })).toMatchObject({ outcome: 'succeeded' });
    expect(deleted).toEqual([msg.ts]);
  });

  it('comments on the Jira issue and on the GitHub commit with the redacted preview only', async () => {
    const token = githubPat('ghp');
    const f = storedFinding({ fingerprint: fingerprint(token), rule: 'github-classic-pat', kind: 'credential', redacted: redact(token), claims: undefined });
    const issue = jira.addIssue({ project: 'OPS', summary: 'deploy notes', description: adfDoc(`token ${token}`) });
    const jr = createJiraRemediator(RemediatorConfigSchema.parse({ id: 'jira-note', type: 'jira', source: 'jira-main' }), { host: jira.url, email: jira.email, apiToken: jira.apiToken });
    const jOcc: StoredOccurrence = { source: 'jira-main', locator: { kind: 'jira', issue: issue.key, field: 'description', path: `${issue.key}/description`, line: 1, column: 7 }, firstSeen: 'x', lastSeen: 'x' };
    expect(await jr.remediate(f, jOcc, { dryRun: false, revocations: [] })).toMatchObject({ outcome: 'succeeded' });
    expect(jira.postedComments).toHaveLength(1);
    const jText = JSON.stringify(jira.postedComments[0]!.body);
    expect(jText).toContain(redact(token));
    expect(jText).toContain('security team has been alerted');

    gh.addRepo({ owner: 'acme', name: 'api', visibility: 'public' });
    const sha = gh.commit('acme/api', { files: [{ path: '.env', content: `GH=${token}\n` }] });
    const gr = createGithubRemediator(RemediatorConfigSchema.parse({ id: 'gh-note', type: 'github', source: 'gh-main' }), { token: gh.token, baseUrl: gh.url });
    const gOcc: StoredOccurrence = { source: 'gh-main', locator: { kind: 'github', repo: 'acme/api', commit: sha, path: '.env', line: 1, column: 4 }, firstSeen: 'x', lastSeen: 'x' };
    expect(await gr.remediate(f, gOcc, { dryRun: false, revocations: [revoked] })).toMatchObject({ outcome: 'succeeded' });
    expect(gh.postedComments.at(-1)).toMatchObject({ kind: 'commit', repo: 'acme/api', target: sha });
    expect(gh.postedComments.at(-1)!.body).toContain('It has been revoked (idp)');
    expect(findLeaks(JSON.stringify([jira.postedComments, gh.postedComments]), [token])).toEqual([]);
  });
});
