/**
 * `tokenradius serve`: the HTTP server and the pipeline workers in one process. With REDIS_URL the
 * work goes through BullMQ; without it through the inline runner, so `npm start` works on a fresh
 * machine with no services (embedded PGlite store in `--data-dir`).
 */
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../../config/load.js';
import { ALL_ROLES, runUntilSignal, startService } from '../../pipeline/service.js';
import { firstRun } from '../../demo/first-run.js';

export function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d{1,5}$/.test(v) || n > 65535) throw new InvalidArgumentError('a port number 0-65535');
  return n;
}

/** Exit after a graceful stop even if a library left a handle open. */
export function exitSoon(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 3000).unref();
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('run the HTTP server (health, metrics, webhooks, API) and the pipeline workers')
    .option('-p, --port <port>', 'port to listen on (default: server.port, 8080)', parsePort)
    .option('--host <host>', 'interface to listen on (default: server.host, 127.0.0.1)')
    .option('-d, --data-dir <dir>', 'embedded data directory (PGlite store, sealing key) when DATABASE_URL is not set')
    .option('--no-workers', 'HTTP only: leave the pipeline to `tokenradius worker` processes')
    .option('-c, --config <file>', 'configuration file (default: TOKENRADIUS_CONFIG or embedded defaults)')
    .option('--no-demo', 'do not load the bundled demo into an empty embedded store on first run')
    .action(async (o: { port?: number; host?: string; dataDir?: string; workers: boolean; config?: string; demo: boolean }) => {
      const loaded = loadConfig(o.config ? { file: o.config } : {});
      const service = await startService(loaded, {
        http: true,
        roles: o.workers ? ALL_ROLES : [],
        ...(o.port !== undefined ? { port: o.port } : {}),
        ...(o.host ? { host: o.host } : {}),
        ...(o.dataDir ? { dataDir: o.dataDir } : {}),
      });
      // First run: a one-time admin key on stdout, and the demo into an empty embedded store.
      const first = await firstRun(service, { demo: o.demo, dataDir: o.dataDir ?? loaded.config.dataDir, stdout: process.stdout }).catch(async (e: unknown) => {
        await service.close();
        throw e;
      });
      process.once('SIGTERM', first.stop);
      process.once('SIGINT', first.stop);
      exitSoon(await runUntilSignal(service));
    });
}
