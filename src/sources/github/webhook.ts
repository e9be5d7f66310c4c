/**
 * GitHub webhook deliveries → work for the pipeline. Pure: the HTTP route
 * (`src/server/routes/github-webhook.ts`) verifies, dedupes, enqueues and answers.
 *
 * - `ping` → answered (GitHub sends it when the hook is created);
 * - `push` to a configured repository and branch → poll jobs that fetch the pushed commits'
 *   patches (push payloads carry no diffs): `since: commits:<owner>/<repo>:<sha,…>`, at most
 *   `MAX_SHAS_PER_JOB` per job. Deleted branches, tags and pushes without commits are ignored;
 * - anything else → ignored (answered 2xx: GitHub does not retry, but shows failures to admins).
 *
 * A push of more than 2048 commits lists only the first 2048: the branch's next scheduled
 * backfill reads the rest.
 */
import { z } from 'zod';
import type { GithubSourceConfig } from './options.js';
import { MAX_SHAS_PER_JOB, commitsSince } from './since.js';

const PushSchema = z
  .object({
    ref: z.string().max(1000),
    deleted: z.boolean().optional().catch(undefined),
    repository: z
      .object({
        full_name: z.string().regex(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/),
        default_branch: z.string().optional().catch(undefined),
      })
      .loose(),
    commits: z.array(z.object({ id: z.string() }).loose()).max(5000).default([]),
  })
  .loose();

export type GithubWebhookPlan =
  | { kind: 'pong' }
  | { kind: 'polls'; repo: string; branch: string; commits: number; since: string[] }
  | { kind: 'ignore'; reason: string };

/** Is this repository one the source reads (listed, or in a listed organisation)? */
export function repoConfigured(config: Pick<GithubSourceConfig, 'repos' | 'orgs'>, fullName: string): boolean {
  const lower = fullName.toLowerCase();
  const owner = lower.split('/')[0];
  return config.repos.some((r) => r.toLowerCase() === lower) || config.orgs.some((o) => o.toLowerCase() === owner);
}

export function planGithubWebhook(event: string | undefined, body: unknown, config: GithubSourceConfig): GithubWebhookPlan {
  if (event === 'ping') return { kind: 'pong' };
  if (event !== 'push') return { kind: 'ignore', reason: `event ${typeof event === 'string' ? event.slice(0, 40) : 'missing'} not scanned` };
  const p = PushSchema.safeParse(body);
  if (!p.success) return { kind: 'ignore', reason: 'not a push payload' };
  const push = p.data;
  const repo = push.repository.full_name;
  if (!repoConfigured(config, repo)) return { kind: 'ignore', reason: 'repository not configured' };
  if (push.deleted) return { kind: 'ignore', reason: 'branch deleted' };
  if (!push.ref.startsWith('refs/heads/')) return { kind: 'ignore', reason: 'not a branch' };
  const branch = push.ref.slice('refs/heads/'.length);
  if (config.branches === 'default' ? branch !== push.repository.default_branch : Array.isArray(config.branches) && !config.branches.includes(branch)) {
    return { kind: 'ignore', reason: 'branch not configured' };
  }
  const shas = [...new Set(push.commits.map((c) => c.id.toLowerCase()).filter((id) => /^[0-9a-f]{40}$/.test(id)))];
  if (shas.length === 0) return { kind: 'ignore', reason: 'push without commits' };
  const since: string[] = [];
  for (let i = 0; i < shas.length; i += MAX_SHAS_PER_JOB) since.push(commitsSince(repo, shas.slice(i, i + MAX_SHAS_PER_JOB)));
  return { kind: 'polls', repo, branch, commits: shas.length, since };
}
