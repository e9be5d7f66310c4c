/**
 * Config of a live GitHub source (one entry of `sources:` with `type: github`). The registry
 * (`src/sources/registry.ts`) adds `id` / `type` / `schedule` to these fields; keep key names
 * stable, users and docs rely on them:
 *
 *   sources:
 *     - { id: gh-main, type: github, tokenEnv: GITHUB_TOKEN, baseUrl: "https://api.github.com",
 *         repos: ["acme/api"], orgs: [], schedule: "0 * * * *" }
 *
 * Secrets are never in the file: `tokenEnv` and `webhookSecretEnv` NAME environment variables.
 */
import { z } from 'zod';
import type { SourceConfig } from '../registry.js';

export const GITHUB_DEFAULTS = {
  baseUrl: 'https://api.github.com',
  branches: 'default' as const,
  includeComments: false,
  includeForks: false,
  includeArchived: true,
  pageSize: 100,
  overlapMinutes: 60,
  maxFilesPerCommit: 3000,
  maxRateLimitWaitSeconds: 5,
  timeoutMs: 30_000,
  retry: { retries: 2, minTimeoutMs: 1000 },
  dedupeTtlSeconds: 7 * 86_400,
} as const;

const ENV_NAME = z.string().min(1);

/** `https://api.github.com`, `https://ghe.example.com/api/v3`, a proxy or a local test server; no trailing `/`. */
const BaseUrlSchema = z
  .string()
  .url('an absolute URL such as https://api.github.com')
  .refine((u) => /^https?:$/.test(new URL(u).protocol), 'must be http: or https:')
  .refine((u) => {
    const p = new URL(u);
    return p.username === '' && p.password === '' && p.search === '' && p.hash === '';
  }, 'must not carry credentials, a query or a fragment')
  .transform((u) => u.replace(/\/+$/, ''));

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
export const RepoNameSchema = z
  .string()
  .refine((s) => {
    const [owner, repo, ...rest] = s.split('/');
    return rest.length === 0 && owner !== undefined && repo !== undefined && NAME.test(owner) && NAME.test(repo);
  }, 'owner/name, such as acme/api');

/** Branch names (git ref rules, loosely): no spaces, no `..`, no control characters. */
const BranchNameSchema = z.string().min(1).max(255).regex(/^(?!.*\.\.)[^\s~^:?*[\\\x00-\x1f\x7f]+$/, 'a branch name such as main');

/** The fields of a `type: github` source besides `id`, `type` and `schedule`. */
export const githubSourceFields = {
  /** Environment variable holding a fine-grained PAT or GitHub App installation token (Contents: read, Metadata: read). */
  tokenEnv: ENV_NAME,
  /** REST API base URL (GitHub Enterprise Server: `https://<host>/api/v3`). The token is sent only there. */
  baseUrl: BaseUrlSchema.default(GITHUB_DEFAULTS.baseUrl),
  /** Repositories to read, `owner/name`. */
  repos: z.array(RepoNameSchema).default([]),
  /** Organisations whose every repository (the token can see) is read. */
  orgs: z.array(z.string().regex(NAME, 'an organisation login such as acme')).default([]),
  /** Which branches: the default branch, all branches, or these names. */
  branches: z.union([z.enum(['default', 'all']), z.array(BranchNameSchema).min(1)]).default(GITHUB_DEFAULTS.branches),
  /** Also read issue and pull-request bodies and comments (needs Issues: read and Pull requests: read). */
  includeComments: z.boolean().default(GITHUB_DEFAULTS.includeComments),
  /** With `orgs`: read forks too. */
  includeForks: z.boolean().default(GITHUB_DEFAULTS.includeForks),
  /** With `orgs`: read archived repositories too (their history may hold live tokens). */
  includeArchived: z.boolean().default(GITHUB_DEFAULTS.includeArchived),
  /** Environment variable holding the webhook secret; without it `/webhooks/github` answers 404 for this source. */
  webhookSecretEnv: ENV_NAME.optional(),
  /** `per_page` of list calls (≤ 100). */
  pageSize: z.number().int().min(1).max(100).default(GITHUB_DEFAULTS.pageSize),
  /**
   * Incremental runs list commits whose date is at most this long before the newest one already
   * read (commit dates are not strictly ordered); commits already read are skipped by sha.
   */
  overlapMinutes: z.number().int().min(0).max(7 * 1440).default(GITHUB_DEFAULTS.overlapMinutes),
  /** Files of one commit read at most (GitHub pages a commit's files past 300 and stops at 3000). */
  maxFilesPerCommit: z.number().int().min(1).max(3000).default(GITHUB_DEFAULTS.maxFilesPerCommit),
  /**
   * A rate limit whose reset is this close is waited for inside the job (once); a longer one stops
   * the run with UPSTREAM_RATE_LIMITED so the queue pauses instead of a worker sleeping.
   */
  maxRateLimitWaitSeconds: z.number().int().min(0).max(120).default(GITHUB_DEFAULTS.maxRateLimitWaitSeconds),
  /** One REST call, at most (ms). */
  timeoutMs: z.number().int().min(100).max(300_000).default(GITHUB_DEFAULTS.timeoutMs),
  /** 5xx and network errors: retried in the client this often (waits of minTimeoutMs × 1, 4, 9…), then the job is retried later. */
  retry: z
    .object({
      retries: z.number().int().min(0).max(10).default(GITHUB_DEFAULTS.retry.retries),
      minTimeoutMs: z.number().int().min(1).max(60_000).default(GITHUB_DEFAULTS.retry.minTimeoutMs),
    })
    .strict()
    .prefault({}),
  /** How long `X-GitHub-Delivery` ids are remembered to reject replays. */
  dedupeTtlSeconds: z.number().int().min(60).max(90 * 86_400).default(GITHUB_DEFAULTS.dedupeTtlSeconds),
};

/** Object-level checks of a github source (the registry applies them with `superRefine`). */
export function refineGithubSource(s: { repos: string[]; orgs: string[] }, ctx: z.RefinementCtx): void {
  if (s.repos.length === 0 && s.orgs.length === 0) ctx.addIssue({ code: 'custom', path: ['repos'], message: 'list at least one repository (repos) or organisation (orgs)' });
  const lower = s.repos.map((r) => r.toLowerCase());
  lower.forEach((r, i) => {
    if (lower.indexOf(r) !== i) ctx.addIssue({ code: 'custom', path: ['repos', i], message: `"${s.repos[i]}" is listed twice` });
  });
}

export type GithubSourceConfig = Extract<SourceConfig, { type: 'github' }>;

export function isGithubSource(s: SourceConfig): s is GithubSourceConfig {
  return s.type === 'github';
}
