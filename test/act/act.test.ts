/**
 * The act stage on an embedded store with in-process sinks and revokers: routing and per-version
 * dedupe, retries with the same delivery id then a dead letter, approval (approve once however
 * many approve at once, reject revokes nothing), dry run, an interrupted revocation resolved by a
 * check instead of a second call, the sealed token deleted after a confirmed revocation, the purge.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionKeys, type ActDeps } from '../../src/act/engine.js';
import { approveRevocation, listDeadLetters, rejectRevocation, requestRevocation } from '../../src/act/operations.js';
import { z } from 'zod';
import { RevocationRuleSchema, RouteSchema } from '../../src/act/options.js';
import type { AlertContext, AlertSink, RevocationResult, Revoker, RevokeOptions } from '../../src/act/types.js';
import { TokenradiusError } from '../../src/core/errors.js';
import { fingerprint, seal, SealingKey } from '../../src/core/secrets.js';
import { act } from '../../src/pipeline/act.js';
import { createPgliteStore } from '../../src/store/pglite.js';
import type { FindingStore, StoredFinding } from '../../src/store/types.js';
import { observation } from './helpers.js';

const key = SealingKey.generate();

function recordingSink(id: string, o: { fail?: (n: number) => TokenradiusError | undefined; events?: AlertSink['events'] } = {}) {
  const calls: Array<{ finding: StoredFinding; ctx: AlertContext }> = [];
  const sink: AlertSink = {
    id,
    ...(o.events ? { events: o.events } : {}),
    async notify(finding, ctx) {
      calls.push({ finding, ctx: ctx! });
      const err = o.fail?.(calls.length);
      if (err) throw err;
      return { n: calls.length };
    },
  };
  return { sink, calls };
}

function fakeRevoker(id: string, o: { result?: (secret: string) => RevocationResult; check?: 'valid' | 'invalid' | 'unknown'; fail?: () => TokenradiusError | undefined } = {}) {
  const calls: Array<{ secret: string; o: RevokeOptions }> = [];
  const checks: string[] = [];
  const revoker: Revoker = {
    id,
    type: 'fake',
    supports: (f) => f.rule === 'github-classic-pat',
    async revoke(secret, _f, opts) {
      calls.push({ secret, o: opts });
      const err = o.fail?.();
      if (err) throw err;
      if (opts.dryRun) return { outcome: 'dry-run', reason: 'pretend' };
      return o.result?.(secret) ?? { outcome: 'revoked', confirmed: true, reason: 'revoked by the fake' };
    },
    ...(o.check ? { async check(secret: string) { checks.push(secret); return o.check!; } } : {}),
  };
  return { revoker, calls, checks };
}

describe('act stage', () => {
  let store: FindingStore;
  beforeAll(async () => {
    store = await createPgliteStore({ dataDir: 'memory://' });
  }, 120_000);
  afterAll(() => store.close());

  /** A stored finding whose token is kept sealed, as the service's scan stage stores it. */
  async function plant(o: { severity?: 'high' | 'critical' | 'medium'; expiresAt?: string } = {}): Promise<{ token: string; fp: string; version: number }> {
    const token = `ghp_${randomBytes(18).toString('hex')}`;
    const fp = fingerprint(token);
    const r = await store.upsert({ ...observation(fp, { severity: o.severity ?? 'high' }), sealedToken: { sealed: seal(key, token, 'token:' + fp), keyId: key.id, ...(o.expiresAt ? { expiresAt: o.expiresAt } : {}) } });
    return { token, fp, version: r.version };
  }

  type PolicyInput = { routes?: z.input<typeof RouteSchema>[]; revocation?: z.input<typeof RevocationRuleSchema>[]; approval?: 'auto' | 'required'; revokers?: unknown };
  function deps(over: Partial<ActDeps> & { act?: PolicyInput } = {}): ActDeps {
    const a = over.act ?? {};
    return {
      store,
      sinks: [],
      sealingKey: key,
      policy: { routes: z.array(RouteSchema).parse(a.routes ?? []), revocation: z.array(RevocationRuleSchema).parse(a.revocation ?? []), approval: a.approval ?? 'auto', remediation: [] },
      maxAttempts: 3,
      ...over,
    };
  }

  it('alerts each routed sink once per version with a stable delivery id, and again when the finding gets worse', async () => {
    const { fp, version, token } = await plant();
    const a = recordingSink('a');
    const b = recordingSink('b');
    const d = deps({ sinks: [a.sink, b.sink], act: { routes: [{ match: { minSeverity: 'critical' }, sinks: ['b'] }, { match: { minSeverity: 'high' }, sinks: ['a'] }] } });
    for (let i = 0; i < 3; i++) await act({ fingerprint: fp, version }, d);
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(0);
    expect(a.calls[0]!.ctx).toMatchObject({ type: 'finding.created', deliveryId: actionKeys.alert('a', fp, version), attempt: 1 });
    // The sink never sees the raw token, in any field.
    expect(JSON.stringify(a.calls[0])).not.toContain(token);

    const worse = await store.upsert(observation(fp, { severity: 'critical', at: '2026-01-02T00:00:00.000Z' }));
    await act({ fingerprint: fp, version: worse.version }, d);
    expect(a.calls.map((c) => c.ctx.type)).toEqual(['finding.created', 'finding.updated']);
    expect(b.calls).toHaveLength(1);
  });

  it('retries a failing sink with the same delivery id, then dead-letters it; a 4xx-style failure is not retried', async () => {
    const { fp, version } = await plant();
    const down = recordingSink('down', { fail: () => new TokenradiusError('UPSTREAM_UNAVAILABLE', 'receiver down') });
    const ok = recordingSink('ok');
    const d = deps({ sinks: [down.sink, ok.sink] });
    // Attempts 1 and 2 throw (the queue retries the job); attempt 3 is the last: dead letter, no throw.
    await expect(act({ fingerprint: fp, version }, d)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retry: 'later' });
    await expect(act({ fingerprint: fp, version }, d)).rejects.toMatchObject({ retry: 'later' });
    const last = await act({ fingerprint: fp, version }, d);
    expect(last.alerts).toEqual([
      { sink: 'down', outcome: 'dead-letter' },
      { sink: 'ok', outcome: 'already-handled' },
    ]);
    expect(down.calls.map((c) => c.ctx.deliveryId)).toEqual(Array(3).fill(actionKeys.alert('down', fp, version)));
    expect(down.calls.map((c) => c.ctx.attempt)).toEqual([1, 2, 3]);
    expect(ok.calls).toHaveLength(1);
    // A re-run after the dead letter sends nothing more.
    await act({ fingerprint: fp, version }, d);
    expect(down.calls).toHaveLength(3);

    const dead = await listDeadLetters(d);
    expect(dead.items.filter((x) => x.fingerprint === fp)).toEqual([expect.objectContaining({ target: 'down', status: 'dead-letter', reason: expect.stringContaining('after 3 attempts') })]);
    const attempts = (await store.listActions(fp)).items.filter((x) => x.target === 'down').map((x) => x.status).sort();
    expect(attempts).toEqual(['dead-letter', 'failed', 'failed']);

    const { fp: fp2, version: v2 } = await plant();
    const refused = recordingSink('refused', { fail: () => new TokenradiusError('UPSTREAM_INVALID_RESPONSE', 'HTTP 400', { retry: 'never' }) });
    const r = await act({ fingerprint: fp2, version: v2 }, deps({ sinks: [refused.sink] }));
    expect(r.alerts).toEqual([{ sink: 'refused', outcome: 'failed' }]);
    expect(refused.calls).toHaveLength(1);
  });

  it('revokes per policy with the unsealed token, records it, marks the finding revoked and deletes the sealed token', async () => {
    const { fp, version, token } = await plant();
    const rev = fakeRevoker('gh');
    const sink = recordingSink('hook', { events: ['finding.created', 'revocation.completed'] });
    const d = deps({ sinks: [sink.sink], revokers: [rev.revoker], act: { revokers: [{ id: 'gh', type: 'github' }], revocation: [{ name: 'pats', match: { rules: ['github-classic-pat'] }, revokers: ['gh'] }] } });
    const r = await act({ fingerprint: fp, version }, d);
    expect(rev.calls.map((c) => c.secret)).toEqual([token]);
    expect(rev.calls[0]!.o).toMatchObject({ dryRun: false, deliveryId: actionKeys.revoke(fp, 'gh'), actor: 'policy:pats' });
    expect(r.revocations).toEqual([expect.objectContaining({ revoker: 'gh', outcome: 'revoked', confirmed: true })]);
    // The alert says it was revoked; then a revocation.completed event follows.
    expect(sink.calls.map((c) => c.ctx.type)).toEqual(['finding.created', 'revocation.completed']);
    expect(sink.calls[0]!.ctx.revocations[0]).toMatchObject({ outcome: 'revoked' });
    const f = await store.getFinding(fp);
    expect(f?.status).toBe('revoked');
    expect(await store.getSealedToken(fp)).toBeNull();
    const audit = (await store.listAudit({ fingerprint: fp })).items.map((x) => x.action);
    expect(audit).toEqual(expect.arrayContaining(['action.revocation.succeeded', 'finding.revoked', 'action.alert.succeeded']));
    // Nothing in the store quotes the token.
    const dump: string[] = [];
    for await (const t of store.dumpTables()) dump.push(...t.rows);
    expect(dump.join('\n')).not.toContain(token);
  });

  it('in approval mode waits; approval revokes exactly once however many approve; rejection revokes nothing', async () => {
    const rev = fakeRevoker('gh');
    const d = deps({ revokers: [rev.revoker], act: { approval: 'required', revokers: [{ id: 'gh', type: 'github' }], revocation: [{ match: { rules: ['github-classic-pat'] }, revokers: ['gh'] }] } });
    const one = await plant();
    const r = await act({ fingerprint: one.fp, version: one.version }, d);
    expect(r.revocations).toEqual([expect.objectContaining({ outcome: 'awaiting-approval' })]);
    expect(rev.calls).toHaveLength(0);
    const [pending] = (await store.listPendingApprovals()).filter((a) => a.fingerprint === one.fp);
    expect(pending).toMatchObject({ type: 'revocation', target: 'gh', status: 'awaiting-approval' });
    // A re-run of the act job does not ask twice.
    await act({ fingerprint: one.fp, version: one.version }, d);
    expect((await store.listPendingApprovals()).filter((a) => a.fingerprint === one.fp)).toHaveLength(1);

    const results = await Promise.allSettled([approveRevocation(pending!.id, 'user:alice', d), approveRevocation(pending!.id, 'user:bob', d)]);
    expect(rev.calls).toHaveLength(1);
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((x) => x.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'CONFLICT' });
    expect((await store.getAction(pending!.id))).toMatchObject({ status: 'succeeded', decidedBy: expect.stringMatching(/^user:(alice|bob)$/) });
    expect((await store.getFinding(one.fp))?.status).toBe('revoked');

    const two = await plant();
    await act({ fingerprint: two.fp, version: two.version }, d);
    const [p2] = (await store.listPendingApprovals()).filter((a) => a.fingerprint === two.fp);
    const out = await rejectRevocation(p2!.id, 'user:carol', d, 'test token, not live');
    expect(out.status.outcome).toBe('rejected');
    expect(rev.calls).toHaveLength(1);
    await expect(approveRevocation(p2!.id, 'user:dave', d)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(rev.calls).toHaveLength(1);
    expect((await store.getFinding(two.fp))?.status).toBe('open');
  });

  it('dry run pretends (separate record), and revoke-now goes through the approval mode', async () => {
    const rev = fakeRevoker('gh');
    const { fp, version } = await plant();
    const base = { revokers: [{ id: 'gh', type: 'github' as const }], revocation: [{ match: { rules: ['github-classic-pat'] }, revokers: ['gh'] }] };
    const r = await act({ fingerprint: fp, version }, deps({ revokers: [rev.revoker], dryRun: true, act: base }));
    expect(r.revocations).toEqual([expect.objectContaining({ outcome: 'dry-run' })]);
    expect(rev.calls[0]!.o.dryRun).toBe(true);
    expect((await store.getAction(r.revocations[0]!.actionId))?.key).toBe(actionKeys.revoke(fp, 'gh', true));
    expect((await store.getFinding(fp))?.status).toBe('open');
    expect(await store.getSealedToken(fp)).not.toBeNull();

    // Later, for real, on a responder's request (approval required): it waits.
    const waiting = await requestRevocation(fp, 'user:erin', deps({ revokers: [rev.revoker], act: { ...base, approval: 'required' } }));
    expect(waiting).toEqual([expect.objectContaining({ outcome: 'awaiting-approval', actor: 'user:erin' })]);
    expect(rev.calls).toHaveLength(1);
  });

  it('after a crash between the revoke call and its record, a re-run checks and records already-invalid without calling again', async () => {
    const { fp, version, token } = await plant();
    // The dead worker's claim: `pending`, never completed (it did revoke, then died).
    const claim = await store.claimAction({ key: actionKeys.revoke(fp, 'gh'), fingerprint: fp, type: 'revocation', target: 'gh', actor: 'policy:pats', details: { attempt: 1 } });
    expect(claim.claimed).toBe(true);
    const rev = fakeRevoker('gh', { check: 'invalid' });
    const d = deps({ revokers: [rev.revoker], act: { revokers: [{ id: 'gh', type: 'github' }], revocation: [{ name: 'pats', match: { rules: ['github-classic-pat'] }, revokers: ['gh'] }] } });
    // While the claim is fresh, the job asks to be retried rather than acting twice.
    await expect(act({ fingerprint: fp, version }, { ...d, revocationReclaimAfterMs: 3_600_000 })).rejects.toMatchObject({ retry: 'later' });
    expect(rev.calls).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 20));
    const r = await act({ fingerprint: fp, version }, { ...d, revocationReclaimAfterMs: 5 });
    expect(rev.checks).toEqual([token]);
    expect(rev.calls).toHaveLength(0);
    expect(r.revocations).toEqual([expect.objectContaining({ outcome: 'already-invalid', confirmed: true })]);
    expect(await store.getAction(claim.action.id)).toMatchObject({ status: 'succeeded', attempts: 2, details: expect.objectContaining({ outcome: 'already-invalid' }) });
    expect(await store.getSealedToken(fp)).toBeNull();
  });

  it('records unsupported when no sealed token is kept, and retries a revoker outage then dead-letters it', async () => {
    const obs = observation(fingerprint(`ghp_${randomBytes(18).toString('hex')}`));
    const v = await store.upsert(obs);
    const rev = fakeRevoker('gh');
    const d = deps({ revokers: [rev.revoker], act: { revokers: [{ id: 'gh', type: 'github' }], revocation: [{ match: {}, revokers: ['gh'] }] } });
    const r = await act({ fingerprint: obs.fingerprint, version: v.version }, d);
    expect(r.revocations).toEqual([expect.objectContaining({ outcome: 'unsupported', reason: expect.stringContaining('no sealed token') })]);
    expect(rev.calls).toHaveLength(0);

    const down = fakeRevoker('gh', { fail: () => new TokenradiusError('UPSTREAM_UNAVAILABLE', 'idp down') });
    const { fp, version } = await plant();
    const d2 = { ...d, revokers: [down.revoker] };
    await expect(act({ fingerprint: fp, version }, d2)).rejects.toMatchObject({ retry: 'later' });
    await expect(act({ fingerprint: fp, version }, d2)).rejects.toMatchObject({ retry: 'later' });
    const last = await act({ fingerprint: fp, version }, d2);
    expect(last.revocations).toEqual([expect.objectContaining({ outcome: 'failed', reason: expect.stringContaining('dead-lettered') })]);
    expect(down.calls).toHaveLength(3);
    expect((await store.getFinding(fp))?.status).toBe('open');
  });
});
