/**
 * `tokenradius worker --role poll|scan|act|scheduler|all`: pipeline workers on BullMQ (REDIS_URL
 * required). Stateless: run as many as you like on as many machines, against one Redis and one
 * PostgreSQL, all with the same TOKENRADIUS_SEALING_KEY.
 */
import { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { TokenradiusError } from '../../core/errors.js';
import { parseRoles, runUntilSignal, startService, type WorkerRole } from '../../pipeline/service.js';
import { exitSoon } from './serve.js';

/** Shared by `worker` and `workers/*.ts`. */
export async function runWorkerProcess(roles: WorkerRole[], o: { config?: string; dataDir?: string } = {}): Promise<number> {
  const loaded = loadConfig(o.config ? { file: o.config } : {});
  if (!loaded.env.REDIS_URL) {
    throw new TokenradiusError('USAGE', 'worker needs REDIS_URL (the BullMQ transport); without Redis, `tokenradius serve` runs the pipeline inline');
  }
  const service = await startService(loaded, { http: false, roles, ...(o.dataDir ? { dataDir: o.dataDir } : {}), deps: { logBase: { role: roles.join(',') } } });
  return runUntilSignal(service);
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('run pipeline workers on BullMQ (needs REDIS_URL)')
    .requiredOption('-r, --role <roles>', 'poll, scan, act, scheduler or all (comma-separated)')
    .option('-d, --data-dir <dir>', 'embedded data directory (only when DATABASE_URL is not set)')
    .option('-c, --config <file>', 'configuration file (default: TOKENRADIUS_CONFIG or embedded defaults)')
    .action(async (o: { role: string; dataDir?: string; config?: string }) => {
      exitSoon(await runWorkerProcess(parseRoles(o.role), o));
    });
}
