/**
 * The bundled demo: `runDemo` generates a Slack export and a git repository under
 * `<dataDir>/demo/` with planted tokens of every severity (built now, never committed), and scans
 * them through the normal pipeline — the same local sources as `tokenradius scan`, the scan stage
 * into the findings store, then the act stage for every new finding — so the console shows
 * real-looking findings within a minute of the first start.
 *
 * Used by `serve` on first run (empty embedded store, unless `--no-demo` / `console.demo: false`)
 * and by `tokenradius demo`. Running it again plants new tokens (new findings); it never deletes.
 */
import { join } from 'node:path';
import { isTokenradiusError } from '../core/errors.js';
import { SEVERITY_ORDER, type Severity } from '../core/types.js';
import type { Logger } from '../observe/logger.js';
import { needsAct, type StageHandlers } from '../pipeline/stages.js';
import { resolveLocalTargets } from '../sources/local.js';
import type { ScanOptions } from '../sources/options.js';
import type { FindingStore } from '../store/types.js';
import { writeDemoGitRepo } from './git-repo.js';
import { writeDemoSlackExport } from './slack-export.js';
import { demoTokens } from './tokens.js';

export interface DemoDeps {
  handlers: Pick<StageHandlers, 'scanChunk' | 'act'>;
  store: Pick<FindingStore, 'listFindings'>;
  scan?: ScanOptions;
  logger?: Logger;
  now?: () => Date;
  /** Stops scanning between chunks (service shutdown). */
  signal?: AbortSignal;
}

export interface DemoResult {
  dir: string;
  chunks: number;
  /** Distinct findings this run produced, by severity. */
  bySeverity: Record<Severity, number>;
  findings: number;
  /** Set when the git repository could not be made (git missing): the Slack export was still scanned. */
  gitSkipped?: string;
}

export function demoDir(dataDir: string): string {
  return join(dataDir, 'demo');
}

/** True when the store holds no finding at all (first run). */
export async function storeIsEmpty(store: Pick<FindingStore, 'listFindings'>): Promise<boolean> {
  return (await store.listFindings({ limit: 1 })).items.length === 0;
}

export async function runDemo(dataDir: string, deps: DemoDeps): Promise<DemoResult> {
  const now = deps.now?.() ?? new Date();
  const tok = demoTokens(now);
  const dir = demoDir(dataDir);
  const targets = [await writeDemoSlackExport(join(dir, 'slack-export'), tok, now)];
  let gitSkipped: string | undefined;
  try {
    targets.push(await writeDemoGitRepo(join(dir, 'billing-api'), tok, now));
  } catch (e) {
    gitSkipped = isTokenradiusError(e) ? e.message : 'could not create the git repository';
    deps.logger?.warn({ reason: gitSkipped }, 'demo: skipping the git repository');
  }

  const sources = await resolveLocalTargets(targets, { ...(deps.scan ? { scan: deps.scan } : {}) });
  const severities = new Map<string, Severity>();
  let chunks = 0;
  const signal = deps.signal ?? new AbortController().signal;
  for (const source of sources) {
    if (signal.aborted) break;
    for await (const { chunk } of source.pull({ signal })) {
      if (signal.aborted) break;
      chunks++;
      const results = await deps.handlers.scanChunk(chunk);
      for (const r of results) {
        if (r.severity && (SEVERITY_ORDER as readonly string[]).includes(r.severity)) severities.set(r.fingerprint, r.severity as Severity);
        if (needsAct(r.change)) {
          try {
            await deps.handlers.act({ fingerprint: r.fingerprint, version: r.version });
          } catch (e) {
            // An alert sink being down must not stop the demo from loading.
            deps.logger?.warn({ fingerprint: r.fingerprint, code: isTokenradiusError(e) ? e.code : 'INTERNAL' }, 'demo: act stage failed for a finding');
          }
        }
      }
    }
  }
  const bySeverity = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as Record<Severity, number>;
  for (const s of severities.values()) bySeverity[s]++;
  return { dir, chunks, bySeverity, findings: severities.size, ...(gitSkipped ? { gitSkipped } : {}) };
}
