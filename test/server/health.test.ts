/**
 * The HTTP server factory and the operational routes: health, readiness (store / Redis pings),
 * Prometheus metrics, error mapping, body limits, raw bodies for signature checks.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildServer, webhookRouteOptions, type ReadinessCheck, type RoutePlugin } from '../../src/server/app.js';
import { routes } from '../../src/server/routes/index.js';
import { ServerOptionsSchema } from '../../src/server/options.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { silentLogger } from '../../src/observe/logger.js';
import { TokenradiusError } from '../../src/core/errors.js';
import { fakeSignedJwt, inHours } from '../support/jwt-factory.js';

function server(opts: { readiness?: ReadinessCheck[]; extra?: RoutePlugin[]; options?: Record<string, unknown> } = {}) {
  const metrics = createMetrics();
  return {
    metrics,
    app: buildServer(
      { logger: silentLogger(), metrics, options: ServerOptionsSchema.parse(opts.options ?? {}), readiness: opts.readiness ?? [] },
      { routes: [...routes, ...(opts.extra ?? [])] },
    ),
  };
}

describe('server', () => {
  it('answers /healthz, and /readyz per dependency', async () => {
    let redisUp = true;
    const { app: p } = server({
      readiness: [
        { name: 'store', check: async () => ({ backend: 'pglite' }) },
        {
          name: 'redis',
          check: async () => {
            if (!redisUp) throw new TokenradiusError('QUEUE_UNAVAILABLE', 'down');
          },
        },
      ],
    });
    const app = await p;
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { store: 'ok', redis: 'ok' } });
    redisUp = false;
    const notReady = await app.inject({ url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toEqual({ status: 'not-ready', checks: { store: 'ok', redis: 'QUEUE_UNAVAILABLE' } });
    await app.close();
  });

  it('serves Prometheus metrics with the pipeline series', async () => {
    const { app: p, metrics } = server();
    metrics.jobsProcessed.inc({ queue: 'scan' }, 3);
    metrics.findings.inc({ severity: 'critical', change: 'new' });
    metrics.stageSeconds.observe({ stage: 'scan' }, 0.02);
    metrics.setQueueDepthProvider(async () => [{ queue: 'scan', state: 'waiting', count: 7 }]);
    const app = await p;
    const res = await app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.body).toContain('tokenradius_jobs_processed_total{queue="scan"} 3');
    expect(res.body).toContain('tokenradius_findings_observed_total{severity="critical",change="new"} 1');
    expect(res.body).toContain('tokenradius_queue_depth{queue="scan",state="waiting"} 7');
    expect(res.body).toContain('tokenradius_stage_duration_seconds_bucket{le="0.025",stage="scan"} 1');
    expect(res.body).toContain('tokenradius_process_resident_memory_bytes');
    await app.close();
  });

  it('maps errors to statuses with a JSON body that never echoes the input', async () => {
    const token = fakeSignedJwt({ sub: 'leak', exp: inHours(1) });
    const probe: RoutePlugin = {
      id: 'probe',
      register(app) {
        app.post('/probe/:code', async (req) => {
          const { code } = req.params as { code: string };
          if (code === 'boom') throw new Error(`library failed on ${token}`);
          throw new TokenradiusError(code as 'NOT_FOUND', 'the typed message');
        });
      },
    };
    const app = await server({ extra: [probe] }).app;
    const cases: Array<[string, number]> = [
      ['NOT_FOUND', 404],
      ['CONFLICT', 409],
      ['PAYLOAD_INVALID', 422],
      ['UNAUTHENTICATED', 401],
      ['SIGNATURE_INVALID', 401],
      ['FORBIDDEN', 403],
      ['QUEUE_UNAVAILABLE', 503],
      ['STORE_UNAVAILABLE', 503],
    ];
    for (const [code, status] of cases) {
      const res = await app.inject({ method: 'POST', url: `/probe/${code}`, payload: { token } });
      expect(res.statusCode).toBe(status);
      expect(res.json()).toEqual({ error: { code, message: 'the typed message' } });
    }
    const boom = await app.inject({ method: 'POST', url: '/probe/boom', payload: { token } });
    expect(boom.statusCode).toBe(500);
    expect(boom.json()).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
    expect(boom.body).not.toContain(token);
    const bad = await app.inject({ method: 'POST', url: '/probe/x', headers: { 'content-type': 'application/json' }, payload: `{"t": "${token}"` });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('INPUT_MALFORMED');
    expect(bad.body).not.toContain(token);
    const missing = await app.inject({ url: `/nope?token=${token}` });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).not.toContain(token);
    await app.close();
  });

  it('limits bodies (default and webhook limit) and keeps the raw body for signature checks', async () => {
    const seen: Buffer[] = [];
    const hook: RoutePlugin = {
      id: 'hook',
      register(app, deps) {
        app.post('/hook', webhookRouteOptions(deps), async (req) => {
          seen.push(req.rawBody!);
          return { ok: true, body: req.body };
        });
        app.post('/api', async () => ({ ok: true }));
      },
    };
    const app = await server({ extra: [hook], options: { bodyLimitBytes: 2048, webhookBodyLimitBytes: 8192 } }).app;
    const raw = `{"a": 1,   "b": "x"}`;
    const res = await app.inject({ method: 'POST', url: '/hook', headers: { 'content-type': 'application/json' }, payload: raw });
    expect(res.json()).toEqual({ ok: true, body: { a: 1, b: 'x' } });
    expect(seen[0]!.toString()).toBe(raw);
    const form = await app.inject({ method: 'POST', url: '/hook', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'payload=%7B%7D&x=1' });
    expect(form.json().body).toEqual({ payload: '{}', x: '1' });
    expect(seen[1]!.toString()).toBe('payload=%7B%7D&x=1');
    const big = JSON.stringify({ pad: randomBytes(3000).toString('hex') });
    const tooBigForApi = await app.inject({ method: 'POST', url: '/api', headers: { 'content-type': 'application/json' }, payload: big });
    expect(tooBigForApi.statusCode).toBe(413);
    expect(tooBigForApi.json().error.code).toBe('INPUT_TOO_LARGE');
    expect((await app.inject({ method: 'POST', url: '/hook', headers: { 'content-type': 'application/json' }, payload: big })).statusCode).toBe(200);
    const huge = JSON.stringify({ pad: randomBytes(5000).toString('hex') });
    expect((await app.inject({ method: 'POST', url: '/hook', headers: { 'content-type': 'application/json' }, payload: huge })).statusCode).toBe(413);
    const proto = await app.inject({ method: 'POST', url: '/hook', headers: { 'content-type': 'application/json' }, payload: '{"__proto__": {"polluted": true}}' });
    expect(proto.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await app.close();
  });
});
