/**
 * A private redis-server on a random port, for tests that stop and restart Redis mid-run, and a
 * helper that dumps every key and value under a prefix (strings, hashes, lists, sets, sorted sets,
 * streams) so a test can prove no planted token reached Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitFor(fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting for redis-server');
}

async function pingable(port: number): Promise<boolean> {
  const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  c.on('error', () => {});
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

export interface RedisProcess {
  port: number;
  url: string;
  /** Stop the server (SIGTERM: it writes its append-only file first). */
  stop(): Promise<void>;
  /** Start it again on the same port and data directory (data survives via AOF). */
  start(): Promise<void>;
  /** Stop and delete its data directory. */
  destroy(): Promise<void>;
}

/** Starts `redis-server` on 127.0.0.1 and a free port with AOF (`appendfsync always`) in a temp dir. */
export async function startRedisProcess(): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tr-redis-'));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--maxmemory-policy', 'noeviction'],
      { stdio: 'ignore' },
    );
    await waitFor(() => pingable(port), 10_000);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Every key matching `pattern` with its value(s), read as its type requires. Binary-safe (latin1
 * keeps every byte: sealed payloads are bytes, not UTF-8), so a search for a planted token sees
 * exactly what Redis holds; an unknown type is read as its DUMP serialisation.
 */
export async function dumpRedis(url: string, pattern = '*'): Promise<string> {
  const c = new Redis(url, { maxRetriesPerRequest: 2 });
  const bin = (bs: Buffer[]) => bs.map((b) => b.toString('latin1')).join('\n');
  try {
    const parts: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await c.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await c.type(key);
        parts.push(`${key} (${type})`);
        if (type === 'string') parts.push((await c.getBuffer(key))?.toString('latin1') ?? '');
        else if (type === 'hash') parts.push(bin(await c.hgetallBuffer(key).then((h) => Object.entries(h).flatMap(([k, v]) => [Buffer.from(k, 'latin1'), v]))));
        else if (type === 'list') parts.push(bin(await c.lrangeBuffer(key, 0, -1)));
        else if (type === 'set') parts.push(bin(await c.smembersBuffer(key)));
        else if (type === 'zset') parts.push(bin(await c.zrangeBuffer(key, '0', '-1')));
        else if (type === 'stream') parts.push(JSON.stringify(await c.xrange(key, '-', '+')));
        else if (type !== 'none') parts.push((await c.dumpBuffer(key))?.toString('latin1') ?? '');
      }
    } while (cursor !== '0');
    return parts.join('\n');
  } finally {
    c.disconnect();
  }
}

/** Delete every key under a BullMQ prefix (test cleanup). */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const c = new Redis(url, { maxRetriesPerRequest: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await c.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await c.del(...keys);
    } while (cursor !== '0');
  } finally {
    c.disconnect();
  }
}
