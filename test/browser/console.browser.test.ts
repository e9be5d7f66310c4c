/**
 * The console in a real browser (Debian's chromium, headless, via playwright-core) against a real
 * server on 127.0.0.1: sign in with a key, filter the findings, open one, mark it a false positive,
 * approve a pending revocation — with the keyboard where it matters, no CSP violation, no request
 * to any other origin. Screenshots of each step are kept in test-artifacts/browser/.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserAvailable, launchBrowser, shot, watch, type LaunchedBrowser, type PageWatch } from '../support/browser.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { adminJwt, bearer, githubPat, json, readJwt, startTestServer, type TestServer } from '../server/api/helpers.js';

describe.skipIf(!browserAvailable())('console in chromium', () => {
  let s: TestServer;
  let rx: WebhookReceiver;
  let b: LaunchedBrowser;
  let origin = '';
  let page: Page;
  let w: PageWatch;
  let pat = '';
  let admin = '';
  let actionId = '';

  beforeAll(async () => {
    rx = await startWebhookReceiver();
    rx.respond(() => ({ status: 200, json: { outcome: 'revoked' } }));
    s = await startTestServer({
      config: { act: { approval: 'required', revokers: [{ id: 'idp-revocation', type: 'webhook', url: rx.url, secretEnv: 'REVOKE_SECRET', rules: ['jwt'] }] } },
      env: { REVOKE_SECRET: `whsec_${randomBytes(32).toString('base64')}` },
    });
    admin = (await s.plant(`curl -H "Authorization: Bearer ${adminJwt()}" https://api.acme-corp.example`, {
      source: 'slack-main',
      locator: { kind: 'slack', channel: 'C0GENERAL', channelName: 'general', ts: '1700000000.000100', permalink: 'https://acme.slack.com/archives/C0GENERAL/p1700000000000100', path: 'general' },
      exposure: { visibility: 'public', audience: 800, label: '#general' },
    }))[0]!;
    pat = (await s.plant(`GITHUB_TOKEN=${githubPat()}`, { source: 'git', locator: { kind: 'git', repo: '/srv/repos/api', commit: 'd'.repeat(40), path: 'deploy/release.yaml', line: 5 } }))[0]!;
    await s.plant(`docs ${readJwt()}`, { source: 'jira-main', locator: { kind: 'jira', issue: 'OPS-1', field: 'description', path: 'OPS-1', url: 'https://acme.atlassian.net/browse/OPS-1' } });
    // a revocation waiting for a responder
    const r = await s.app.inject({ method: 'POST', url: `/api/v1/findings/${admin}/revoke`, headers: bearer(s.keys.responder) });
    actionId = json(r).revocations[0].actionId;
    await s.app.listen({ host: '127.0.0.1', port: 0 });
    origin = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`;
    b = await launchBrowser();
    page = await b.context.newPage();
    page.on('dialog', (d) => void d.accept());
    w = watch(page, origin);
  });

  afterAll(async () => {
    await b?.close();
    await s?.close();
    await rx?.close();
  });

  it('signs in with an API key, using the keyboard', async () => {
    await page.goto(`${origin}/console/`);
    await page.waitForURL(/\/console\/login/);
    await shot(page, '01-sign-in');
    // the key field has focus: type, Enter
    await page.keyboard.type(s.keys.responder);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${origin}/console/`);
    // first Tab reaches the skip link, which moves focus to the main content
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').textContent()).toBe('Skip to main content');
    await page.keyboard.press('Enter');
    expect(await page.locator(':focus').getAttribute('id')).toBe('main');
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' }).isVisible()).resolves.toBe(true);
    expect(await page.getByText('Signed in as').textContent()).toContain('rita responder');
    await shot(page, '02-dashboard');
    const cookies = await b.context.cookies(origin);
    const session = cookies.find((c) => c.name === 'tr_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(session!.value).not.toContain(s.keys.responder);
  });

  it('filters the findings list', async () => {
    await page.getByRole('link', { name: 'Findings', exact: true }).click();
    await page.waitForURL(/\/console\/findings$/);
    expect(await page.locator('tbody tr').count()).toBe(3);
    await page.getByLabel('Source').selectOption('git');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/source=git/);
    expect(await page.locator('tbody tr').count()).toBe(1);
    await shot(page, '03-findings-filtered');
    await page.getByRole('link', { name: 'Clear' }).click();
    await page.getByLabel('Text').fill('OPS-1');
    await page.getByLabel('Text').press('Enter');
    await page.waitForURL(/q=OPS-1/);
    expect(await page.locator('tbody tr').count()).toBe(1);
  });

  it('opens a finding and marks it a false positive', async () => {
    await page.goto(`${origin}/console/findings?source=git`);
    await page.locator(`a[href="/console/findings/${pat}"]`).click();
    await page.waitForURL(`${origin}/console/findings/${pat}`);
    await expect(page.getByRole('heading', { name: 'Why this score' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('img', { name: /score \d+ from \d+ factors/ }).isVisible()).resolves.toBe(true);
    await shot(page, '04-finding');
    await page.getByLabel('Not a real leak? Reason (required)').fill('example token in the release docs');
    await page.getByRole('button', { name: 'Mark false positive' }).click();
    await page.waitForURL(/done=false-positive/);
    await expect(page.getByRole('status').filter({ hasText: 'Marked as a false positive' }).isVisible()).resolves.toBe(true);
    await shot(page, '05-false-positive');
    const f = await s.store.getFinding(pat);
    expect(f).toMatchObject({ status: 'false-positive', statusReason: 'example token in the release docs' });
    const audit = await s.store.listAudit({ fingerprint: pat, action: 'finding.false-positive' });
    expect(audit.items[0]!.actor).toBe(`api-key:${s.keyIds.responder}`);
  });

  it('approves a pending revocation', async () => {
    await page.getByRole('link', { name: /Approvals/ }).click();
    await page.waitForURL(/\/console\/approvals$/);
    await shot(page, '06-approvals');
    expect(rx.requests).toHaveLength(0);
    await page.getByRole('button', { name: 'Approve revocation by idp-revocation' }).click();
    await page.waitForURL(/done=approve/);
    await expect(page.getByText('Revocation approved.').isVisible()).resolves.toBe(true);
    await shot(page, '07-approved');
    expect(rx.requests).toHaveLength(1);
    expect((await s.store.getAction(actionId))!.status).toBe('succeeded');
    expect((await s.store.getFinding(admin))!.status).toBe('revoked');
    await page.goto(`${origin}/console/findings/${admin}`);
    await expect(page.getByText('status revoked', { exact: false }).first().isVisible()).resolves.toBe(true);
    await shot(page, '08-revoked-finding');
  });

  it('ran without a CSP violation or a request to another origin', () => {
    expect(w.consoleErrors).toEqual([]);
    expect(w.foreignRequests).toEqual([]);
  });
});
