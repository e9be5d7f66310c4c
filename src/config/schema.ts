/**
 * The whole configuration: one zod schema assembled from each plugin's own options schema.
 * Types come from `z.infer`; defaults live here (embedded defaults = parsing `{}`), and
 * `config/default.yaml` documents every key.
 *
 * To add a section: export `XOptionsSchema` from your plugin's `options.ts` and add one line below.
 */
import { z } from 'zod';
import { DetectOptionsSchema } from '../detect/options.js';
import { StoreOptionsSchema } from '../store/options.js';
import { TrustOptionsSchema } from '../score/liveness/options.js';
import { ScoreOptionsSchema } from '../score/options.js';
import { ScanOptionsSchema } from '../sources/options.js';
import { QueueOptionsSchema } from '../queue/options.js';
import { ServerOptionsSchema } from '../server/options.js';
import { SourcesSchema } from '../sources/registry.js';
import { ActOptionsSchema } from '../act/options.js';
import { ConsoleOptionsSchema } from '../server/console/options.js';

export const ConfigSchema = z
  .object({
    /** Where embedded state lives (PGlite database, generated sealing key) when no DATABASE_URL is set. */
    dataDir: z.string().min(1).default('./.tokenradius'),
    detect: DetectOptionsSchema,
    store: StoreOptionsSchema,
    trust: TrustOptionsSchema,
    score: ScoreOptionsSchema,
    scan: ScanOptionsSchema,
    queue: QueueOptionsSchema,
    server: ServerOptionsSchema,
    sources: SourcesSchema,
    act: ActOptionsSchema,
    console: ConsoleOptionsSchema,
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
