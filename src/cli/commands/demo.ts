/**
 * `tokenradius demo [--data-dir dir] [--config f]`: generate the bundled demo (a Slack export and a
 * git repository with planted tokens of every severity, built now) under `<data-dir>/demo/` and scan
 * it through the normal pipeline into the findings store, then print what it found. `tokenradius
 * serve` does the same on first run when the embedded store is empty.
 *
 * It writes to the store the configuration names (DATABASE_URL, else the embedded data directory),
 * so an embedded directory must not be in use by a running `serve`.
 */
import { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { SEVERITY_ORDER } from '../../core/types.js';
import { createLogger } from '../../observe/logger.js';
import { runDemo } from '../../demo/index.js';
import { processIo, writeAll, type CliIo } from '../io.js';
import { EXIT } from '../errors.js';

export function demoCommand(io: CliIo = processIo()): Command {
  return new Command('demo')
    .description('load the bundled demo (Slack export + git repository with planted tokens) into the findings store')
    .option('-d, --data-dir <dir>', 'embedded data directory (store, sealing key, demo files)')
    .option('-c, --config <file>', 'configuration file (default: TOKENRADIUS_CONFIG or embedded defaults)')
    .action(async (o: { dataDir?: string; config?: string }) => {
      const loaded = loadConfig({ ...(o.config ? { file: o.config } : {}), env: io.env });
      const dataDir = o.dataDir ?? loaded.config.dataDir;
      const { buildDeps } = await import('../../pipeline/deps.js');
      const logger = createLogger({ level: loaded.env.TOKENRADIUS_LOG_LEVEL ?? 'warn', destination: io.stderr });
      const deps = await buildDeps(loaded, { logger, dataDir });
      try {
        const r = await runDemo(dataDir, { handlers: deps.handlers, store: deps.store, scan: loaded.config.scan, logger });
        const counts = [...SEVERITY_ORDER]
          .reverse()
          .map((s) => `${r.bySeverity[s]} ${s}`)
          .join(', ');
        await writeAll(
          io.stdout,
          `demo loaded: ${r.findings} findings (${counts}) from ${r.chunks} messages and files in ${r.dir}\n` +
            (r.gitSkipped ? `note: no git repository (${r.gitSkipped})\n` : '') +
            'review them with `tokenradius serve` and the console (http://localhost:8080/console/)\n',
        );
      } finally {
        await deps.close();
      }
      process.exitCode = EXIT.CLEAN;
    });
}
