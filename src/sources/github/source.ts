/**
 * The live GitHub source (`type: github`): repositories read through the REST API with `octokit`.
 *
 * One run (`pull`):
 *   repositories: `repos` (GET /repos/{o}/{r}) and every repository of `orgs` (paginated
 *   listForOrg; forks and archived ones per config) — one the token cannot see is skipped with a
 *   warning; none visible at all ⇒ UPSTREAM_AUTH_FAILED
 *   → branches: the default one, all (paginated listBranches), or the configured names, each with
 *     its head sha; an EMPTY repository is recognised without octokit's retry loop on 409
 *   → per branch: commits since the branch cursor (listCommits `sha` + `since`, paginated), read
 *     OLDEST first; each commit's files (getCommit, file pages past 300, up to maxFilesPerCommit);
 *     the added lines of each file's patch with new-file line numbers and a blob permalink; a file
 *     without a patch (binary, or too large for GitHub to diff) is counted and logged, not read
 *   → with `includeComments`: issue and pull-request bodies, issue comments and review comments
 *     updated since their stream cursors.
 * Every chunk carries the repository's exposure (public / private / internal).
 *
 * Cursors: one per branch and one per comment stream (see `cursor.ts`). The source holds one chunk
 * back so that each chunk is yielded with the cursor that holds once IT is handed on (which may
 * cover later commits that added nothing); a scope that yielded no chunk at all in a run stores
 * its cursor directly — there is nothing of it waiting to be accepted. A commit on several branches
 * is fetched once per run.
 *
 * `since`: an ISO date rescans from then on without cursors; `commits:<repo>:<sha,…>` reads those
 * commits (push webhooks).
 *
 * Failures (see `client.ts`): rate limits ⇒ UPSTREAM_RATE_LIMITED with GitHub's wait (the queue
 * pauses), 5xx ⇒ retried then UPSTREAM_UNAVAILABLE, 401 ⇒ UPSTREAM_AUTH_FAILED (the source is marked
 * failed in the store, scope `~status`).
 */
import type { Octokit } from 'octokit';
import { z } from 'zod';
import { TokenradiusError, isTokenradiusError } from '../../core/errors.js';
import type { Chunk } from '../../core/types.js';
import type { SourceDeps } from '../registry.js';
import type { PulledChunk, PullOptions, Source } from '../types.js';
import { chunkLimits, markSourceStatus } from '../connector.js';
import { commentChunks, patchChunks, type ChunkLimits, type CommentField, type CommentItem, type RepoInfo } from './chunks.js';
import { createGithubClient, toGithubError } from './client.js';
import {
  advanceUpdated,
  completeBranch,
  decodeBranchCursor,
  decodeUpdatedCursor,
  encodeBranchCursor,
  encodeUpdatedCursor,
  type BranchCursor,
  type UpdatedCursor,
} from './cursor.js';
import type { GithubSourceConfig } from './options.js';
import { parseGithubSince, type GithubSince } from './since.js';

export interface GithubSource extends Source {
  readonly config: GithubSourceConfig;
}

/** The token of a configured GitHub source, from the loaded config's environment snapshot. */
export function githubToken(config: GithubSourceConfig, env: Readonly<Record<string, string>> | undefined): string {
  const token = env?.[config.tokenEnv];
  if (!token) {
    throw new TokenradiusError('CONFIG_ENV_MISSING', `source ${config.id}: environment variable ${config.tokenEnv} (tokenEnv) is not set`, {
      details: { source: config.id, path: 'tokenEnv' },
    });
  }
  return token;
}

// ---------------------------------------------------------------------------------------------
// Response shapes (only what tokenradius reads)

const RepoSchema = z
  .object({
    full_name: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/),
    name: z.string(),
    owner: z.object({ login: z.string() }).loose(),
    html_url: z.string(),
    private: z.boolean().optional().catch(undefined),
    visibility: z.string().optional().catch(undefined),
    default_branch: z.string().optional().catch(undefined),
    size: z.number().optional().catch(undefined),
    archived: z.boolean().optional().catch(undefined),
    fork: z.boolean().optional().catch(undefined),
  })
  .loose();

function toRepoInfo(raw: unknown): RepoInfo | undefined {
  const r = RepoSchema.safeParse(raw);
  if (!r.success) return undefined;
  const d = r.data;
  const visibility = d.visibility === 'public' || d.visibility === 'private' || d.visibility === 'internal' ? d.visibility : d.private === false ? 'public' : 'private';
  return {
    fullName: d.full_name,
    owner: d.owner.login,
    name: d.name,
    htmlUrl: d.html_url.replace(/\/+$/, ''),
    visibility,
    ...(d.default_branch ? { defaultBranch: d.default_branch } : {}),
    ...(d.size !== undefined ? { size: d.size } : {}),
    ...(d.archived !== undefined ? { archived: d.archived } : {}),
    ...(d.fork !== undefined ? { fork: d.fork } : {}),
  };
}

const BranchSchema = z.object({ name: z.string(), commit: z.object({ sha: z.string().regex(/^[0-9a-f]{40}$/) }).loose() }).loose();

const CommitListItemSchema = z
  .object({
    sha: z.string().regex(/^[0-9a-f]{40}$/),
    commit: z
      .object({
        committer: z.object({ date: z.string().optional().catch(undefined) }).loose().nullish().catch(undefined),
        author: z.object({ date: z.string().optional().catch(undefined) }).loose().nullish().catch(undefined),
      })
      .loose(),
  })
  .loose();

const CommitFileSchema = z
  .object({
    filename: z.string(),
    status: z.string().optional().catch(undefined),
    changes: z.number().optional().catch(undefined),
    additions: z.number().optional().catch(undefined),
    patch: z.string().optional().catch(undefined),
  })
  .loose();

const CommitSchema = z
  .object({
    sha: z.string().regex(/^[0-9a-f]{40}$/),
    html_url: z.string().optional().catch(undefined),
    author: z.object({ login: z.string().optional().catch(undefined) }).loose().nullish().catch(undefined),
    commit: z
      .object({
        author: z.object({ name: z.string().optional().catch(undefined), date: z.string().optional().catch(undefined) }).loose().nullish().catch(undefined),
      })
      .loose(),
    files: z.array(z.unknown()).optional().catch(undefined),
  })
  .loose();

const UserSchema = z.object({ login: z.string().optional().catch(undefined) }).loose().nullish().catch(undefined);
const IssueSchema = z
  .object({
    number: z.number().int(),
    body: z.string().nullish().catch(undefined),
    html_url: z.string().optional().catch(undefined),
    updated_at: z.string(),
    user: UserSchema,
    pull_request: z.unknown().optional(),
  })
  .loose();
const IssueCommentSchema = z
  .object({
    id: z.number().int(),
    body: z.string().nullish().catch(undefined),
    html_url: z.string().optional().catch(undefined),
    issue_url: z.string().optional().catch(undefined),
    updated_at: z.string(),
    user: UserSchema,
  })
  .loose();
const ReviewCommentSchema = z
  .object({
    id: z.number().int(),
    body: z.string().nullish().catch(undefined),
    html_url: z.string().optional().catch(undefined),
    pull_request_url: z.string().optional().catch(undefined),
    commit_id: z.string().optional().catch(undefined),
    updated_at: z.string(),
    user: UserSchema,
  })
  .loose();

const lastNumber = (url: string | undefined): string => /\/(\d+)$/.exec(url ?? '')?.[1] ?? '?';

type Ev = { chunk: Chunk } | { checkpoint: string };

const STREAMS = ['issues', 'issue-comments', 'review-comments'] as const;
type Stream = (typeof STREAMS)[number];

export function createGithubSource(config: GithubSourceConfig, deps: SourceDeps): GithubSource {
  const logger = deps.logger;
  const limits: ChunkLimits = chunkLimits(deps.scan);
  const overlapMs = config.overlapMinutes * 60_000;

  const markStatus = (state: 'ok' | 'failed', extra: Record<string, unknown> = {}) => markSourceStatus(deps.store, config.id, state, extra);

  return {
    id: config.id,
    config,
    async *pull(opts: PullOptions): AsyncIterable<PulledChunk> {
      const since: GithubSince | undefined = opts.since ? parseGithubSince(opts.since) : undefined;
      const token = githubToken(config, deps.env);
      const octokit = createGithubClient({
        token,
        baseUrl: config.baseUrl,
        timeoutMs: config.timeoutMs,
        retry: config.retry,
        maxRateLimitWaitSeconds: config.maxRateLimitWaitSeconds,
        signal: opts.signal,
      });
      const w = createWalker(config, deps, octokit, limits, overlapMs, opts);
      try {
        if (since?.kind === 'commits') {
          const repo = await w.getRepo(since.repo);
          if (!repo) {
            logger.warn({ source: config.id, repo: since.repo }, 'github: repository of pushed commits not visible; skipped');
          } else {
            for (const sha of since.shas) {
              if (opts.signal.aborted) return;
              for (const chunk of await w.commitChunks(repo, sha)) yield { chunk, cursor: '' };
            }
          }
          await markStatus('ok');
          return;
        }

        const repos = await w.resolveRepos();
        logger.info({ source: config.id, repos: repos.length }, 'github: repositories to read');
        const track = !since && deps.store !== undefined;
        for (const repo of repos) {
          if (opts.signal.aborted) return;
          for (const branch of await w.resolveBranches(repo)) {
            const scope = `${repo.fullName}@${branch.name}`;
            const stored = track ? decodeBranchCursor(await deps.store!.getCursor(config.id, scope)) : undefined;
            yield* w.holdBack(w.branchEvents(repo, branch, stored, since?.kind === 'time' ? since.ms : undefined, track), scope, track);
            if (opts.signal.aborted) return;
          }
          if (config.includeComments) {
            for (const stream of STREAMS) {
              const scope = `${repo.fullName}#${stream}`;
              const stored = track ? decodeUpdatedCursor(await deps.store!.getCursor(config.id, scope)) : undefined;
              yield* w.holdBack(w.streamEvents(repo, stream, stored, since?.kind === 'time' ? since.ms : undefined, track), scope, track);
              if (opts.signal.aborted) return;
            }
          }
        }
        w.summary();
        await markStatus('ok');
      } catch (e) {
        if (isTokenradiusError(e) && e.code === 'UPSTREAM_AUTH_FAILED') {
          await markStatus('failed', { code: e.code, ...(typeof e.details.status === 'number' ? { status: e.details.status } : {}) });
          logger.error({ source: config.id, code: e.code, status: e.details.status, op: e.details.op }, 'github source failed: credentials rejected');
        }
        throw e;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------

function createWalker(config: GithubSourceConfig, deps: SourceDeps, octokit: Octokit, limits: ChunkLimits, overlapMs: number, opts: PullOptions) {
  const logger = deps.logger;
  const err = (e: unknown, op: string, repo?: string) => toGithubError(e, { op, sourceId: config.id, ...(repo ? { repo } : {}) });
  /** Commits fetched in this run (a commit on several branches is read once). */
  const fetched = new Set<string>();
  let items = 0;
  let bytes = 0;
  let missingPatches = 0;
  const progress = (chunks: Chunk[]) => {
    items += 1;
    for (const c of chunks) bytes += c.text.length;
    opts.onProgress?.({ bytes, items });
  };

  /** A repository by name, or undefined when it does not exist or the token cannot see it. */
  async function getRepo(fullName: string): Promise<RepoInfo | undefined> {
    const [owner, repo] = fullName.split('/') as [string, string];
    try {
      const r = await octokit.rest.repos.get({ owner, repo });
      return toRepoInfo(r.data);
    } catch (e) {
      const te = err(e, 'repos.get', fullName);
      if (te.code === 'NOT_FOUND' || te.code === 'FORBIDDEN') return undefined;
      throw te;
    }
  }

  async function resolveRepos(): Promise<RepoInfo[]> {
    const out = new Map<string, RepoInfo>();
    let invisible = 0;
    for (const name of config.repos) {
      const r = await getRepo(name);
      if (!r) {
        invisible += 1;
        logger.warn({ source: config.id, repo: name }, 'github: repository not found or not visible to the token; skipped');
        continue;
      }
      out.set(r.fullName.toLowerCase(), r);
    }
    for (const org of config.orgs) {
      try {
        for await (const page of octokit.paginate.iterator(octokit.rest.repos.listForOrg, { org, type: 'all', per_page: config.pageSize })) {
          for (const raw of page.data) {
            const r = toRepoInfo(raw);
            if (!r) continue;
            if (r.fork && !config.includeForks) continue;
            if (r.archived && !config.includeArchived) continue;
            out.set(r.fullName.toLowerCase(), r);
          }
        }
      } catch (e) {
        const te = err(e, 'repos.listForOrg');
        if (te.code !== 'NOT_FOUND' && te.code !== 'FORBIDDEN') throw te;
        invisible += 1;
        logger.warn({ source: config.id, org }, 'github: organisation not found or not visible to the token; skipped');
      }
    }
    if (out.size === 0 && invisible > 0) {
      throw new TokenradiusError('UPSTREAM_AUTH_FAILED', `GitHub (source ${config.id}): the token cannot see any configured repository or organisation`, {
        details: { source: config.id, op: 'repos.get', invisible },
      });
    }
    return [...out.values()];
  }

  function isEmptyRepo(e: TokenradiusError): boolean {
    return e.code === 'CONFLICT' && e.details.empty === true;
  }

  async function resolveBranches(repo: RepoInfo): Promise<Array<{ name: string; sha: string }>> {
    const { owner, name } = repo;
    if (config.branches === 'all') {
      const out: Array<{ name: string; sha: string }> = [];
      try {
        for await (const page of octokit.paginate.iterator(octokit.rest.repos.listBranches, { owner, repo: name, per_page: config.pageSize })) {
          for (const raw of page.data) {
            const b = BranchSchema.safeParse(raw);
            if (b.success) out.push({ name: b.data.name, sha: b.data.commit.sha });
          }
        }
      } catch (e) {
        const te = err(e, 'repos.listBranches', repo.fullName);
        if (!isEmptyRepo(te)) throw te;
      }
      if (out.length === 0) logger.info({ source: config.id, repo: repo.fullName }, 'github: empty repository (no branches); skipped');
      return out;
    }
    const names = config.branches === 'default' ? (repo.defaultBranch ? [repo.defaultBranch] : []) : config.branches;
    const out: Array<{ name: string; sha: string }> = [];
    for (const branch of names) {
      try {
        const r = await octokit.rest.repos.getBranch({ owner, repo: name, branch });
        const b = BranchSchema.safeParse(r.data);
        if (b.success) out.push({ name: branch, sha: b.data.commit.sha });
      } catch (e) {
        const te = err(e, 'repos.getBranch', repo.fullName);
        if (te.code === 'NOT_FOUND' || isEmptyRepo(te)) {
          if (repo.size === 0 || isEmptyRepo(te)) logger.info({ source: config.id, repo: repo.fullName }, 'github: empty repository; skipped');
          else logger.warn({ source: config.id, repo: repo.fullName, branch }, 'github: branch not found; skipped');
          continue;
        }
        throw te;
      }
    }
    return out;
  }

  /** Commits reachable from `target` dated ≥ floor, newest first (GitHub's order). */
  async function listCommits(repo: RepoInfo, target: string, floor: number | undefined): Promise<Array<{ sha: string; date: number }>> {
    const out: Array<{ sha: string; date: number }> = [];
    try {
      const params = { owner: repo.owner, repo: repo.name, sha: target, per_page: config.pageSize, ...(floor !== undefined ? { since: new Date(floor).toISOString() } : {}) };
      for await (const page of octokit.paginate.iterator(octokit.rest.repos.listCommits, params)) {
        for (const raw of page.data) {
          const c = CommitListItemSchema.safeParse(raw);
          if (!c.success) continue;
          const d = Date.parse(c.data.commit.committer?.date ?? c.data.commit.author?.date ?? '');
          out.push({ sha: c.data.sha, date: Number.isFinite(d) ? d : 0 });
        }
        if (opts.signal.aborted) break;
      }
    } catch (e) {
      const te = err(e, 'repos.listCommits', repo.fullName);
      if (isEmptyRepo(te)) return [];
      throw te;
    }
    return out;
  }

  /** The added lines of every file of one commit, as chunks. */
  async function commitChunks(repo: RepoInfo, sha: string): Promise<Chunk[]> {
    const chunks: Chunk[] = [];
    let meta: { url?: string; author?: string; date?: string } | undefined;
    let files = 0;
    for (let page = 1; ; page++) {
      let res;
      try {
        res = await octokit.rest.repos.getCommit({ owner: repo.owner, repo: repo.name, ref: sha, page, per_page: 300 });
      } catch (e) {
        const te = err(e, 'repos.getCommit', repo.fullName);
        if (te.code === 'NOT_FOUND' || te.code === 'CONFLICT' || (te.code === 'UPSTREAM_INVALID_RESPONSE' && te.details.status === 422)) {
          logger.warn({ source: config.id, repo: repo.fullName, commit: sha }, 'github: commit not found; skipped');
          return chunks;
        }
        throw te;
      }
      const c = CommitSchema.safeParse(res.data);
      if (!c.success) throw new TokenradiusError('UPSTREAM_INVALID_RESPONSE', `GitHub repos.getCommit (source ${config.id}) answered with an unexpected shape`, { details: { source: config.id, repo: repo.fullName } });
      meta ??= {
        ...(c.data.html_url ? { url: c.data.html_url } : {}),
        ...((c.data.commit.author?.name ?? c.data.author?.login) ? { author: (c.data.commit.author?.name ?? c.data.author?.login)! } : {}),
        ...(c.data.commit.author?.date ? { date: c.data.commit.author.date } : {}),
      };
      const list = c.data.files ?? [];
      for (const raw of list) {
        if (files >= config.maxFilesPerCommit) break;
        files += 1;
        const f = CommitFileSchema.safeParse(raw);
        if (!f.success) continue;
        if (f.data.patch !== undefined) {
          chunks.push(...patchChunks(config.id, repo, { sha, ...meta }, f.data.filename, f.data.patch, limits));
        } else if (f.data.status !== 'removed' && (f.data.additions ?? f.data.changes ?? 0) > 0) {
          missingPatches += 1;
          logger.info({ source: config.id, repo: repo.fullName, commit: sha, path: f.data.filename }, 'github: no patch for this file (binary, or too large to diff); not scanned');
        }
      }
      const link = typeof res.headers.link === 'string' ? res.headers.link : '';
      if (!/rel="next"/.test(link) || list.length === 0 || files >= config.maxFilesPerCommit) {
        if (files >= config.maxFilesPerCommit && /rel="next"/.test(link)) logger.warn({ source: config.id, repo: repo.fullName, commit: sha, files }, 'github: commit has more files than maxFilesPerCommit; the rest is not scanned');
        break;
      }
    }
    fetched.add(sha);
    progress(chunks);
    return chunks;
  }

  /**
   * One branch as chunks and checkpoints (encoded cursors), oldest commit first. `sinceMs` (a
   * user-given `--since`) replaces the cursor; `track` false = no checkpoints.
   */
  async function* branchEvents(repo: RepoInfo, branch: { name: string; sha: string }, stored: BranchCursor | undefined, sinceMs: number | undefined, track: boolean): AsyncGenerator<Ev> {
    let target: string;
    let floor: number | undefined;
    let after: string | undefined;
    if (sinceMs !== undefined) {
      target = branch.sha;
      floor = sinceMs;
    } else if (stored?.run) {
      ({ target, floor, after } = stored.run);
    } else if (stored?.head === branch.sha) {
      return;
    } else {
      target = branch.sha;
      floor = stored?.date !== undefined ? stored.date - overlapMs : undefined;
    }
    const listed = await listCommits(repo, target, floor);
    let todo = [...listed].reverse();
    if (after) {
      const i = todo.findIndex((c) => c.sha === after);
      if (i >= 0) todo = todo.slice(i + 1);
    }
    const seen = new Set(stored?.seen ?? []);
    const base: BranchCursor = { v: 1, ...(stored?.head ? { head: stored.head } : {}), ...(stored?.date !== undefined ? { date: stored.date } : {}), seen: stored?.seen ?? [] };
    logger.debug({ source: config.id, repo: repo.fullName, branch: branch.name, commits: todo.length }, 'github: commits to read');
    for (const c of todo) {
      if (opts.signal.aborted) return;
      if (!seen.has(c.sha) && !fetched.has(c.sha)) for (const chunk of await commitChunks(repo, c.sha)) yield { chunk };
      if (track) yield { checkpoint: encodeBranchCursor({ ...base, run: { target, ...(floor !== undefined ? { floor } : {}), after: c.sha } }) };
    }
    if (track) yield { checkpoint: encodeBranchCursor(completeBranch(stored, target, listed, overlapMs)) };
  }

  function toItem(stream: Stream, raw: unknown): CommentItem | undefined {
    if (stream === 'issues') {
      const i = IssueSchema.safeParse(raw);
      if (!i.success) return undefined;
      const pr = i.data.pull_request !== undefined;
      const field: CommentField = pr ? 'pr-body' : 'issue-body';
      return { field, id: String(i.data.number), path: `${pr ? 'pulls' : 'issues'}/${i.data.number}`, body: i.data.body ?? '', ...(i.data.html_url ? { url: i.data.html_url } : {}), ...(i.data.user?.login ? { author: i.data.user.login } : {}), updated: i.data.updated_at };
    }
    if (stream === 'issue-comments') {
      const c = IssueCommentSchema.safeParse(raw);
      if (!c.success) return undefined;
      return { field: 'issue-comment', id: String(c.data.id), path: `issues/${lastNumber(c.data.issue_url)}#issuecomment-${c.data.id}`, body: c.data.body ?? '', ...(c.data.html_url ? { url: c.data.html_url } : {}), ...(c.data.user?.login ? { author: c.data.user.login } : {}), updated: c.data.updated_at };
    }
    const c = ReviewCommentSchema.safeParse(raw);
    if (!c.success) return undefined;
    return {
      field: 'review-comment',
      id: String(c.data.id),
      path: `pulls/${lastNumber(c.data.pull_request_url)}#discussion_r${c.data.id}`,
      body: c.data.body ?? '',
      ...(c.data.html_url ? { url: c.data.html_url } : {}),
      ...(c.data.user?.login ? { author: c.data.user.login } : {}),
      updated: c.data.updated_at,
      ...(c.data.commit_id && /^[0-9a-f]{40}$/.test(c.data.commit_id) ? { commit: c.data.commit_id } : {}),
    };
  }

  /** Issue / PR bodies, issue comments or review comments updated since the stream cursor, oldest first. */
  async function* streamEvents(repo: RepoInfo, stream: Stream, stored: UpdatedCursor | undefined, sinceMs: number | undefined, track: boolean): AsyncGenerator<Ev> {
    let state: UpdatedCursor = stored ?? { v: 1, seen: [] };
    const floor = sinceMs ?? (state.updated !== undefined ? state.updated - overlapMs : undefined);
    const common = { owner: repo.owner, repo: repo.name, sort: 'updated' as const, direction: 'asc' as const, per_page: config.pageSize, ...(floor !== undefined ? { since: new Date(floor).toISOString() } : {}) };
    const seen = new Set(state.seen);
    const op = stream === 'issues' ? 'issues.listForRepo' : stream === 'issue-comments' ? 'issues.listCommentsForRepo' : 'pulls.listReviewCommentsForRepo';
    const pages =
      stream === 'issues'
        ? octokit.paginate.iterator(octokit.rest.issues.listForRepo, { ...common, state: 'all' })
        : stream === 'issue-comments'
          ? octokit.paginate.iterator(octokit.rest.issues.listCommentsForRepo, common)
          : octokit.paginate.iterator(octokit.rest.pulls.listReviewCommentsForRepo, common);
    try {
      for await (const page of pages as AsyncIterable<{ data: unknown[] }>) {
        for (const raw of page.data) {
          const item = toItem(stream, raw);
          if (!item) continue;
          const ms = Date.parse(item.updated ?? '');
          const key = `${item.field}-${item.id}@${Number.isFinite(ms) ? ms : 0}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const chunks = item.body.trim().length > 0 ? commentChunks(config.id, repo, item, limits) : [];
          progress(chunks);
          for (const chunk of chunks) yield { chunk };
          state = advanceUpdated(state, key, Number.isFinite(ms) ? ms : 0, overlapMs);
          if (track) yield { checkpoint: encodeUpdatedCursor(state) };
          if (opts.signal.aborted) return;
        }
      }
    } catch (e) {
      const te = err(e, op, repo.fullName);
      // Issues disabled (410), or the token lacks Issues / Pull requests: read: skip this stream.
      if (te.code === 'NOT_FOUND' || te.code === 'FORBIDDEN' || te.details.status === 410) {
        logger.warn({ source: config.id, repo: repo.fullName, stream, status: te.details.status }, 'github: comments not readable; skipped');
        return;
      }
      throw te;
    }
  }

  /**
   * Chunks with the cursor that holds once each is handed on: hold one chunk back until the next
   * one (or the end) shows how far the checkpoints after it reach. A scope without any chunk in
   * this run stores its last checkpoint directly.
   */
  async function* holdBack(events: AsyncIterable<Ev>, scope: string, track: boolean): AsyncGenerator<PulledChunk> {
    let held: Chunk | undefined;
    let cursor = '';
    let any = false;
    try {
      for await (const ev of events) {
        if ('checkpoint' in ev) {
          cursor = ev.checkpoint;
          continue;
        }
        if (held) yield track ? { chunk: held, cursor, scope } : { chunk: held, cursor: '' };
        held = ev.chunk;
        any = true;
      }
    } catch (e) {
      // A rate limit or outage mid-branch: hand on the held chunk with the checkpoint it completes,
      // so the retry starts at the commit that failed, not the one before it.
      if (held) yield track ? { chunk: held, cursor, scope } : { chunk: held, cursor: '' };
      throw e;
    }
    if (held) yield track ? { chunk: held, cursor, scope } : { chunk: held, cursor: '' };
    else if (track && !any && cursor && deps.store) await deps.store.setCursor(config.id, scope, cursor);
  }

  function summary(): void {
    if (missingPatches > 0) logger.warn({ source: config.id, files: missingPatches }, 'github: files without a patch (binary or too large to diff) were not scanned');
  }

  return { getRepo, resolveRepos, resolveBranches, commitChunks, branchEvents, streamEvents, holdBack, summary };
}
