/**
 * Real services for integration tests. Under CI=true a missing service FAILS the test file (a
 * green run must mean the integration tests ran); locally it skips with a note.
 *
 * Each test isolates itself: a random BullMQ prefix (`testPrefix()`), a fresh PostgreSQL schema
 * (`freshSchema()`), and cleans up after itself.
 */
import { createConnection } from 'node:net';
import { randomBytes } from 'node:crypto';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

type Service = 'redis' | 'postgres';
const PORTS: Record<Service, { url: string }> = { redis: { url: REDIS_URL }, postgres: { url: POSTGRES_URL } };

function probe(url: string, timeoutMs = 1500): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const sock = createConnection({ host: u.hostname, port: Number(u.port) });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/**
 * `const svc = await requireServices('redis')` at the top of a test file, then
 * `describe.skipIf(svc.skip)(…)`. Throws under CI=true when a service is unreachable.
 */
export async function requireServices(...names: Service[]): Promise<{ skip: boolean; missing: Service[] }> {
  const missing: Service[] = [];
  for (const n of names) if (!(await probe(PORTS[n].url))) missing.push(n);
  if (missing.length > 0 && process.env.CI) {
    throw new Error(`integration test needs ${missing.join(', ')} (${missing.map((m) => PORTS[m].url).join(', ')}) and CI=true: failing instead of skipping`);
  }
  if (missing.length > 0) console.warn(`skipping: ${missing.join(', ')} not reachable`);
  return { skip: missing.length > 0, missing };
}

/** A random id safe for BullMQ prefixes, schema names and job ids. */
export function testId(label = 't'): string {
  return `${label}_${randomBytes(5).toString('hex')}`;
}
