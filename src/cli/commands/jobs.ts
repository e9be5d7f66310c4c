/**
 * `tokenradius jobs failed|retry|schedulers`: inspect and retry failed BullMQ jobs. Failed jobs are
 * kept (bounded by `queue.keepFailed` / `keepFailedDays`); their reason is `CODE: message` and
 * their payloads are sealed, so listing them shows no message text or token.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../../config/load.js';
import { TokenradiusError } from '../../core/errors.js';
import { silentLogger } from '../../observe/logger.js';
import { createMetrics } from '../../observe/metrics.js';
import { QUEUE_NAMES, type QueueName } from '../../queue/names.js';
import { createQueueTransport, type QueueTransport } from '../../queue/transport.js';
import { writeAll } from '../io.js';

async function withTransport<T>(configFile: string | undefined, fn: (t: QueueTransport) => Promise<T>): Promise<T> {
  const loaded = loadConfig(configFile ? { file: configFile } : {});
  const redisUrl = loaded.env.REDIS_URL;
  if (!redisUrl) throw new TokenradiusError('USAGE', 'jobs needs REDIS_URL: failed jobs exist only on the BullMQ transport');
  const t = createQueueTransport({ redisUrl, options: loaded.config.queue, logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
  try {
    return await fn(t);
  } finally {
    await t.close();
  }
}

const queueOption = () => new Option('-q, --queue <queue>', 'only this queue (`poll`: every poll queue)').choices([...QUEUE_NAMES]);

/** Width of the QUEUE column: the longest queue name (`poll-github`, `maintenance`). */
const QUEUE_WIDTH = Math.max(...QUEUE_NAMES.map((q) => q.length));

function parseLimit(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new InvalidArgumentError('a number 1-100000');
  return n;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function jobsCommand(): Command {
  const jobs = new Command('jobs').description('inspect and retry failed pipeline jobs (needs REDIS_URL)');

  jobs
    .command('failed')
    .description('list failed jobs, newest first')
    .addOption(queueOption())
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('-n, --limit <n>', 'at most this many per queue', parseLimit, 100)
    .option('-c, --config <file>', 'configuration file')
    .action(async (o: { queue?: QueueName; format: 'table' | 'json'; limit: number; config?: string }) => {
      const failed = await withTransport(o.config, (t) => t.listFailed(o.queue, o.limit));
      if (o.format === 'json') {
        await writeAll(process.stdout, JSON.stringify({ failed }, null, 2) + '\n');
        return;
      }
      if (failed.length === 0) {
        await writeAll(process.stdout, 'no failed jobs\n');
        return;
      }
      const lines = [`${pad('QUEUE', QUEUE_WIDTH)} ${pad('JOB ID', 40)} ${pad('TRIES', 5)} ${pad('FAILED AT', 24)} REASON`];
      for (const f of failed) {
        const id = f.id.length > 40 ? `${f.id.slice(0, 39)}…` : f.id;
        lines.push(`${pad(f.queue, QUEUE_WIDTH)} ${pad(id, 40)} ${pad(String(f.attemptsMade), 5)} ${pad(f.failedAt ?? '', 24)} ${f.reason}`);
      }
      await writeAll(process.stdout, lines.join('\n') + '\n');
    });

  jobs
    .command('retry')
    .description('move failed jobs back to waiting')
    .argument('[jobId]', 'the job to retry (see `jobs failed`)')
    .option('-a, --all', 'retry every failed job (of --queue, or of every queue)')
    .addOption(queueOption())
    .option('-c, --config <file>', 'configuration file')
    .action(async (jobId: string | undefined, o: { all?: boolean; queue?: QueueName; config?: string }) => {
      if (!jobId && !o.all) throw new TokenradiusError('USAGE', 'give a job id or --all');
      if (jobId && o.all) throw new TokenradiusError('USAGE', 'give a job id or --all, not both');
      const n = await withTransport(o.config, (t) => t.retryFailed(o.all ? { all: true } : { id: jobId! }, o.queue));
      await writeAll(process.stdout, `retried ${n} job${n === 1 ? '' : 's'}\n`);
    });

  jobs
    .command('schedulers')
    .description('list the job schedulers: each scheduled source (on its poll queue) and the maintenance purge')
    .option('-c, --config <file>', 'configuration file')
    .action(async (o: { config?: string }) => {
      const list = await withTransport(o.config, (t) => t.listSchedulers({ includeMaintenance: true }));
      const lines = list.map((s) => `${s.id}\t${s.queue}\t${s.pattern ?? (s.every ? `every ${s.every / 1000}s` : '')}\t${s.next ? new Date(s.next).toISOString() : ''}`);
      await writeAll(process.stdout, (lines.length ? lines.join('\n') : 'no job schedulers') + '\n');
    });

  return jobs;
}
