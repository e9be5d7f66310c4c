/**
 * Configured sources (`sources:` in the config file) and the one registry that turns a source's
 * config into a `Source`. The service polls them on their `schedule` (BullMQ job schedulers, or
 * timers inline) and `backfill <source-id>` runs one now.
 *
 * To add a source type (slack, jira, github…): add its config schema to `SourceConfigSchema` (one
 * line in the union) and one `case` in `createSource`. Keep the `id`/`type`/`schedule` keys.
 *
 * This module sits under the config schema, which every command loads: it imports only the
 * options schemas (zod, small). A source's implementation — and its client library
 * (@slack/web-api, jira.js, octokit: tens of MB and about a second of start-up together) — is
 * imported when the source is first pulled, so `scan`, `inspect` and worker threads never load it.
 *
 *   sources:
 *     - { id: repo-main, type: git, path: /srv/repos/api, schedule: "0 * * * *" }
 *     - { id: shared-drive, type: files, path: /mnt/shared }
 */
import { z } from 'zod';
import { TokenradiusError } from '../core/errors.js';
import type { Chunk } from '../core/types.js';
import type { FindingStore } from '../store/types.js';
import type { Logger } from '../observe/logger.js';
import { isValidCron } from '../pipeline/cron.js';
import { scanOptions, type ScanOptions } from './options.js';
import type { PulledChunk, PullOptions, Source } from './types.js';
import { slackSourceFields } from './slack/options.js';
import { jiraSourceFields } from './jira/options.js';
import { githubSourceFields, refineGithubSource } from './github/options.js';

/** Source ids appear in findings, cursors, job ids and metrics: kebab-case, stable forever. */
export const SourceIdSchema = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'source ids are kebab-case').max(64);

/** A cron expression (5 fields, or 6 with seconds), evaluated in UTC. */
export const ScheduleSchema = z.string().refine(isValidCron, 'not a valid cron expression (5 or 6 fields, UTC)');

const common = {
  id: SourceIdSchema,
  /** When to poll (backfill) this source; absent = only on demand (`backfill`, webhooks). */
  schedule: ScheduleSchema.optional(),
};

const localSource = <T extends 'files' | 'git' | 'slack-export' | 'jira-export'>(type: T) =>
  z
    .object({
      ...common,
      type: z.literal(type),
      /** Folder, clone, export zip or folder on this machine (or a mounted volume). */
      path: z.string().min(1),
    })
    .strict();

export const SourceConfigSchema = z.discriminatedUnion('type', [
  localSource('files'),
  localSource('git'),
  localSource('slack-export'),
  localSource('jira-export'),
  z.object({ ...common, type: z.literal('slack'), ...slackSourceFields }).strict(),
  z.object({ ...common, type: z.literal('jira'), ...jiraSourceFields }).strict(),
  z.object({ ...common, type: z.literal('github'), ...githubSourceFields }).strict().superRefine(refineGithubSource),
]);
export type SourceConfig = z.infer<typeof SourceConfigSchema>;

export const SourcesSchema = z
  .array(SourceConfigSchema)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate source id "${s.id}"` });
      seen.add(s.id);
    });
  })
  .default([]);

/** What a source may use to do its work. */
export interface SourceDeps {
  logger: Logger;
  /** Parsed `scan:` options (file size limits, gitignore…). */
  scan?: ScanOptions;
  /** Per-scope cursors and webhook dedupe, for sources that page through an API. */
  store?: Pick<FindingStore, 'getCursor' | 'setCursor' | 'listCursors'>;
  /** The environment snapshot of the loaded config (`LoadedConfig.env`): values of `*Env` keys. */
  env?: Readonly<Record<string, string>>;
}

/** A local target as a configured source: chunks carry the configured id as their `source`. */
function createLocalConfiguredSource(config: Extract<SourceConfig, { path: string }>, deps: SourceDeps): Source {
  return {
    id: config.id,
    async *pull(opts: PullOptions): AsyncIterable<PulledChunk> {
      const { resolveLocalTargets } = await import('./local.js');
      const sources = await resolveLocalTargets([config.path], { scan: deps.scan ?? scanOptions(), type: config.type });
      for (const s of sources) {
        for await (const pulled of s.pull(opts)) {
          if (opts.signal.aborted) return;
          const chunk: Chunk = { ...pulled.chunk, source: config.id };
          yield { chunk, cursor: pulled.cursor };
        }
      }
    },
  };
}

/**
 * A connector source whose module is imported on the first `pull` (see the module comment). The
 * source itself is created then, once, with the same config and deps as an eager one would be:
 * connectors check credentials and reach upstream only inside `pull` anyway.
 */
function lazySource<C extends SourceConfig>(config: C, deps: SourceDeps, load: () => Promise<(config: C, deps: SourceDeps) => Source>): Source & { readonly config: C } {
  let real: Promise<Source> | undefined;
  return {
    id: config.id,
    config,
    async *pull(opts: PullOptions): AsyncIterable<PulledChunk> {
      real ??= load().then((create) => create(config, deps));
      yield* (await real).pull(opts);
    },
  };
}

export function createSource(config: SourceConfig, deps: SourceDeps): Source {
  switch (config.type) {
    case 'files':
    case 'git':
    case 'slack-export':
    case 'jira-export':
      return createLocalConfiguredSource(config, deps);
    case 'slack':
      return lazySource(config, deps, async () => (await import('./slack/source.js')).createSlackSource);
    case 'jira':
      return lazySource(config, deps, async () => (await import('./jira/source.js')).createJiraSource);
    case 'github':
      return lazySource(config, deps, async () => (await import('./github/source.js')).createGithubSource);
    default: {
      const never: never = config;
      throw new TokenradiusError('CONFIG_INVALID', `unknown source type ${(never as { type: string }).type}`);
    }
  }
}

/** Look a configured source up by id (NOT_FOUND naming it otherwise). */
export function findSourceConfig(sources: readonly SourceConfig[], id: string): SourceConfig {
  const s = sources.find((x) => x.id === id);
  if (!s) throw new TokenradiusError('NOT_FOUND', `no configured source with id "${id}" (see sources: in the config)`);
  return s;
}
