import { Command } from 'commander';
import { version } from './version.js';

export { version };

/**
 * The commands, in one explicit list. To add a command: export a `xCommand()` factory from
 * `src/cli/commands/x.ts` and add one line below. A command throws `TokenradiusError` for errors
 * (exit 2) and sets `process.exitCode` otherwise.
 *
 * Commands are loaded lazily: `tokenradius scan` loads only the scan command's modules, not the
 * HTTP server, the queue or the database drivers of `serve` (that halves start-up time and memory,
 * and matters in every scan worker thread). Help and unknown commands load them all.
 */
export const COMMANDS: ReadonlyArray<{ name: string; load: () => Promise<Command> }> = [
  { name: 'scan', load: async () => (await import('./commands/scan.js')).scanCommand() },
  { name: 'inspect', load: async () => (await import('./commands/inspect.js')).inspectCommand() },
  { name: 'serve', load: async () => (await import('./commands/serve.js')).serveCommand() },
  { name: 'worker', load: async () => (await import('./commands/worker.js')).workerCommand() },
  { name: 'jobs', load: async () => (await import('./commands/jobs.js')).jobsCommand() },
  { name: 'backfill', load: async () => (await import('./commands/backfill.js')).backfillCommand() },
  { name: 'keys', load: async () => (await import('./commands/keys.js')).keysCommand() },
  { name: 'demo', load: async () => (await import('./commands/demo.js')).demoCommand() },
];

/** The program with the command `argv` names (or every command, for help and unknown names). */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('tokenradius')
    .description('Find leaked access tokens, read what they carry, score their blast radius, alert and revoke.')
    .version(version())
    .showHelpAfterError('(run with --help for usage)');
  const named = COMMANDS.find((c) => c.name === argv[2]);
  for (const c of named ? [named] : COMMANDS) program.addCommand(await c.load());
  return program;
}
