/**
 * Redis connections for BullMQ, following its production guidance:
 * - workers (and the queues they enqueue follow-up work on) ride out Redis restarts:
 *   `maxRetriesPerRequest: null`, offline queue on, reconnect forever;
 * - producers on a request path (webhook ingress, API) fail fast: no offline queue, one retry,
 *   short connect timeout — a webhook answers 503 instead of hanging.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { TokenradiusError } from '../core/errors.js';

export type ConnectionRole = 'worker' | 'producer';

export function createRedisConnection(url: string, role: ConnectionRole, opts: { timeoutMs: number; name?: string }): Redis {
  const common: RedisOptions = {
    connectionName: opts.name ?? `tokenradius-${role}`,
    // Reconnect forever with a capped delay; BullMQ needs the connection back, never a dead client.
    retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times, 6), 5000),
    lazyConnect: false,
  };
  const options: RedisOptions =
    role === 'worker'
      ? { ...common, maxRetriesPerRequest: null, enableOfflineQueue: true }
      : { ...common, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: opts.timeoutMs };
  let client: Redis;
  try {
    client = new Redis(url, options);
  } catch (e) {
    // The URL may hold a password: never quote it.
    throw new TokenradiusError('CONFIG_INVALID', 'REDIS_URL is not a valid redis:// URL', { details: { cause: e instanceof Error ? e.name : 'unknown' } });
  }
  // Without a listener ioredis would print connection errors (with the URL) to stderr; the
  // transport reports connection state through its own logger instead.
  client.on('error', () => {});
  return client;
}

/** Race a producer operation against a timeout so a dead Redis surfaces as QUEUE_UNAVAILABLE. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TokenradiusError('QUEUE_UNAVAILABLE', `${what}: Redis did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } catch (e) {
    if (e instanceof TokenradiusError) throw e;
    throw new TokenradiusError('QUEUE_UNAVAILABLE', `${what}: Redis is unavailable`, { details: { cause: e instanceof Error ? e.name : 'unknown' } });
  } finally {
    if (timer) clearTimeout(timer);
  }
}
