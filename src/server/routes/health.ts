/**
 * Operational routes: `/healthz` (the process is up), `/readyz` (every dependency answers: store
 * ping, Redis ping when the BullMQ transport is used), `/metrics` (Prometheus text format).
 */
import { TokenradiusError } from '../../core/errors.js';
import type { RoutePlugin } from '../app.js';

const CHECK_TIMEOUT_MS = 3000;

async function runCheck(check: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new TokenradiusError('INTERNAL', 'timed out')), CHECK_TIMEOUT_MS);
      }),
    ]);
    return 'ok';
  } catch (e) {
    return e instanceof TokenradiusError ? e.code : 'INTERNAL';
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export const healthRoutes: RoutePlugin = {
  id: 'health',
  register(app, deps) {
    app.get('/healthz', async () => ({ status: 'ok' }));

    app.get('/readyz', async (_request, reply) => {
      const checks: Record<string, string> = {};
      await Promise.all(
        deps.readiness.map(async (c) => {
          checks[c.name] = await runCheck(() => c.check());
        }),
      );
      const ready = Object.values(checks).every((v) => v === 'ok');
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks });
    });

    app.get('/metrics', async (_request, reply) => {
      const text = await deps.metrics.render();
      return reply.type(deps.metrics.contentType).send(text);
    });
  },
};
