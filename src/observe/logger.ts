/**
 * Structured JSON logs (pino) that cannot carry a token.
 *
 * Every argument of every log call — the message, interpolation values, merged objects, child
 * bindings — goes through the scrubber before pino serialises it, and Errors are reduced to
 * `{ type, code, message }` (a third-party message or stack may quote the token it failed on).
 */
import { pino, type Logger as PinoLogger, type DestinationStream, type LevelWithSilent } from 'pino';
import { createScrubber, safeError, scrubDeep, type Scrubber } from './scrub.js';

export type Logger = PinoLogger;

export interface LoggerOptions {
  /** `info` unless given (the CLI passes TOKENRADIUS_LOG_LEVEL from the loaded config's env). */
  level?: LevelWithSilent | string;
  /** Where JSON lines go; stdout when omitted. */
  destination?: DestinationStream;
  /** The detection engine's scrubText; the generic fallback always runs after it. */
  scrub?: Scrubber;
  /** Fields on every line, e.g. `{ role: 'scan' }`. */
  base?: Record<string, unknown>;
}

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export function createLogger(opts: LoggerOptions = {}): Logger {
  const scrub = createScrubber(opts.scrub);
  const level = opts.level && LEVELS.has(opts.level) ? opts.level : 'info';
  const options = {
    level,
    base: { service: 'tokenradius', pid: process.pid, ...(scrubDeep(opts.base ?? {}, scrub) as Record<string, unknown>) },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label: string) => ({ level: label }),
      bindings: (bindings: Record<string, unknown>) => scrubDeep(bindings, scrub) as Record<string, unknown>,
    },
    hooks: {
      logMethod(this: PinoLogger, args: unknown[], method: (...a: unknown[]) => void): void {
        const safe = args.map((a, i) => {
          if (i === 0 && a instanceof Error) return { err: safeError(a, scrub) };
          return scrubDeep(a, scrub);
        });
        // An Error passed alone would otherwise lose its message line: keep a safe one.
        if (args.length === 1 && args[0] instanceof Error) safe.push((safe[0] as { err: { message?: string } }).err.message ?? 'error');
        method.apply(this, safe);
      },
    },
  };
  const logger = opts.destination ? pino({ ...options, serializers: { err: (e: unknown) => e } }, opts.destination) : pino({ ...options, serializers: { err: (e: unknown) => e } });
  return withScrubbedChildren(logger, scrub);
}

/** pino serialises child bindings once, without the hooks: scrub them on the way in. */
function withScrubbedChildren(logger: PinoLogger, scrub: Scrubber): PinoLogger {
  const child = logger.child.bind(logger);
  logger.child = ((bindings: Record<string, unknown>, options?: object) =>
    withScrubbedChildren(child(scrubDeep(bindings, scrub) as Record<string, unknown>, options), scrub)) as unknown as PinoLogger['child'];
  return logger;
}

/** A logger that writes nothing (unit tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
