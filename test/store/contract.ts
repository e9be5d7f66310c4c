/**
 * The FindingStore contract, run unchanged against PostgreSQL and PGlite (memory and data dir).
 * One store per run; tests isolate themselves with their own tokens, sources and rule ids (and
 * their own time window for the stats), so they never depend on each other's rows.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint, unseal } from '../../src/core/secrets.js';
import type { FindingStore } from '../../src/store/types.js';
import { dumpText, expectCode, newCredential, newJwt, observe, planted, sealingKey, slackLocator, testClock, type TestClock } from './support.js';

const MIN = 60_000;
const DAY = 86_400_000;
const uid = () => randomBytes(4).toString('hex');

export function describeStoreContract(label: string, open: (clock: TestClock) => Promise<FindingStore>, opts: { skip?: boolean } = {}): void {
  describe.skipIf(opts.skip)(`FindingStore contract: ${label}`, () => {
    const clock = testClock();
    let store: FindingStore;
    const apiKeys: string[] = [];

    // PGlite runs initdb on first open: tens of seconds on a loaded two-core machine
    beforeAll(async () => {
      store = await open(clock);
    }, 180_000);
    afterAll(async () => {
      await store?.close();
    });

    it('reports its backend and schema version', async () => {
      const p = await store.ping();
      expect(p.schemaVersion).toBeGreaterThanOrEqual(1);
      expect(['postgres', 'pglite']).toContain(p.backend);
    });

    describe('upsert', () => {
      it('stores a new finding with its occurrence, state and sealed token', async () => {
        const token = newJwt();
        const o = observe(token, { seenAt: clock.iso() });
        expect(await store.upsert(o)).toEqual({ change: 'new', version: 1 });
        const f = await store.getFinding(o.fingerprint);
        expect(f).not.toBeNull();
        expect(f!.status).toBe('open');
        expect(f!.version).toBe(1);
        expect(f!.redacted).toBe(o.redacted);
        expect(f!.blastRadius).toEqual(o.blastRadius);
        expect(f!.liveness).toEqual(o.liveness);
        expect(f!.profile).toEqual(o.profile);
        expect(f!.claims).toEqual(o.claims);
        expect(f!.header).toEqual(o.header);
        expect(f!.maskedClaims).toEqual(o.maskedClaims);
        expect(f!.sources).toEqual(['slack-main']);
        expect(f!.widestVisibility).toBe('private');
        expect(f!.firstSeen).toBe(clock.iso());
        expect(f!.occurrences).toHaveLength(1);
        expect(f!.occurrences[0]!.locator).toEqual(o.occurrence.locator);
        expect(f!.occurrences[0]!.exposure).toEqual(o.occurrence.exposure);
        const sealed = await store.getSealedToken(o.fingerprint);
        expect(sealed).not.toBeNull();
        expect(unseal(sealingKey, sealed!.sealed, 'token:' + o.fingerprint)).toBe(token);
      });

      it('is idempotent: the same observation again changes only lastSeen', async () => {
        const o = observe(newJwt(), { seenAt: clock.iso() });
        await store.upsert(o);
        const before = await store.getFinding(o.fingerprint);
        clock.advance(5 * MIN);
        expect(await store.upsert(o)).toEqual({ change: 'unchanged', version: 1 });
        const after = await store.getFinding(o.fingerprint);
        expect(after!.lastSeen).toBe(clock.iso());
        expect(after!.occurrences[0]!.lastSeen).toBe(clock.iso());
        const strip = (f: typeof before) => ({ ...f!, lastSeen: '', occurrences: f!.occurrences.map((x) => ({ ...x, lastSeen: '' })) });
        expect(strip(after)).toEqual(strip(before));
      });

      it('keeps one occurrence per place; a new place adds one without a new alert', async () => {
        const o = observe(newJwt(), { seenAt: clock.iso() });
        await store.upsert(o);
        // display-only locator fields do not make a new place
        const samePlace = { ...o, occurrence: { ...o.occurrence, locator: slackLocator({ permalink: 'https://acme.slack.com/archives/C0SEC/p1700000000000100' }) } };
        expect((await store.upsert(samePlace)).change).toBe('unchanged');
        const otherLine = { ...o, occurrence: { ...o.occurrence, locator: slackLocator({ ts: '1700000099.000200' }) } };
        expect(await store.upsert(otherLine)).toEqual({ change: 'unchanged', version: 1 });
        const otherSource = { ...o, occurrence: { ...o.occurrence, source: 'gh-main', locator: { kind: 'github' as const, repo: 'acme/api', commit: 'a'.repeat(40), path: 'config/dev.env', line: 3, column: 7 } } };
        expect((await store.upsert(otherSource)).change).toBe('unchanged');
        await store.upsert(otherSource);
        const f = await store.getFinding(o.fingerprint);
        expect(f!.occurrenceCount).toBe(3);
        expect(f!.occurrences).toHaveLength(3);
        expect(f!.sources).toEqual(['slack-main', 'gh-main']);
        expect(f!.occurrences[0]!.locator).toMatchObject({ permalink: expect.stringContaining('slack.com') });
      });

      it('reports worse when severity rises, changed when liveness changes, and bumps the version only then', async () => {
        const token = newJwt();
        await store.upsert(observe(token, { severity: 'medium', score: 50 }));
        expect(await store.upsert(observe(token, { severity: 'critical', score: 95 }))).toEqual({ change: 'worse', version: 2 });
        expect(await store.upsert(observe(token, { severity: 'critical', score: 96 }))).toEqual({ change: 'unchanged', version: 2 });
        // lower severity with the same liveness: stored, but nothing an alert would say
        expect(await store.upsert(observe(token, { severity: 'high', score: 80 }))).toEqual({ change: 'unchanged', version: 2 });
        expect((await store.getFinding(fingerprint(token)))!.blastRadius.severity).toBe('high');
        expect(await store.upsert(observe(token, { severity: 'low', score: 20, liveness: 'expired' }))).toEqual({ change: 'changed', version: 3 });
        const f = await store.getFinding(fingerprint(token));
        expect(f!.liveness.state).toBe('expired');
        expect(f!.blastRadius.score).toBe(20);
        expect(f!.version).toBe(3);
      });

      it('reports changed when a new place is more visible than every earlier one', async () => {
        const token = newJwt();
        await store.upsert(observe(token, { exposure: { visibility: 'private' } }));
        const wider = observe(token, { exposure: { visibility: 'public', label: '#general' }, locator: slackLocator({ channel: 'C0GEN', ts: '1.1' }) });
        expect(await store.upsert(wider)).toEqual({ change: 'changed', version: 2 });
        const narrower = observe(token, { exposure: { visibility: 'private' }, locator: slackLocator({ channel: 'C0DM', ts: '1.2' }) });
        expect(await store.upsert(narrower)).toEqual({ change: 'unchanged', version: 2 });
        expect((await store.getFinding(fingerprint(token)))!.widestVisibility).toBe('public');
      });

      it('produces exactly one `new` when many workers upsert the same token at once', async () => {
        const token = newJwt();
        const n = 24;
        const results = await Promise.all(
          Array.from({ length: n }, (_, i) => store.upsert(observe(token, { locator: slackLocator({ ts: `1700000000.${String(i % 6).padStart(6, '0')}` }) }))),
        );
        expect(results.filter((r) => r.change === 'new')).toHaveLength(1);
        expect(results.filter((r) => r.change === 'unchanged')).toHaveLength(n - 1);
        expect(results.every((r) => r.version === 1)).toBe(true);
        const f = await store.getFinding(fingerprint(token));
        expect(f!.occurrenceCount).toBe(6);
        expect(f!.version).toBe(1);
      });

      it('suppresses a false positive from then on, and lifts it on reopen', async () => {
        const token = newJwt();
        const o = observe(token);
        await store.upsert(o);
        await store.markFalsePositive(o.fingerprint, 'test fixture in docs', 'user:alice');
        expect(await store.getSealedToken(o.fingerprint)).toBeNull();
        const r = await store.upsert(observe(token, { severity: 'critical', locator: slackLocator({ ts: '2.2' }) }));
        expect(r).toEqual({ change: 'suppressed', version: 1 });
        // the occurrence is still recorded; the token is not sealed again
        const f = await store.getFinding(o.fingerprint);
        expect(f!.occurrenceCount).toBe(2);
        expect(f!.status).toBe('false-positive');
        expect(await store.getSealedToken(o.fingerprint)).toBeNull();
        await store.reopen(o.fingerprint, 'user:bob', 'not a fixture after all');
        expect((await store.upsert(observe(token, { severity: 'critical', liveness: 'expired' }))).change).toBe('changed');
      });

      it('upserts a batch in one transaction, with the results one-by-one upserts would give', async () => {
        const t1 = newJwt();
        const t2 = newJwt();
        const batch = [
          observe(t1),
          observe(t2, { severity: 'low' }),
          observe(t1),
          observe(t2, { severity: 'critical', locator: slackLocator({ ts: '4.4' }) }),
          observe(t1, { liveness: 'expired' }),
        ];
        expect(await store.upsertMany(batch)).toEqual([
          { change: 'new', version: 1 },
          { change: 'new', version: 1 },
          { change: 'unchanged', version: 1 },
          { change: 'worse', version: 2 },
          { change: 'changed', version: 2 },
        ]);
        expect((await store.getFinding(fingerprint(t2)))!.occurrenceCount).toBe(2);
        expect(await store.getSealedToken(fingerprint(t1))).not.toBeNull();
        expect(await store.upsertMany([])).toEqual([]);
      });

      it('fails a batch as a whole when one observation is invalid', async () => {
        const good = observe(newJwt());
        await expectCode(store.upsertMany([good, { ...observe(newJwt()), fingerprint: 'sha256:nope' }]), 'PAYLOAD_INVALID');
        expect(await store.getFinding(good.fingerprint)).toBeNull();
      });

      it('never deadlocks batches that meet the same tokens in different orders', async () => {
        const tokens = Array.from({ length: 8 }, () => newJwt());
        const batches = Array.from({ length: 6 }, (_, i) => (i % 2 ? [...tokens].reverse() : tokens).map((t, j) => observe(t, { locator: slackLocator({ ts: `${i}.${j}` }) })));
        const results = (await Promise.all(batches.map((b) => store.upsertMany(b)))).flat();
        expect(results.filter((r) => r.change === 'new')).toHaveLength(tokens.length);
        for (const t of tokens) expect((await store.getFinding(fingerprint(t)))!.occurrenceCount).toBe(6);
      });

      it('refuses an invalid observation with PAYLOAD_INVALID and stores nothing', async () => {
        const o = observe(newJwt());
        await expectCode(store.upsert({ ...o, fingerprint: 'not-a-fingerprint' }), 'PAYLOAD_INVALID');
        await expectCode(store.upsert({ ...o, blastRadius: { ...o.blastRadius, score: 1000 } }), 'PAYLOAD_INVALID');
        await expectCode(store.upsert(null as never), 'PAYLOAD_INVALID');
        expect(await store.getFinding(o.fingerprint)).toBeNull();
      });

      it('stores hostile strings (NUL, lone surrogates) made well-formed instead of failing', async () => {
        const o = observe(newJwt(), {
          claims: { sub: 'a\u0000b', name: 'x\uD800y', ['k\uDC00']: ['\u0000'] },
          locator: { kind: 'file', path: 'dir/\u0000weird\uD83D.txt', line: 1, column: 1 },
          source: 'files',
        });
        expect((await store.upsert(o)).change).toBe('new');
        const f = await store.getFinding(o.fingerprint);
        expect(f!.claims).toEqual({ sub: 'a\uFFFDb', name: 'x\uFFFDy', ['k\uFFFD']: ['\uFFFD'] });
        expect(f!.occurrences[0]!.locator).toMatchObject({ path: 'dir/\uFFFDweird\uFFFD.txt' });
      });

      it('removes a JWT the scan stage failed to mask before it reaches the database', async () => {
        const inner = newJwt({ sub: 'nested' });
        const o = observe(newJwt(), { claims: { act: { token: inner } } });
        await store.upsert(o);
        const f = await store.getFinding(o.fingerprint);
        expect(JSON.stringify(f!.claims)).not.toContain(inner);
        expect(f!.claims).toEqual({ act: { token: '[token removed by store]' } });
      });
    });

    describe('status transitions', () => {
      it('follows the review workflow and audits every step with its actor', async () => {
        const o = observe(newJwt());
        await store.upsert(o);
        const fp = o.fingerprint;
        expect((await store.acknowledge(fp, 'user:alice')).status).toBe('acknowledged');
        expect((await store.assign(fp, 'bob', 'user:alice')).assignee).toBe('bob');
        expect((await store.resolve(fp, 'user:bob', 'rotated by owner')).status).toBe('resolved');
        expect((await store.reopen(fp, 'user:carol')).status).toBe('open');
        clock.advance(MIN);
        const revoked = await store.markRevoked(fp, 'policy:auto-revoke', 'revoked at issuer');
        expect(revoked.status).toBe('revoked');
        expect(revoked.revokedAt).toBe(clock.iso());
        expect(await store.getSealedToken(fp)).toBeNull();
        const audit = await store.listAudit({ fingerprint: fp, order: 'asc' });
        expect(audit.items.map((a) => [a.action, a.actor])).toEqual([
          ['finding.acknowledged', 'user:alice'],
          ['finding.assigned', 'user:alice'],
          ['finding.resolved', 'user:bob'],
          ['finding.reopened', 'user:carol'],
          ['finding.revoked', 'policy:auto-revoke'],
        ]);
        expect(audit.items[1]!.details).toMatchObject({ assignee: 'bob' });
        expect(audit.items[2]!.details).toMatchObject({ from: 'acknowledged', to: 'resolved', reason: 'rotated by owner' });
      });

      it('refuses transitions the status does not allow with CONFLICT, and unknown findings with NOT_FOUND', async () => {
        const o = observe(newJwt());
        await store.upsert(o);
        const fp = o.fingerprint;
        await expectCode(store.reopen(fp, 'user:a'), 'CONFLICT');
        await store.acknowledge(fp, 'user:a');
        const e = await expectCode(store.acknowledge(fp, 'user:a'), 'CONFLICT');
        expect(e.message).toMatch(/acknowledged/);
        await store.markRevoked(fp, 'user:a');
        await expectCode(store.markRevoked(fp, 'user:a'), 'CONFLICT');
        await expectCode(store.markFalsePositive(fp, 'x', 'user:a'), 'CONFLICT');
        await expectCode(store.assign(fp, 'bob', 'user:a'), 'CONFLICT');
        const unknown = fingerprint(newCredential());
        await expectCode(store.acknowledge(unknown, 'user:a'), 'NOT_FOUND');
        await expectCode(store.listOccurrences(unknown), 'NOT_FOUND');
        expect(await store.getFinding(unknown)).toBeNull();
        // a refused transition leaves no audit entry behind
        const audit = await store.listAudit({ fingerprint: fp });
        expect(audit.items.map((a) => a.action).sort()).toEqual(['finding.acknowledged', 'finding.revoked']);
      });

      it('requires a reason to mark a false positive, and an actor for everything', async () => {
        const o = observe(newJwt());
        await store.upsert(o);
        await expectCode(store.markFalsePositive(o.fingerprint, '', 'user:a'), 'PAYLOAD_INVALID');
        await expectCode(store.acknowledge(o.fingerprint, ''), 'PAYLOAD_INVALID');
        expect((await store.getFinding(o.fingerprint))!.status).toBe('open');
      });
    });

    describe('sealed tokens', () => {
      it('keeps the first sealed token and never replaces it', async () => {
        const token = newJwt();
        const first = observe(token);
        await store.upsert(first);
        await store.upsert(observe(token, { locator: slackLocator({ ts: '9.9' }) }));
        expect((await store.getSealedToken(first.fingerprint))!.sealed).toBe(first.sealedToken!.sealed);
      });

      it('does not keep a token that has already expired', async () => {
        const o = observe(newJwt(), { sealed: { expiresAt: new Date(clock.now().getTime() - MIN).toISOString() } });
        await store.upsert(o);
        expect(await store.getSealedToken(o.fingerprint)).toBeNull();
        expect(await store.getFinding(o.fingerprint)).not.toBeNull();
      });

      it('purges sealed tokens at their expiry and after the retention period', async () => {
        const expiring = observe(newJwt(), { sealed: { expiresAt: new Date(clock.now().getTime() + 2 * 3600_000).toISOString() } });
        const noExpiry = observe(newCredential());
        await store.upsert(expiring);
        await store.upsert(noExpiry);
        expect((await store.getSealedToken(expiring.fingerprint))!.expiresAt).toBe(expiring.sealedToken!.expiresAt);
        await store.purgeExpiredSealedTokens(new Date(clock.now().getTime() + 3600_000));
        expect(await store.getSealedToken(expiring.fingerprint)).not.toBeNull();
        expect(await store.purgeExpiredSealedTokens(new Date(clock.now().getTime() + 2 * 3600_000))).toBeGreaterThanOrEqual(1);
        expect(await store.getSealedToken(expiring.fingerprint)).toBeNull();
        expect(await store.getSealedToken(noExpiry.fingerprint)).not.toBeNull();
        // default retention: 30 days
        await store.purgeExpiredSealedTokens(new Date(clock.now().getTime() + 31 * DAY));
        expect(await store.getSealedToken(noExpiry.fingerprint)).toBeNull();
        // the findings themselves stay
        expect(await store.getFinding(noExpiry.fingerprint)).not.toBeNull();
      });

      it('deletes a sealed token on request, audited with the reason', async () => {
        const o = observe(newJwt());
        await store.upsert(o);
        expect(await store.deleteSealedToken(o.fingerprint, 'revocation confirmed', 'policy:auto-revoke')).toBe(true);
        expect(await store.deleteSealedToken(o.fingerprint, 'again')).toBe(false);
        expect(await store.getSealedToken(o.fingerprint)).toBeNull();
        const audit = await store.listAudit({ fingerprint: o.fingerprint });
        expect(audit.items).toHaveLength(1);
        expect(audit.items[0]).toMatchObject({ action: 'sealed-token.deleted', actor: 'policy:auto-revoke', details: { reason: 'revocation confirmed' } });
      });
    });

    describe('actions', () => {
      it('claims an action once per idempotency key, so a retried job never repeats it', async () => {
        const o = observe(newJwt());
        await store.upsert(o);
        const key = `alert:slack-alerts:${o.fingerprint}:1`;
        const input = { key, fingerprint: o.fingerprint, type: 'alert' as const, target: 'slack-alerts', actor: 'policy:route-high', findingVersion: 1 };
        const first = await store.claimAction(input);
        expect(first.claimed).toBe(true);
        expect(first.action).toMatchObject({ status: 'pending', attempts: 1, target: 'slack-alerts', findingVersion: 1 });
        const again = await store.claimAction(input);
        expect(again).toEqual({ claimed: false, action: first.action });
        const done = await store.completeAction(first.action.id, 'succeeded', undefined, { messageTs: '1.2' });
        expect(done).toMatchObject({ status: 'succeeded', details: { messageTs: '1.2' } });
        expect(done.completedAt).toBeDefined();
        const retry = await store.claimAction(input);
        expect(retry.claimed).toBe(false);
        expect(retry.action.status).toBe('succeeded');
        await expectCode(store.completeAction(first.action.id, 'failed'), 'CONFLICT');
        const audit = await store.listAudit({ fingerprint: o.fingerprint });
        expect(audit.items.map((a) => [a.action, a.actor])).toEqual([['action.alert.succeeded', 'policy:route-high']]);
      });

      it('lets exactly one of many concurrent claimers win', async () => {
        const o = observe(newJwt());
        await store.upsert(o);
        const input = { key: `revoke:${o.fingerprint}:rfc7009-okta`, fingerprint: o.fingerprint, type: 'revocation' as const, target: 'rfc7009-okta' };
        const results = await Promise.all(Array.from({ length: 12 }, () => store.claimAction(input)));
        expect(results.filter((r) => r.claimed)).toHaveLength(1);
        expect(new Set(results.map((r) => r.action.id)).size).toBe(1);
      });

      it('reclaims a stale pending action only when the caller allows it', async () => {
        const o = observe(newJwt());
        await store.upsert(o);
        const input = { key: `alert:x:${o.fingerprint}`, fingerprint: o.fingerprint, type: 'alert' as const, target: 'x' };
        await store.claimAction(input);
        expect((await store.claimAction({ ...input, reclaimPendingAfterMs: 10 * MIN })).claimed).toBe(false);
        clock.advance(11 * MIN);
        expect((await store.claimAction(input)).claimed).toBe(false);
        const re = await store.claimAction({ ...input, reclaimPendingAfterMs: 10 * MIN });
        expect(re.claimed).toBe(true);
        expect(re.action.attempts).toBe(2);
      });

      it('refuses an action on an unknown finding, and unknown ids', async () => {
        const fp = fingerprint(newCredential());
        await expectCode(store.claimAction({ key: 'k-' + uid(), fingerprint: fp, type: 'alert', target: 'x' }), 'NOT_FOUND');
        await expectCode(store.completeAction('00000000-0000-0000-0000-000000000000', 'succeeded'), 'NOT_FOUND');
        await expectCode(store.decideApproval('00000000-0000-0000-0000-000000000000', 'approve', 'user:a'), 'NOT_FOUND');
        expect(await store.getAction('00000000-0000-0000-0000-000000000000')).toBeNull();
      });

      it('lists a finding’s actions and filters by type and status', async () => {
        const o = observe(newJwt());
        await store.upsert(o);
        const fp = o.fingerprint;
        const a1 = await store.claimAction({ key: `a1-${fp}`, fingerprint: fp, type: 'alert', target: 'slack' });
        clock.advance(1000);
        const a2 = await store.claimAction({ key: `a2-${fp}`, fingerprint: fp, type: 'revocation', target: 'okta', status: 'awaiting-approval' });
        clock.advance(1000);
        await store.claimAction({ key: `a3-${fp}`, fingerprint: fp, type: 'remediation', target: 'slack-edit' });
        const all = await store.listActions(fp);
        expect(all.items.map((a) => a.key)).toEqual([`a3-${fp}`, `a2-${fp}`, `a1-${fp}`]);
        const revs = await store.listActions({ fingerprint: fp, type: ['revocation'] });
        expect(revs.items.map((a) => a.id)).toEqual([a2.action.id]);
        const page1 = await store.listActions({ fingerprint: fp, limit: 2, order: 'asc' });
        expect(page1.items.map((a) => a.id)).toEqual([a1.action.id, a2.action.id]);
        const page2 = await store.listActions({ fingerprint: fp, limit: 2, order: 'asc', cursor: page1.nextCursor! });
        expect(page2.items).toHaveLength(1);
        expect(page2.nextCursor).toBeUndefined();
      });
    });

    describe('approvals', () => {
      it('waits for a decision, records who decided, and lets one executor take an approved action', async () => {
        const o = observe(newJwt());
        await store.upsert(o);
        const { action } = await store.claimAction({
          key: `revoke:${o.fingerprint}:okta`,
          fingerprint: o.fingerprint,
          type: 'revocation',
          target: 'okta',
          status: 'awaiting-approval',
          actor: 'policy:approval-required',
        });
        expect((await store.listPendingApprovals()).map((a) => a.id)).toContain(action.id);
        await expectCode(store.completeAction(action.id, 'succeeded'), 'CONFLICT');
        expect((await store.beginApprovedAction(action.id)).claimed).toBe(false);
        const approved = await store.decideApproval(action.id, 'approve', 'user:dana', 'confirmed live prod token');
        expect(approved).toMatchObject({ status: 'approved', decidedBy: 'user:dana' });
        expect((await store.listPendingApprovals()).map((a) => a.id)).not.toContain(action.id);
        await expectCode(store.decideApproval(action.id, 'reject', 'user:erin'), 'CONFLICT');
        const takers = await Promise.all(Array.from({ length: 5 }, () => store.beginApprovedAction(action.id)));
        expect(takers.filter((t) => t.claimed)).toHaveLength(1);
        expect((await store.completeAction(action.id, 'succeeded', 'revoked')).status).toBe('succeeded');
        const audit = await store.listAudit({ fingerprint: o.fingerprint, order: 'asc' });
        expect(audit.items.map((a) => [a.action, a.actor])).toEqual([
          ['action.approved', 'user:dana'],
          ['action.revocation.succeeded', 'policy:approval-required'],
        ]);
      });

      it('records a rejection as final', async () => {
        const o = observe(newJwt());
        await store.upsert(o);
        const { action } = await store.claimAction({ key: `r-${o.fingerprint}`, fingerprint: o.fingerprint, type: 'revocation', target: 'okta', status: 'awaiting-approval' });
        const rejected = await store.decideApproval(action.id, 'reject', 'user:dana', 'break-glass account');
        expect(rejected).toMatchObject({ status: 'rejected', reason: 'break-glass account' });
        expect(rejected.completedAt).toBeDefined();
        expect((await store.beginApprovedAction(action.id)).claimed).toBe(false);
        await expectCode(store.completeAction(action.id, 'succeeded'), 'CONFLICT');
      });
    });

    describe('audit log', () => {
      it('stores details as given, pages newest first, and refuses token-shaped details', async () => {
        const actor = `user:${uid()}`;
        for (let i = 0; i < 5; i++) await store.appendAudit({ actor, action: 'console.login', details: { i, ip: '127.0.0.1' } });
        const p1 = await store.listAudit({ actor, limit: 3 });
        expect(p1.items.map((a) => a.details.i)).toEqual([4, 3, 2]);
        const p2 = await store.listAudit({ actor, limit: 3, cursor: p1.nextCursor! });
        expect(p2.items.map((a) => a.details.i)).toEqual([1, 0]);
        expect(p2.nextCursor).toBeUndefined();
        const leaked = newJwt();
        await expectCode(store.appendAudit({ actor, action: 'oops', details: { note: `pasted ${leaked}` } }), 'PAYLOAD_INVALID');
        const e = await expectCode(store.appendAudit({ actor, action: 'oops', details: { nested: [{ deep: leaked }] } }), 'PAYLOAD_INVALID');
        expect(e.message).not.toContain(leaked);
        expect((await store.listAudit({ actor })).items).toHaveLength(5);
      });
    });

    describe('cursors', () => {
      it('keeps one resume point per source and scope', async () => {
        const src = `slack-${uid()}`;
        expect(await store.getCursor(src, 'C1')).toBeNull();
        await store.setCursor(src, 'C1', '1700000000.000100');
        await store.setCursor(src, 'C2', '1700000005.000100');
        await store.setCursor(src, 'C1', '1700000010.000100');
        await store.setCursor(src, '', 'whole-source');
        expect(await store.getCursor(src, 'C1')).toBe('1700000010.000100');
        expect(await store.getCursor(src)).toBe('whole-source');
        expect(await store.getCursor(`other-${uid()}`, 'C1')).toBeNull();
        expect((await store.listCursors(src)).map((c) => [c.scope, c.cursor])).toEqual([
          ['', 'whole-source'],
          ['C1', '1700000010.000100'],
          ['C2', '1700000005.000100'],
        ]);
      });
    });

    describe('API keys', () => {
      it('returns the key once, verifies it with its role, and stores only a hash', async () => {
        const created = await store.createApiKey({ role: 'responder', label: 'on-call laptop', actor: 'user:admin' });
        apiKeys.push(created.key);
        expect(created.key).toMatch(/^trk_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
        expect(created.key).toContain(created.id);
        clock.advance(MIN);
        expect(await store.verifyApiKey(created.key)).toEqual({ id: created.id, role: 'responder', label: 'on-call laptop' });
        const listed = (await store.listApiKeys()).find((k) => k.id === created.id)!;
        expect(listed).toMatchObject({ role: 'responder', label: 'on-call laptop', lastUsedAt: clock.iso() });
        expect(JSON.stringify(listed)).not.toContain(created.key.slice(-43));
        // wrong secret, malformed, other types
        const forged = created.key.slice(0, -4) + (created.key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
        expect(await store.verifyApiKey(forged)).toBeNull();
        expect(await store.verifyApiKey('trk_nope')).toBeNull();
        expect(await store.verifyApiKey('')).toBeNull();
        expect(await store.verifyApiKey(undefined as never)).toBeNull();
        await store.revokeApiKey(created.id, 'user:admin');
        expect(await store.verifyApiKey(created.key)).toBeNull();
        expect((await store.revokeApiKey(created.id)).revokedAt).toBeDefined();
        await expectCode(store.revokeApiKey('aaaaaaaaaaaa'), 'NOT_FOUND');
        const audit = await store.listAudit({ actor: 'user:admin', limit: 10 });
        expect(audit.items.map((a) => a.action)).toEqual(expect.arrayContaining(['api-key.created', 'api-key.revoked']));
        await expectCode(store.createApiKey({ role: 'root' as never, label: 'x' }), 'PAYLOAD_INVALID');
      });
    });

    describe('listing findings', () => {
      it('filters by severity, status, source, rule, issuer, tenant, liveness and text', async () => {
        const tag = uid();
        const rule = `rule-${tag}`;
        const src = `src-${tag}`;
        const mk = async (o: Parameters<typeof observe>[1]) => {
          const ob = observe(newJwt(), { rule, source: src, ...o });
          await store.upsert(ob);
          return ob.fingerprint;
        };
        const a = await mk({ severity: 'critical', score: 95, profile: { issuer: 'https://acme.okta.test', issuerFamily: 'okta', tenants: ['t-red'] } });
        const b = await mk({ severity: 'low', score: 20, liveness: 'expired', locator: { kind: 'file', path: `srv/${tag}/app.env`, line: 2, column: 5 } });
        const c = await mk({ severity: 'high', score: 80, source: `other-${tag}`, profile: { tenants: ['t-blue', 't-red'] } });
        await store.acknowledge(b, 'user:x');
        const fps = async (q: Parameters<FindingStore['listFindings']>[0]) => (await store.listFindings({ rule: [rule], ...q })).items.map((f) => f.fingerprint).sort();
        expect(await fps({})).toEqual([a, b, c].sort());
        expect(await fps({ severity: ['critical', 'high'] })).toEqual([a, c].sort());
        expect(await fps({ status: ['acknowledged'] })).toEqual([b]);
        expect(await fps({ source: [src] })).toEqual([a, b].sort());
        expect(await fps({ issuer: ['okta'] })).toEqual([a]);
        expect(await fps({ issuer: ['https://acme.okta.test'] })).toEqual([a]);
        expect(await fps({ tenant: ['t-red'] })).toEqual([a, c].sort());
        expect(await fps({ liveness: ['expired'] })).toEqual([b]);
        expect(await fps({ text: `SRV/${tag}` })).toEqual([b]);
        expect(await fps({ text: tag })).toEqual([a, b, c].sort()); // the rule id matches
        expect(await fps({ text: '100%_' })).toEqual([]);
        expect(await fps({ severity: ['critical'], liveness: ['expired'] })).toEqual([]);
        expect(await fps({ severity: [] })).toEqual([a, b, c].sort());
        const redacted = (await store.getFinding(a))!.redacted;
        const redactedPiece = redacted.slice(redacted.indexOf('…'));
        expect(await fps({ text: redactedPiece })).toEqual([a]);
      });

      it('pages with a cursor that stays stable while new findings arrive', async () => {
        const rule = `page-${uid()}`;
        const original: string[] = [];
        for (let i = 0; i < 23; i++) {
          const o = observe(newJwt(), { rule, score: (i * 37) % 100, seenAt: new Date(clock.now().getTime() + i * 1000).toISOString() });
          await store.upsert(o);
          original.push(o.fingerprint);
        }
        for (const [sort, order] of [
          ['score', 'desc'],
          ['score', 'asc'],
          ['firstSeen', 'asc'],
          ['firstSeen', 'desc'],
        ] as const) {
          const seen: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const page = await store.listFindings({ rule: [rule], sort, order, limit: 5, ...(cursor ? { cursor } : {}) });
            seen.push(...page.items.map((f) => f.fingerprint));
            // findings arriving mid-listing, with scores anywhere in the range
            const late = observe(newJwt(), { rule, score: (pages * 29) % 100 });
            await store.upsert(late);
            cursor = page.nextCursor;
            pages++;
          } while (cursor && pages < 50);
          const fromOriginal = seen.filter((fp) => original.includes(fp));
          expect(new Set(seen).size).toBe(seen.length);
          expect(fromOriginal.sort()).toEqual([...original].sort());
          // and in order
          const all = await store.listFindings({ rule: [rule], sort, order, limit: 500 });
          const rank = new Map(all.items.map((f, i) => [f.fingerprint, i]));
          const positions = seen.map((fp) => rank.get(fp)!);
          expect([...positions].sort((x, y) => x - y)).toEqual(positions);
        }
      });

      it('refuses a tampered cursor or one from another sort', async () => {
        const rule = `cur-${uid()}`;
        for (let i = 0; i < 3; i++) await store.upsert(observe(newJwt(), { rule }));
        const page = await store.listFindings({ rule: [rule], limit: 1 });
        expect(page.nextCursor).toBeDefined();
        await expectCode(store.listFindings({ rule: [rule], limit: 1, sort: 'firstSeen', cursor: page.nextCursor! }), 'PAYLOAD_INVALID');
        await expectCode(store.listFindings({ rule: [rule], cursor: 'not a cursor!' }), 'PAYLOAD_INVALID');
        await expectCode(store.listFindings({ rule: [rule], cursor: Buffer.from('{"s":"score"}').toString('base64url') }), 'PAYLOAD_INVALID');
        await expectCode(store.listFindings({ limit: 100000 }), 'PAYLOAD_INVALID');
      });

      it('pages occurrences oldest first', async () => {
        const token = newJwt();
        for (let i = 0; i < 7; i++) {
          await store.upsert(observe(token, { locator: slackLocator({ ts: `1.${i}` }), seenAt: new Date(clock.now().getTime() + i * 1000).toISOString() }));
        }
        const fp = fingerprint(token);
        const p1 = await store.listOccurrences(fp, { limit: 4 });
        const p2 = await store.listOccurrences(fp, { limit: 4, cursor: p1.nextCursor! });
        expect([...p1.items, ...p2.items].map((o) => (o.locator as { ts: string }).ts)).toEqual(['1.0', '1.1', '1.2', '1.3', '1.4', '1.5', '1.6']);
        expect(p2.nextCursor).toBeUndefined();
        expect((await store.getFinding(fp, { occurrenceLimit: 2 }))!.occurrences).toHaveLength(2);
        expect((await store.getFinding(fp))!.occurrenceCount).toBe(7);
      });
    });

    describe('stats', () => {
      it('counts by severity, status and source, per day, and the median time to revoke', async () => {
        // a window of its own, far from other tests' times
        const day0 = Date.parse('2031-06-10T00:00:00.000Z');
        const src = `stats-${uid()}`;
        const statuses = ['open', 'acknowledged'] as const;
        const before = await store.stats({ now: new Date(day0 + 5 * DAY), days: 7, statuses: [...statuses] });
        const at = (d: number, h = 10) => new Date(day0 + d * DAY + h * 3600_000).toISOString();
        const mk = async (seen: string, severity: 'low' | 'high' | 'critical') => {
          clock.set(seen);
          const o = observe(newJwt(), { source: src, severity, seenAt: seen });
          await store.upsert(o);
          return o.fingerprint;
        };
        const f1 = await mk(at(0), 'critical');
        const f2 = await mk(at(0), 'high');
        const f3 = await mk(at(2), 'high');
        const f4 = await mk(at(3), 'low');
        await mk(at(4), 'low');
        clock.set(at(0, 12)); // 2 h after first seen
        await store.markRevoked(f1, 'policy:auto-revoke');
        clock.set(at(3, 14)); // 3 days 4 h after first seen
        await store.markRevoked(f2, 'user:x');
        clock.set(at(3, 16)); // 1 day 6 h after first seen
        await store.markRevoked(f3, 'user:x');
        clock.set(at(4));
        await store.markFalsePositive(f4, 'fixture', 'user:x');
        const s = await store.stats({ now: new Date(day0 + 5 * DAY), days: 7, statuses: [...statuses] });
        expect(s.series.map((d) => d.day)).toEqual(['2031-06-09', '2031-06-10', '2031-06-11', '2031-06-12', '2031-06-13', '2031-06-14', '2031-06-15']);
        expect(s.series.map((d) => d.opened)).toEqual([0, 2, 0, 1, 1, 1, 0]);
        expect(s.series.map((d) => d.revoked)).toEqual([0, 1, 0, 0, 2, 0, 0]);
        expect(s.medianSecondsToRevoke).toBe(30 * 3600);
        expect(s.bySource[src]).toBe(1); // only the one still open
        expect(s.bySeverity.low - before.bySeverity.low).toBe(1);
        expect(s.bySeverity.critical - before.bySeverity.critical).toBe(0);
        expect(s.total - before.total).toBe(1);
        expect(s.byStatus.revoked - before.byStatus.revoked).toBe(3);
        expect(s.byStatus['false-positive'] - before.byStatus['false-positive']).toBe(1);
        const all = await store.stats({ now: new Date(day0 + 5 * DAY), days: 7 });
        expect(all.bySource[src]).toBe(5);
        const empty = await store.stats({ now: new Date('2040-01-01T00:00:00Z'), days: 3 });
        expect(empty.medianSecondsToRevoke).toBeNull();
        expect(empty.series).toEqual([
          { day: '2039-12-30', opened: 0, revoked: 0 },
          { day: '2039-12-31', opened: 0, revoked: 0 },
          { day: '2040-01-01', opened: 0, revoked: 0 },
        ]);
        clock.set('2030-03-01T00:00:00.000Z');
      });
    });

    describe('webhook deliveries', () => {
      it('says true the first time an id is seen, false for repeats until it expires', async () => {
        const id = `Ev${uid()}`;
        expect(await store.rememberDelivery('slack', id, 3600)).toBe(true);
        expect(await store.rememberDelivery('slack', id, 3600)).toBe(false);
        expect(await store.rememberDelivery('github', id, 3600)).toBe(true);
        clock.advance(3601_000);
        expect(await store.rememberDelivery('slack', id, 3600)).toBe(true);
        const many = await Promise.all(Array.from({ length: 10 }, () => store.rememberDelivery('jira', `J${id}`, 60)));
        expect(many.filter(Boolean)).toHaveLength(1);
        const purged = await store.purgeExpired(new Date(clock.now().getTime() + 2 * 3600_000));
        expect(purged.deliveries).toBeGreaterThanOrEqual(3);
      });

      it('forgets an id on request (a delivery that could not be handed on), so its retry is accepted', async () => {
        const id = `Ev${uid()}`;
        expect(await store.rememberDelivery('slack', id, 3600)).toBe(true);
        expect(await store.forgetDelivery('slack', id)).toBe(true);
        expect(await store.forgetDelivery('slack', id)).toBe(false);
        expect(await store.rememberDelivery('slack', id, 3600)).toBe(true);
        expect(await store.rememberDelivery('slack', id, 3600)).toBe(false);
        // Only that source's id.
        expect(await store.rememberDelivery('github', id, 3600)).toBe(true);
        expect(await store.forgetDelivery('github', id)).toBe(true);
        expect(await store.rememberDelivery('slack', id, 3600)).toBe(false);
        await expectCode(store.forgetDelivery('slack', ''), 'PAYLOAD_INVALID');
      });
    });

    describe('secrets never stored in clear', () => {
      it('holds no planted raw token and no API key anywhere in the database', async () => {
        const text = await dumpText(store);
        expect(planted.length).toBeGreaterThan(20);
        // sanity: the dump does contain what was stored (previews, sealed blobs)
        expect(text).toContain('slack-main');
        expect(text).toContain('v1.' + sealingKey.id);
        const hits = planted.filter((t) => text.includes(t));
        expect(hits).toEqual([]);
        // nor the signature-free JWS prefix (header.payload) that would reveal the claims verbatim
        expect(planted.filter((t) => t.split('.').length === 3 && text.includes(t.split('.').slice(0, 2).join('.')))).toEqual([]);
        expect(apiKeys.length).toBeGreaterThan(0);
        for (const k of apiKeys) {
          expect(text).not.toContain(k);
          expect(text).not.toContain(k.slice(-43));
        }
      });
    });

    describe('lifecycle', () => {
      it('fails with STORE_UNAVAILABLE once closed (runs last)', async () => {
        await store.close();
        await store.close(); // idempotent
        await expectCode(store.ping(), 'STORE_UNAVAILABLE');
        await expectCode(store.upsert(observe(newJwt())), 'STORE_UNAVAILABLE');
      });
    });
  });
}
