/**
 * Config of a live Slack source (one entry of `sources:` with `type: slack`). The registry
 * (`src/sources/registry.ts`) adds `id` / `type` / `schedule` to these fields; keep key names
 * stable, users and docs rely on them:
 *
 *   sources:
 *     - { id: slack-main, type: slack, tokenEnv: SLACK_BOT_TOKEN, signingSecretEnv: SLACK_SIGNING_SECRET,
 *         apiUrl: "https://slack.com/api/", schedule: "*\/15 * * * *" }
 *
 * Secrets are never in the file: `tokenEnv` / `signingSecretEnv` NAME environment variables (the
 * loader reports every unset one, with its path, together with the other problems).
 */
import { z } from 'zod';
import type { SourceConfig } from '../registry.js';

const MiB = 1024 * 1024;

export const SLACK_CHANNEL_TYPES = ['public_channel', 'private_channel', 'mpim', 'im'] as const;
export type SlackChannelType = (typeof SLACK_CHANNEL_TYPES)[number];

export const SLACK_DEFAULTS = {
  apiUrl: 'https://slack.com/api/',
  channelTypes: ['public_channel', 'private_channel'] as SlackChannelType[],
  pageSize: 200,
  listPageSize: 200,
  lookbackDays: 7,
  includeArchived: true,
  timeoutMs: 30_000,
  files: { enabled: true, maxBytes: 1 * MiB, hosts: ['files.slack.com'] },
  retry: { retries: 2, minTimeoutMs: 1000, maxTimeoutMs: 10_000 },
  dedupeTtlSeconds: 86_400,
} as const;

// The loader checks every `*Env` key: a valid variable name, set and non-empty (reported with the
// other problems, by path); the schema only asks for a string.
const ENV_NAME = z.string().min(1);

/** `https://slack.com/api/` (or a proxy / test server): http(s) only, always ending with `/`. */
const ApiUrlSchema = z
  .string()
  .url('an absolute URL such as https://slack.com/api/')
  .refine((u) => /^https?:$/.test(new URL(u).protocol), 'must be http: or https:')
  .refine((u) => {
    const p = new URL(u);
    return p.username === '' && p.password === '' && p.search === '' && p.hash === '';
  }, 'must not carry credentials, a query or a fragment')
  .transform((u) => (u.endsWith('/') ? u : `${u}/`));

const HostSchema = z
  .string()
  .regex(/^[a-z0-9.-]+(?::\d{1,5})?$/i, 'a host name such as files.slack.com')
  .transform((h) => h.toLowerCase());

/** The fields of a `type: slack` source besides `id`, `type` and `schedule`. */
export const slackSourceFields = {
  /** Environment variable holding the bot (xoxb-) or user (xoxp-) token. Required. */
  tokenEnv: ENV_NAME,
  /** Environment variable holding the app's signing secret; without it the Events API route of this source answers 404. */
  signingSecretEnv: ENV_NAME.optional(),
  /** Web API base URL (a proxy or a local test server); the bearer token is sent only there. */
  apiUrl: ApiUrlSchema.default(SLACK_DEFAULTS.apiUrl),
  /** Conversation types to read (`conversations.list` `types`); each needs its `*:read` and `*:history` scope. */
  channelTypes: z
    .array(z.enum(SLACK_CHANNEL_TYPES))
    .min(1)
    .refine((a) => new Set(a).size === a.length, 'list each channel type once')
    .default(SLACK_DEFAULTS.channelTypes),
  /** Only these conversations (ids like C0123 or names like general); empty = every one the token can read. */
  channels: z.array(z.string().min(1).max(200)).default([]),
  /**
   * `limit` of `conversations.history` / `conversations.replies` pages. Apps outside the Slack
   * Marketplace (commercially distributed) are held to 15 per page and 1 request per minute.
   */
  pageSize: z.number().int().min(1).max(999).default(SLACK_DEFAULTS.pageSize),
  /** `limit` of `conversations.list` pages. */
  listPageSize: z.number().int().min(1).max(999).default(SLACK_DEFAULTS.listPageSize),
  /**
   * Incremental runs re-read this many days before the channel cursor to catch new thread replies
   * and edits of older messages (Slack has no "changed since" query). 0 = only new messages.
   */
  lookbackDays: z.number().min(0).max(365).default(SLACK_DEFAULTS.lookbackDays),
  /** Read archived conversations too (their history may still hold live tokens). */
  includeArchived: z.boolean().default(SLACK_DEFAULTS.includeArchived),
  /** Workspace URL for permalinks of webhook events (`https://acme.slack.com/`); backfills learn it from `auth.test`. */
  workspaceUrl: z.string().url().optional(),
  /** One Web API call, at most (ms). */
  timeoutMs: z.number().int().min(100).max(300_000).default(SLACK_DEFAULTS.timeoutMs),
  /** File text (snippets, text files): fetched with the token from the API host or these hosts only. */
  files: z
    .object({
      enabled: z.boolean().default(SLACK_DEFAULTS.files.enabled),
      /** Larger files are not fetched (their preview is still scanned). */
      maxBytes: z.number().int().min(1024).max(64 * MiB).default(SLACK_DEFAULTS.files.maxBytes),
      /** Hosts besides the `apiUrl` host that `url_private` may point to (HTTPS only). */
      hosts: z.array(HostSchema).default([...SLACK_DEFAULTS.files.hosts]),
    })
    .strict()
    .prefault({}),
  /** 5xx and network errors: retried in the client this often (exponential backoff), then the job is retried later. */
  retry: z
    .object({
      retries: z.number().int().min(0).max(10).default(SLACK_DEFAULTS.retry.retries),
      minTimeoutMs: z.number().int().min(1).max(60_000).default(SLACK_DEFAULTS.retry.minTimeoutMs),
      maxTimeoutMs: z.number().int().min(1).max(600_000).default(SLACK_DEFAULTS.retry.maxTimeoutMs),
    })
    .strict()
    .refine((r) => r.maxTimeoutMs >= r.minTimeoutMs, { message: 'maxTimeoutMs must be at least minTimeoutMs', path: ['maxTimeoutMs'] })
    .prefault({}),
  /** How long Events API `event_id`s are remembered to drop Slack's retries. */
  dedupeTtlSeconds: z.number().int().min(60).max(30 * 86_400).default(SLACK_DEFAULTS.dedupeTtlSeconds),
};

export type SlackSourceConfig = Extract<SourceConfig, { type: 'slack' }>;

/** Is this configured source a live Slack source? */
export function isSlackSource(s: SourceConfig): s is SlackSourceConfig {
  return s.type === 'slack';
}
