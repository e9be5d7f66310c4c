/**
 * Shared pieces of the fault tests: planted Slack-sized chunks, polling until a condition holds,
 * log capture, and the end-of-test checks every fault test makes (each planted token stored once
 * with exactly its occurrences; nothing leaked).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { expect } from 'vitest';
import type { Chunk } from '../../src/core/types.js';
import { fingerprint } from '../../src/core/secrets.js';
import { createLogger, type Logger } from '../../src/observe/logger.js';
import type { FindingStore } from '../../src/store/types.js';
import { fakeSignedJwt, inHours } from '../support/jwt-factory.js';

export async function until(cond: () => Promise<boolean> | boolean, ms = 90_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if (await cond()) return;
    } catch {
      // the thing we poll may itself be down right now
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not met within ${ms} ms`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A logger writing JSON lines into memory. */
export function captureLogs(level = 'debug'): { lines: string[]; logger: Logger; text(): string } {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    destination: new Writable({
      write(c, _e, cb) {
        lines.push(String(c));
        cb();
      },
    }),
  });
  return { lines, logger, text: () => lines.join('') };
}

/**
 * `messages` Slack-sized chunks; every `every`-th carries one of `tokens` planted JWTs (a token may
 * therefore sit in several messages). `label` keeps chunk ids apart between batches of one test.
 */
export function plantChunks(messages: number, tokens: number, label: string, every = 5): { chunks: Chunk[]; tokens: string[] } {
  const toks = Array.from({ length: tokens }, (_, i) =>
    fakeSignedJwt({ iss: 'https://idp.example.test/', sub: `svc-${label}-${i}-${randomBytes(4).toString('hex')}`, aud: 'api', exp: inHours(3), scope: 'admin' }),
  );
  const chunks: Chunk[] = [];
  for (let i = 0; i < messages; i++) {
    const tok = i % every === 0 ? toks[(i / every) % tokens] : undefined;
    chunks.push({
      id: `slack-C0${label.toUpperCase()}-${i}`,
      source: 'slack-main',
      text: `build ${i} of the ${label} pipeline is green; see the dashboard${tok ? ` — export API_TOKEN=${tok}` : ''} cheers`,
      locator: { kind: 'slack', channel: `C0${label.toUpperCase()}`, ts: `1700000000.${String(i).padStart(6, '0')}`, path: `C0${label.toUpperCase()}`, line: 1, column: 1 },
      exposure: { visibility: 'private', audience: 9 },
    });
  }
  return { chunks, tokens: toks };
}

export async function countStored(store: FindingStore, tokens: readonly string[]): Promise<number> {
  let n = 0;
  for (const t of tokens) if (await store.getFinding(fingerprint(t))) n++;
  return n;
}

/** Each planted token: one finding with exactly one occurrence per chunk it was planted in. */
export async function expectStoredOnce(store: FindingStore, chunks: readonly Chunk[], tokens: readonly string[]): Promise<void> {
  for (const t of tokens) {
    const places = chunks.filter((c) => c.text.includes(t)).length;
    const f = await store.getFinding(fingerprint(t), { occurrenceLimit: 1000 });
    expect(f, `planted token ${fingerprint(t).slice(0, 16)} stored`).not.toBeNull();
    expect(f!.occurrences).toHaveLength(places);
  }
}

/** Every table of the store as text. */
export async function dumpStore(store: FindingStore): Promise<string> {
  const parts: string[] = [];
  for await (const t of store.dumpTables()) parts.push(t.table, ...t.rows);
  return parts.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Worker child processes (the built CLI, as deployed)

export interface WorkerChild {
  role: string;
  child: ChildProcess;
  /** Everything it printed (JSON log lines). */
  output: string[];
}

export function spawnWorker(cli: string, role: string, configFile: string, env: Record<string, string | undefined>): WorkerChild {
  const child = spawn(process.execPath, [cli, 'worker', '--role', role, '--config', configFile], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (d) => output.push(String(d)));
  child.stderr!.on('data', (d) => output.push(String(d)));
  return { role, child, output };
}

/** Send `signal` and wait for the exit; resolves with the exit code (null after a signal). */
export async function stopWorker(w: WorkerChild, signal: NodeJS.Signals): Promise<number | null> {
  const c = w.child;
  if (c.exitCode !== null || c.signalCode !== null) return c.exitCode;
  const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
  c.kill(signal);
  return exited;
}
