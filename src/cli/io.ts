/**
 * Safe output for CLI commands.
 *
 * - `writeAll` resolves only once the data has been handed to the OS (the write callback ran), so
 *   a command that awaits it and then sets `process.exitCode` never loses the tail of its report in
 *   a pipe: we never call `process.exit()` with bytes still buffered.
 * - A reader that goes away early (`| head -c 10`) makes writes fail with EPIPE: that is not an
 *   error of ours; we stop writing and the command finishes quietly.
 * - `CliIo` bundles the streams a command uses so tests can run a command in-process.
 */
import { createWriteStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { wrapError } from '../core/errors.js';

export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Whether stdout / stderr are terminals (colours, progress line, default format). */
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Terminal width for the table, when known. */
  columns?: number;
  env: Readonly<Record<string, string | undefined>>;
}

export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    ...(process.stdout.columns ? { columns: process.stdout.columns } : {}),
    env: process.env,
  };
}

const closedStreams = new WeakSet<Writable>();

function isEpipe(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_WRITE_AFTER_END';
}

/**
 * Install once per stream: an 'error' listener so EPIPE on stdout/stderr never crashes the process
 * with an unhandled 'error' event (Node's default), and remember the stream is gone.
 */
export function guardStream(stream: Writable): void {
  if ((stream as Writable & { __trGuarded?: boolean }).__trGuarded) return;
  (stream as Writable & { __trGuarded?: boolean }).__trGuarded = true;
  stream.on('error', (e) => {
    if (isEpipe(e)) closedStreams.add(stream);
  });
}

/** True once a reader has closed the stream (EPIPE); callers can stop producing output. */
export function isClosed(stream: Writable): boolean {
  return closedStreams.has(stream) || stream.destroyed;
}

/**
 * Write `text` and wait until it is flushed to the OS, honouring backpressure ('drain'). Large
 * strings are written in slices so a slow reader never makes us buffer the whole report twice.
 * Resolves (does not reject) when the reader went away.
 */
export async function writeAll(stream: Writable, text: string | Buffer): Promise<void> {
  guardStream(stream);
  const SLICE = 1 << 20;
  const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  for (let off = 0; off < buf.length; off += SLICE) {
    if (isClosed(stream)) return;
    const part = buf.subarray(off, Math.min(buf.length, off + SLICE));
    const ok = await new Promise<boolean>((resolve, reject) => {
      let settled = false;
      const onError = (e: unknown) => {
        if (settled) return;
        settled = true;
        if (isEpipe(e)) {
          closedStreams.add(stream);
          resolve(false);
        } else reject(e);
      };
      stream.once('error', onError);
      try {
        stream.write(part, (err) => {
          stream.removeListener('error', onError);
          if (settled) return;
          settled = true;
          if (err) {
            if (isEpipe(err)) {
              closedStreams.add(stream);
              resolve(false);
            } else reject(err);
          } else resolve(true);
        });
      } catch (e) {
        stream.removeListener('error', onError);
        onError(e);
      }
    });
    if (!ok) return;
  }
}

/** A destination for a report: stdout or a file given with `--output`. */
export interface Output {
  stream: Writable;
  isTTY: boolean;
  /** Flush and close (a file), or just flush (stdout). */
  close(): Promise<void>;
}

export async function openOutput(io: CliIo, file?: string): Promise<Output> {
  if (!file || file === '-') {
    return { stream: io.stdout, isTTY: io.stdoutIsTTY, close: async () => {} };
  }
  const stream = createWriteStream(file, { flags: 'w', mode: 0o600 });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (e) => reject(wrapError('OUTPUT_UNWRITABLE', `cannot write output file ${file}`, e, { file })));
  });
  return {
    stream,
    isTTY: false,
    close: () =>
      new Promise<void>((resolve, reject) => {
        stream.end((err?: Error | null) => (err ? reject(wrapError('OUTPUT_UNWRITABLE', `cannot write output file ${file}`, err, { file })) : resolve()));
      }),
  };
}
