/**
 * Shared CLI error plumbing. Contract for every command:
 *
 * - exit 0: the command did its job and found nothing to report;
 * - exit 1: findings exist (after filters) — `scan` only;
 * - exit 2: usage or runtime error, with ONE clear line (or a short block for config problems) on
 *   stderr. The line comes from `describeError`, so a third-party message (which may quote a token)
 *   and a stack trace never reach the terminal.
 *
 * Commands throw `TokenradiusError` (usually `usageError(...)`) for errors and return / set
 * `process.exitCode` for 0 and 1; `main.ts` turns anything thrown into exit 2.
 */
import { CommanderError } from 'commander';
import { describeError, TokenradiusError } from '../core/errors.js';

export const EXIT = {
  /** Nothing found. */
  CLEAN: 0,
  /** Findings exist after filters. */
  FINDINGS: 1,
  /** Usage or runtime error. */
  ERROR: 2,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export function usageError(message: string, details: Record<string, unknown> = {}): TokenradiusError {
  return new TokenradiusError('USAGE', message, { details });
}

/** Exit code for anything a command threw. Commander's own help/version "errors" are exit 0. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof CommanderError) {
    return e.exitCode === 0 ? EXIT.CLEAN : EXIT.ERROR;
  }
  return EXIT.ERROR;
}

/**
 * The text written to stderr for an error, or '' when nothing should be written (commander has
 * already printed its own usage message, or help/version was shown).
 */
export function errorText(e: unknown): string {
  if (e instanceof CommanderError) return '';
  return `tokenradius: ${describeError(e)}\n`;
}
