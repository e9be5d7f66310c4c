#!/usr/bin/env node
/**
 * `tokenradius` command line. Each command lives in its own file under src/cli/commands and is
 * registered in `program.ts` in one explicit list.
 *
 * Exit codes (every command): 0 done / nothing found, 1 findings (scan), 2 usage or runtime error.
 * Errors are printed as one line from `describeError` (never a stack trace or a third-party
 * message). We set `process.exitCode` and let the event loop end instead of `process.exit()`, so
 * a report written to a pipe is always complete.
 *
 * Node's own default for a crash is exit code 1 with a stack trace — which would read as "findings"
 * and could quote a token. So a failure to load, an uncaught exception or an unhandled rejection
 * is turned into exit 2 with the error's class name only.
 */
function crash(e: unknown): void {
  const name = e instanceof Error ? e.name : 'non-error';
  const code = (e as { code?: unknown } | null)?.code;
  const safeCode = typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? ` ${code}` : '';
  try {
    process.stderr.write(`tokenradius: INTERNAL: unexpected ${name}${safeCode}\n`);
  } finally {
    process.exit(2);
  }
}
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

try {
  const { runCli } = await import('./run.js');
  process.exitCode = await runCli(process.argv);
} catch (e) {
  crash(e);
}
