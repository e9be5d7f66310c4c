/**
 * A one-line progress display on stderr: files, bytes, findings so far and the rate.
 *
 * Shown only when stderr is a terminal and `--no-progress` was not given; otherwise every call is
 * a no-op, so piping or redirecting never gets escape codes. Redraws are throttled (a scan reports
 * progress thousands of times a second) and the line is erased at the end so the report that
 * follows starts on a clean line.
 */
import type { Writable } from 'node:stream';

export interface ProgressState {
  files: number;
  bytes: number;
  findings: number;
}

export interface Progress {
  /** Replace the counters (absolute values). Cheap: draws at most once per interval. */
  update(state: Partial<ProgressState>): void;
  /** Erase the line. Safe to call more than once. */
  done(): void;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  return `${(n / (1024 * 1024 * 1024)).toFixed(2)} GiB`;
}

/** The text of the line (pure; no escape codes). */
export function formatProgress(s: ProgressState, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? s.bytes / (elapsedMs / 1000) : 0;
  return `scanning: ${s.files} files, ${formatBytes(s.bytes)}, ${s.findings} finding${s.findings === 1 ? '' : 's'} · ${formatBytes(Math.round(rate))}/s`;
}

const CLEAR_LINE = '\r\x1b[2K';

export function createProgress(opts: { stream: Writable; enabled: boolean; intervalMs?: number; now?: () => number; columns?: number }): Progress {
  if (!opts.enabled) return { update() {}, done() {} };
  const now = opts.now ?? Date.now;
  const interval = opts.intervalMs ?? 100;
  const started = now();
  const state: ProgressState = { files: 0, bytes: 0, findings: 0 };
  let last = 0;
  let drawn = false;
  let finished = false;
  const draw = () => {
    let text = formatProgress(state, now() - started);
    if (opts.columns && text.length >= opts.columns) text = text.slice(0, opts.columns - 1);
    // A failed write (stderr closed) must not break the scan.
    try {
      opts.stream.write(CLEAR_LINE + text);
      drawn = true;
    } catch {
      finished = true;
    }
  };
  return {
    update(p) {
      if (finished) return;
      if (p.files !== undefined) state.files = p.files;
      if (p.bytes !== undefined) state.bytes = p.bytes;
      if (p.findings !== undefined) state.findings = p.findings;
      const t = now();
      if (t - last >= interval) {
        last = t;
        draw();
      }
    },
    done() {
      if (finished) return;
      finished = true;
      if (drawn) {
        try {
          opts.stream.write(CLEAR_LINE);
        } catch {
          /* stderr gone */
        }
      }
    },
  };
}
