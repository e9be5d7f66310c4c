/**
 * One running tokenradius service: the HTTP server and/or pipeline workers, on BullMQ when
 * REDIS_URL is set and on the inline runner otherwise. `serve`, `worker` and `workers/*.ts` are
 * thin wrappers around `startService` + `runUntilSignal`.
 */
import type { FastifyInstance } from 'fastify';
import type { LoadedConfig } from '../config/load.js';
import { TokenradiusError, describeError } from '../core/errors.js';
import { safeError } from '../observe/scrub.js';
import type { QueueTransport, RunningWorkers, WorkerRole } from '../queue/transport.js';
import { buildServer, type ReadinessCheck, type RoutePlugin } from '../server/app.js';
import { routes as defaultRoutes } from '../server/routes/index.js';
import { buildDeps, type BuildDepsOptions, type PipelineDeps } from './deps.js';
import { createInlineRunner, type InlineRunner } from './runner-inline.js';
import type { Ingress } from './stages.js';

export type { WorkerRole } from '../queue/transport.js';
export const ALL_ROLES: readonly WorkerRole[] = ['poll', 'scan', 'act', 'scheduler'];

export interface ServiceOptions {
  /** Serve HTTP (`serve`); `worker` runs without it. */
  http: boolean;
  /** Pipeline roles to run in this process ([] = HTTP only: `serve --no-workers`). */
  roles: readonly WorkerRole[];
  host?: string;
  port?: number;
  dataDir?: string;
  routes?: readonly RoutePlugin[];
  /** How often the scheduler role re-synchronises job schedulers (ms). */
  schedulerResyncMs?: number;
  deps?: BuildDepsOptions;
}

export interface RunningService {
  mode: 'bullmq' | 'inline';
  deps: PipelineDeps;
  /** Where producers hand work (absent for an HTTP-only inline process). */
  ingress?: Ingress;
  transport?: QueueTransport;
  inline?: InlineRunner;
  server?: FastifyInstance;
  /** `http://host:port` once listening. */
  url?: string;
  close(): Promise<void>;
}

export async function startService(loaded: LoadedConfig, opts: ServiceOptions): Promise<RunningService> {
  const deps = await buildDeps(loaded, { ...opts.deps, ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) });
  const { logger, metrics, config } = deps;
  const redisUrl = loaded.env.REDIS_URL;
  const readiness: ReadinessCheck[] = [{ name: 'store', check: () => deps.store.ping() }];
  const closers: Array<() => Promise<void>> = [];
  const service: RunningService = {
    mode: redisUrl ? 'bullmq' : 'inline',
    deps,
    async close() {
      // Reverse order: stop taking requests, finish jobs, then close connections.
      for (const c of closers.reverse()) {
        try {
          await c();
        } catch (e) {
          logger.warn({ err: safeError(e, deps.scrub) }, 'error during shutdown');
        }
      }
      await deps.close();
    },
  };

  try {
    if (redisUrl) {
      // Loaded only in service mode: the inline runner never needs bullmq.
      const { createQueueTransport } = await import('../queue/transport.js');
      // A store outage pauses the queues instead of failing jobs: recovery needs no `jobs retry`.
      const isOutage = async (err: TokenradiusError) => err.code === 'STORE_UNAVAILABLE' && !(await deps.store.ping().then(() => true, () => false));
      const transport = createQueueTransport({
        redisUrl,
        options: config.queue,
        sealingKey: deps.sealingKey,
        logger,
        metrics,
        scrub: deps.scrub,
        isOutage,
        // Each source's polls go to its own upstream's queue (one upstream's 429 pauses only it).
        sources: deps.sources.map((s) => ({ id: s.id, type: s.type })),
      });
      service.transport = transport;
      service.ingress = transport;
      closers.push(() => transport.close());
      metrics.setQueueDepthProvider(() => transport.depth());
      readiness.push({ name: 'redis', check: () => transport.ping() });
      // The scheduler role also runs the maintenance worker (the job its scheduler produces).
      if (opts.roles.length > 0) {
        const running: RunningWorkers = await transport.startWorkers([...opts.roles], deps.handlers);
        closers.push(() => running.close());
      }
      if (opts.roles.includes('scheduler')) {
        const maintenanceEveryMs = config.store.purgeIntervalSeconds * 1000;
        const sync = () =>
          transport.syncSchedulers(deps.sources.map((s) => ({ id: s.id, schedule: s.schedule, type: s.type })), { maintenanceEveryMs }).catch((e) => {
            logger.error({ err: safeError(e, deps.scrub) }, 'could not synchronise job schedulers');
          });
        await sync();
        const timer = setInterval(() => void sync(), opts.schedulerResyncMs ?? 300_000);
        timer.unref();
        closers.push(async () => clearInterval(timer));
      }
    } else if (opts.roles.length > 0) {
      const inline = createInlineRunner({
        handlers: deps.handlers,
        sources: deps.sources,
        logger,
        metrics,
        attempts: config.queue.attempts,
        backoffMs: config.queue.backoffMs,
        batchSize: config.queue.batchSize,
        maintenanceEveryMs: config.store.purgeIntervalSeconds * 1000,
      });
      service.inline = inline;
      service.ingress = inline;
      if (opts.roles.includes('scheduler')) inline.start();
      closers.push(() => inline.close());
    }

    if (opts.http) {
      const options = { ...config.server, ...(opts.host ? { host: opts.host } : {}), ...(opts.port !== undefined ? { port: opts.port } : {}) };
      const server = await buildServer(
        { logger, metrics, options, readiness, config, store: deps.store, env: loaded.env, sealingKey: deps.sealingKey, act: deps.act, ...(service.ingress ? { ingress: service.ingress } : {}) },
        { routes: opts.routes ?? defaultRoutes },
      );
      service.server = server;
      try {
        service.url = await server.listen({ host: options.host, port: options.port });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new TokenradiusError('USAGE', `cannot listen on ${options.host}:${options.port}${code ? ` (${code})` : ''}`);
      }
      closers.push(async () => {
        const grace = setTimeout(() => server.server.closeAllConnections(), options.shutdownGraceMs);
        grace.unref();
        await server.close();
        clearTimeout(grace);
      });
      logger.info({ url: service.url, mode: service.mode, roles: opts.roles }, 'tokenradius is listening');
    } else {
      logger.info({ mode: service.mode, roles: opts.roles }, 'tokenradius workers running');
    }
  } catch (e) {
    await service.close();
    throw e;
  }
  return service;
}

/**
 * Keep the process alive until SIGTERM / SIGINT, then shut down gracefully (workers finish or hand
 * back their jobs via `worker.close()`). A second SIGINT exits at once.
 */
export function runUntilSignal(service: RunningService): Promise<number> {
  const { logger } = service.deps;
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second Ctrl-C means "now"; a repeated SIGTERM (supervisors resend) keeps the graceful stop.
        if (signal === 'SIGINT') {
          logger.warn({ signal }, 'second interrupt: exiting now');
          process.exit(1);
        }
        return;
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      service
        .close()
        .then(() => {
          logger.info('stopped');
          resolve(0);
        })
        .catch((e) => {
          process.stderr.write(`tokenradius: ${describeError(e)}\n`);
          resolve(1);
        });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

export function parseRoles(text: string): WorkerRole[] {
  const roles = new Set<WorkerRole>();
  for (const r of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (r === 'all') ALL_ROLES.forEach((x) => roles.add(x));
    else if ((ALL_ROLES as readonly string[]).includes(r)) roles.add(r as WorkerRole);
    else throw new TokenradiusError('USAGE', `unknown worker role "${r}" (poll, scan, act, scheduler, all)`);
  }
  if (roles.size === 0) throw new TokenradiusError('USAGE', 'give at least one worker role (poll, scan, act, scheduler, all)');
  return [...roles];
}
