/**
 * Config of a live Jira Cloud source (one entry of `sources:` with `type: jira`). The registry
 * (`src/sources/registry.ts`) adds `id` / `type` / `schedule` to these fields; keep key names
 * stable, users and docs rely on them:
 *
 *   sources:
 *     - { id: jira-main, type: jira, host: "https://acme.atlassian.net", emailEnv: JIRA_EMAIL,
 *         apiTokenEnv: JIRA_API_TOKEN, jql: "project in (OPS, SEC)", schedule: "*\/30 * * * *" }
 *
 * Secrets are never in the file: `emailEnv`, `apiTokenEnv` and `webhookSecretEnv` NAME environment
 * variables (the loader reports every unset one, with its path, together with other problems).
 */
import { z } from 'zod';
import type { SourceConfig } from '../registry.js';

export const JIRA_DEFAULTS = {
  pageSize: 50,
  commentPageSize: 100,
  overlapMinutes: 10,
  changelog: true,
  timeoutMs: 30_000,
  retry: { retries: 2, minTimeoutMs: 1000, maxTimeoutMs: 10_000 },
  dedupeTtlSeconds: 7 * 86_400,
} as const;

// The loader checks every `*Env` key (valid name, set, non-empty); the schema only asks for a string.
const ENV_NAME = z.string().min(1);

/** `https://acme.atlassian.net` (or a proxy / test server): http(s), no credentials, query or fragment; no trailing `/`. */
export const JiraHostSchema = z
  .string()
  .url('an absolute URL such as https://acme.atlassian.net')
  .refine((u) => /^https?:$/.test(new URL(u).protocol), 'must be http: or https:')
  .refine((u) => {
    const p = new URL(u);
    return p.username === '' && p.password === '' && p.search === '' && p.hash === '';
  }, 'must not carry credentials, a query or a fragment')
  .transform((u) => u.replace(/\/+$/, ''));

/**
 * The source's JQL. It is wrapped as `(<jql>) AND updated >= "…" ORDER BY updated ASC`, so it must
 * not order results itself. Jira requires a bounded query (`project in (…)`, not empty).
 */
export const JqlSchema = z
  .string()
  .trim()
  .min(1, 'a bounded JQL query such as project in (OPS, SEC)')
  .max(4000)
  .refine((q) => !/\border\s+by\b/i.test(q), 'must not contain ORDER BY (tokenradius orders by updated itself)');

/** The fields of a `type: jira` source besides `id`, `type` and `schedule`. */
export const jiraSourceFields = {
  /** Site URL (`https://acme.atlassian.net`), a proxy, or a local test server. The API token is sent only there. */
  host: JiraHostSchema,
  /** Environment variable holding the Atlassian account e-mail of the (read-only) user. */
  emailEnv: ENV_NAME,
  /** Environment variable holding that user's API token. */
  apiTokenEnv: ENV_NAME,
  /** Which issues to read (bounded JQL, no ORDER BY). Changing it starts a new full backfill. */
  jql: JqlSchema,
  /** Custom field ids (`customfield_10010`) whose text is scanned besides summary, description, environment and comments. */
  customFields: z
    .array(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a Jira field id such as customfield_10010'))
    .refine((a) => new Set(a).size === a.length, 'list each field once')
    .default([]),
  /**
   * Incremental runs ask for `updated >= (cursor − overlapMinutes)`: JQL dates have minute
   * precision and search is eventually consistent. Issues already read at the same version are skipped.
   */
  overlapMinutes: z.number().int().min(1).max(1440).default(JIRA_DEFAULTS.overlapMinutes),
  /** Also scan the issue history (`expand=changelog`): a token edited out of a description survives there. */
  changelog: z.boolean().default(JIRA_DEFAULTS.changelog),
  /**
   * Time zone JQL dates are written in. Default: the API user's own (`/myself`), which is what Jira
   * uses to read them. Set it only when that call is not allowed.
   */
  timeZone: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'an IANA time zone such as Europe/Berlin')
    .optional(),
  /** Environment variable holding the admin webhook's secret; without it `/webhooks/jira` answers 404 for this source. */
  webhookSecretEnv: ENV_NAME.optional(),
  /** `maxResults` of a search page (Jira caps pages that return fields at 100). */
  pageSize: z.number().int().min(1).max(100).default(JIRA_DEFAULTS.pageSize),
  /** `maxResults` of a comments page, for issues with more comments than the search embeds. */
  commentPageSize: z.number().int().min(1).max(5000).default(JIRA_DEFAULTS.commentPageSize),
  /** One REST call, at most (ms). */
  timeoutMs: z.number().int().min(100).max(300_000).default(JIRA_DEFAULTS.timeoutMs),
  /** 5xx and network errors: retried in the client this often (exponential backoff), then the job is retried later. */
  retry: z
    .object({
      retries: z.number().int().min(0).max(10).default(JIRA_DEFAULTS.retry.retries),
      minTimeoutMs: z.number().int().min(1).max(60_000).default(JIRA_DEFAULTS.retry.minTimeoutMs),
      maxTimeoutMs: z.number().int().min(1).max(600_000).default(JIRA_DEFAULTS.retry.maxTimeoutMs),
    })
    .strict()
    .refine((r) => r.maxTimeoutMs >= r.minTimeoutMs, { message: 'maxTimeoutMs must be at least minTimeoutMs', path: ['maxTimeoutMs'] })
    .prefault({}),
  /** How long webhook identifiers (`X-Atlassian-Webhook-Identifier`) are remembered to reject replays. */
  dedupeTtlSeconds: z.number().int().min(60).max(90 * 86_400).default(JIRA_DEFAULTS.dedupeTtlSeconds),
};

export type JiraSourceConfig = Extract<SourceConfig, { type: 'jira' }>;

export function isJiraSource(s: SourceConfig): s is JiraSourceConfig {
  return s.type === 'jira';
}
