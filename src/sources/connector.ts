/**
 * What the live connectors (Slack, Jira, GitHub) share: the size of the chunks they cut text into,
 * and where they record the health of their last run (read by `/readyz`-style checks, the console
 * and the tests: `{ state: 'ok' | 'failed', at, …code }` under the source's `STATUS_SCOPE` cursor).
 */
import type { FindingStore } from '../store/types.js';
import { SCAN_DEFAULTS, type ScanOptions } from './options.js';

/** Chunk length and overlap, in characters, for text a connector cuts (see `scan.chunkBytes`). */
export interface ChunkLimits {
  chunkChars: number;
  overlapChars: number;
}

/** The configured `scan:` chunk sizes, or the defaults. */
export function chunkLimits(scan?: Pick<ScanOptions, 'chunkBytes' | 'chunkOverlapBytes'>): ChunkLimits {
  return { chunkChars: scan?.chunkBytes ?? SCAN_DEFAULTS.chunkBytes, overlapChars: scan?.chunkOverlapBytes ?? SCAN_DEFAULTS.chunkOverlapBytes };
}

/** The cursor scope under which a source records its health (`ok` / `failed` with a code). */
export const STATUS_SCOPE = '~status';

/** Records the outcome of a run. Best effort: health bookkeeping must not hide the run's own outcome. */
export async function markSourceStatus(
  store: Pick<FindingStore, 'setCursor'> | undefined,
  sourceId: string,
  state: 'ok' | 'failed',
  extra: Record<string, unknown> = {},
): Promise<void> {
  if (!store) return;
  try {
    await store.setCursor(sourceId, STATUS_SCOPE, JSON.stringify({ state, at: new Date().toISOString(), ...extra }));
  } catch {
    // Ignored on purpose (see above); the next run writes it again.
  }
}
