/**
 * Runs the command line and returns the exit code; `main.ts` is a two-line wrapper around it so
 * tests can run the real program in-process.
 */
import type { Command } from 'commander';
import { errorText, EXIT, exitCodeFor } from './errors.js';
import { guardStream, writeAll } from './io.js';
import { buildProgram } from './program.js';

/** Commander exits the process itself on errors by default (code 1): make every command throw instead. */
function throwInsteadOfExit(cmd: Command): void {
  cmd.exitOverride();
  for (const sub of cmd.commands) throwInsteadOfExit(sub);
}

export async function runCli(argv: string[]): Promise<number> {
  guardStream(process.stdout);
  guardStream(process.stderr);
  const program = await buildProgram(argv);
  throwInsteadOfExit(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.CLEAN;
  } catch (e) {
    const text = errorText(e);
    if (text) await writeAll(process.stderr, text);
    return exitCodeFor(e);
  }
}
