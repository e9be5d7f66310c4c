/**
 * Revoke now, approve and reject through the review API, against an in-house revocation service
 * (the act stage's webhook revoker) on 127.0.0.1: in approval mode nothing is sent until a
 * responder approves; approving sends one signed request and marks the finding revoked; rejecting
 * sends nothing; decisions are audited with the calling key; 404 / 409 where they belong.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../../src/server/api/routes.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';
import { adminJwt, bearer, githubPat, json, startTestServer, type TestServer } from './helpers.js';

const SECRET = () => `whsec_${randomBytes(32).toString('base64')}`;

describe('revocations through the review API (approval required)', () => {
  let s: TestServer;
  let rx: WebhookReceiver;
  let secret: string;
  const planted: string[] = [];

  beforeAll(async () => {
    rx = await startWebhookReceiver();
    rx.respond(() => ({ status: 200, json: { outcome: 'revoked', reason: 'session killed' } }));
    secret = SECRET();
    s = await startTestServer({
      config: { act: { approval: 'required', revokers: [{ id: 'inhouse', type: 'webhook', url: rx.url, secretEnv: 'INHOUSE_SECRET', rules: ['jwt'] }] } },
      env: { INHOUSE_SECRET: secret },
    });
  });
  afterAll(async () => {
    await s?.close();
    await rx?.close();
  });

  const post = (url: string, role: 'viewer' | 'responder' | 'admin' = 'responder', payload?: object) =>
    s.app.inject({ method: 'POST', url: `${API_PREFIX}${url}`, headers: bearer(s.keys[role]), ...(payload ? { payload } : {}) });

  async function plantJwt(): Promise<string> {
    const t = adminJwt();
    planted.push(t);
    return (await s.plant(`leaked ${t}`))[0]!;
  }

  it('waits for approval, then revokes once with a signed request and marks the finding revoked', async () => {
    const fp = await plantJwt();
    const res = await post(`/findings/${fp}/revoke`, 'responder', { reason: 'pasted in #general' });
    expect(res.statusCode).toBe(200);
    const [r] = json(res).revocations;
    expect(r).toMatchObject({ revoker: 'inhouse', outcome: 'awaiting-approval', actor: `api-key:${s.keyIds.responder}` });
    expect(rx.requests).toHaveLength(0);

    const pending = json(await s.app.inject({ url: `${API_PREFIX}/approvals`, headers: bearer(s.keys.viewer) })).items;
    expect(pending.map((a: { id: string }) => a.id)).toContain(r.actionId);
    expect((await post(`/actions/${r.actionId}/approve`, 'viewer')).statusCode).toBe(403);

    const approved = await post(`/actions/${r.actionId}/approve`, 'responder', { reason: 'confirmed leak' });
    expect(approved.statusCode).toBe(200);
    expect(json(approved).revocation).toMatchObject({ outcome: 'revoked', confirmed: true });
    expect(json(approved).action).toMatchObject({ status: 'succeeded', decidedBy: `api-key:${s.keyIds.responder}` });
    expect(rx.requests).toHaveLength(1);
    const req = rx.requests[0]!;
    const event = new Webhook(secret).verify(req.body, req.headers) as { data: { credential: { fingerprint: string } } };
    expect(event.data.credential.fingerprint).toBe(fp);
    for (const t of planted) expect(req.body).not.toContain(t);

    const finding = json(await s.app.inject({ url: `${API_PREFIX}/findings/${fp}`, headers: bearer(s.keys.viewer) }));
    expect(finding.finding.status).toBe('revoked');
    const verbs = finding.audit.map((e: { action: string; actor: string }) => `${e.action} ${e.actor}`);
    expect(verbs).toContain(`action.approved api-key:${s.keyIds.responder}`);
    expect(verbs).toContain(`finding.revocation-requested api-key:${s.keyIds.responder}`);
    expect(await s.store.getSealedToken(fp)).toBeNull();

    const twice = await post(`/actions/${r.actionId}/approve`);
    expect(twice.statusCode).toBe(409);
    expect((await post(`/findings/${fp}/revoke`)).statusCode).toBe(409);
    const st = json(await s.app.inject({ url: `${API_PREFIX}/stats`, headers: bearer(s.keys.viewer) }));
    expect(st.medianSecondsToRevoke).toBeTypeOf('number');
    expect(st.series.at(-1).revoked).toBe(1);
  });

  it('rejecting sends nothing and leaves the finding open', async () => {
    const before = rx.requests.length;
    const fp = await plantJwt();
    const [r] = json(await post(`/findings/${fp}/revoke`)).revocations;
    const rejected = await post(`/actions/${r.actionId}/reject`, 'admin', { reason: 'test tenant' });
    expect(rejected.statusCode).toBe(200);
    expect(json(rejected)).toMatchObject({ action: { status: 'rejected', decidedBy: `api-key:${s.keyIds.admin}` }, revocation: { outcome: 'rejected' } });
    expect(rx.requests.length).toBe(before);
    expect((await s.store.getFinding(fp))!.status).toBe('open');
    expect((await post(`/actions/${r.actionId}/approve`)).statusCode).toBe(409);
  });

  it('404s unknown actions, 400s malformed ids, 409s tokens no revoker handles', async () => {
    expect((await post('/actions/00000000-0000-4000-8000-000000000001/approve')).statusCode).toBe(404);
    expect((await post('/actions/42/approve')).statusCode).toBe(400);
    const [pat] = await s.plant(`GH=${githubPat()}`);
    const none = await post(`/findings/${pat}/revoke`);
    expect(none.statusCode).toBe(409);
    expect(json(none).error.message).toMatch(/no configured revoker/);
    expect((await post(`/findings/sha256:${'2'.repeat(64)}/revoke`)).statusCode).toBe(404);
  });
});

describe('revoke now without approval', () => {
  let s: TestServer;
  let rx: WebhookReceiver;

  beforeAll(async () => {
    rx = await startWebhookReceiver();
    rx.respond(() => ({ status: 200, json: { outcome: 'already-invalid' } }));
    s = await startTestServer({
      config: { act: { revokers: [{ id: 'inhouse', type: 'webhook', url: rx.url, secretEnv: 'INHOUSE_SECRET' }] } },
      env: { INHOUSE_SECRET: SECRET() },
    });
  });
  afterAll(async () => {
    await s?.close();
    await rx?.close();
  });

  it('revokes at once and reports the outcome', async () => {
    const [fp] = await s.plant(`leaked ${adminJwt()}`);
    const res = await s.app.inject({ method: 'POST', url: `${API_PREFIX}/findings/${fp}/revoke`, headers: bearer(s.keys.responder) });
    expect(res.statusCode).toBe(200);
    expect(json(res).revocations[0]).toMatchObject({ revoker: 'inhouse', outcome: 'already-invalid' });
    expect(rx.requests).toHaveLength(1);
    expect((await s.store.getFinding(fp!))!.status).toBe('revoked');
  });
});
