/**
 * The source contract. A source turns a place (a folder, a git history, a Slack workspace) into
 * Chunks of text with locators. Sources do I/O; they never detect, score or store — the scan
 * stage does that, the same way for every source.
 */
import type { Chunk } from '../core/types.js';

export interface PulledChunk {
  chunk: Chunk;
  /**
   * Opaque resume point AFTER this chunk (a Slack `ts`, a Jira `updated` time, a commit sha).
   * A runner persists it only once the chunk is durably handed on, so a crash resumes here.
   * Local sources that always scan everything may return ''.
   */
  cursor: string;
  /**
   * The cursor scope this `cursor` belongs to (a channel, repo, project), when a source keeps one
   * resume point per scope; absent = the whole source (scope ''). The runner stores each scope's
   * latest cursor once the batch holding its chunk is accepted, exactly as for the whole source.
   */
  scope?: string;
}

export interface PullOptions {
  /** Resume point returned with an earlier chunk, or a user-given start (`--since`). */
  since?: string;
  signal: AbortSignal;
  /** Called with bytes read so far and items (files, messages, commits) done, for progress bars. */
  onProgress?: (p: { bytes: number; items: number }) => void;
}

export interface Source {
  /** Configured id (`slack-main`) or local kind (`files`, `git`, `slack-export`, `jira-export`, `stdin`). */
  id: string;
  pull(opts: PullOptions): AsyncIterable<PulledChunk>;
}
