import { Command } from 'commander';
import { version } from './version.js';
import { scanCommand } from './commands/scan.js';
import { serveCommand } from './commands/serve.js';
import { workerCommand } from './commands/worker.js';
import { jobsCommand } from './commands/jobs.js';
import { inspectCommand } from './commands/inspect.js';
import { backfillCommand } from './commands/backfill.js';

export { version };

/**
 * The program and its commands, in one explicit list. To add a command: export a `xCommand()`
 * factory from `src/cli/commands/x.ts` and add one `.addCommand(xCommand())` line below. A command
 * throws `TokenradiusError` for errors (exit 2) and sets `process.exitCode` otherwise.
 */
export function buildProgram(): Command {
  const program = new Command('tokenradius')
    .description('Find leaked access tokens, read what they carry, score their blast radius, alert and revoke.')
    .version(version())
    .showHelpAfterError('(run with --help for usage)');
  program.addCommand(scanCommand());
  program.addCommand(serveCommand());
  program.addCommand(workerCommand());
  program.addCommand(jobsCommand());
  program.addCommand(inspectCommand());
  program.addCommand(backfillCommand());
  return program;
}
