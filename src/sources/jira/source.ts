/**
 * The live Jira Cloud source (`type: jira`): issues read through REST v3 with `jira.js`.
 *
 * One run (`pull`):
 *   GET /myself (checks the credentials first; its `timeZone` is the zone JQL dates are read in)
 *   → POST /search/jql with `(<jql>) AND updated >= "<cursor − overlap>" ORDER BY updated ASC`,
 *     explicit `fields` (summary, description, environment, comment, updated, security, project and
 *     the configured custom fields) and `expand=changelog`, paged by `nextPageToken`
 *   → for an issue with more comments than the search embeds: GET /issue/{key}/comment, paged
 *   → each text (ADF → text for every node type) as chunks with `jira` locators (site, issue key,
 *     field, comment id, browse URL) and the issue's exposure (project, security level).
 *
 * Cursors: one per JQL (see `cursor.ts`). An issue version already handed on in the overlap window
 * is skipped (dedupe on issue id + `updated`). The last chunk of an issue carries the cursor that
 * includes it, so the poll runner stores it only once the whole issue is accepted.
 *
 * `since`: an ISO date / date-time reads from then on and neither reads nor moves stored cursors;
 * `issue:<KEY>[,<KEY>…]` reads those issues (what a webhook enqueues when its payload lacks fields).
 *
 * Failures (see `client.ts`): 429 ⇒ UPSTREAM_RATE_LIMITED with Retry-After (the queue pauses),
 * 5xx ⇒ retried, then UPSTREAM_UNAVAILABLE (retry later), 401/403 ⇒ UPSTREAM_AUTH_FAILED: the source
 * is marked failed in the store (scope `~status`) and the run fails; other sources are unaffected.
 */
import { z } from 'zod';
import { TokenradiusError, isTokenradiusError } from '../../core/errors.js';
import type { Chunk } from '../../core/types.js';
import type { SourceDeps } from '../registry.js';
import type { PulledChunk, PullOptions, Source } from '../types.js';
import { chunkLimits, markSourceStatus } from '../connector.js';
import { issueChunksLive, issueTextOf, type JiraChunkContext } from './chunks.js';
import { createJiraApi, type JiraApi } from './client.js';
import { advanceJiraCursor, decodeJiraCursor, encodeJiraCursor, jqlScope, versionKey, type JiraCursor } from './cursor.js';
import type { JiraSourceConfig } from './options.js';
import { buildJql, isTimeZone, parseJiraSince, parseJiraTime } from './time.js';

export interface JiraSource extends Source {
  readonly config: JiraSourceConfig;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The e-mail and API token of a configured Jira source, from the loaded config's environment snapshot. */
export function jiraCredentials(config: JiraSourceConfig, env: Readonly<Record<string, string>> | undefined): { email: string; apiToken: string } {
  const missing = (['emailEnv', 'apiTokenEnv'] as const).filter((k) => !env?.[config[k]]);
  if (missing.length > 0) {
    throw new TokenradiusError('CONFIG_ENV_MISSING', `source ${config.id}: environment variable${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${config[k]} (${k})`).join(', ')} not set`, {
      details: { source: config.id, paths: missing },
    });
  }
  return { email: env![config.emailEnv]!, apiToken: env![config.apiTokenEnv]! };
}

/** The fields a search or issue fetch asks for (Jira returns only ids without an explicit list). */
export function jiraFields(config: Pick<JiraSourceConfig, 'customFields'>): string[] {
  return ['summary', 'description', 'environment', 'comment', 'updated', 'security', 'project', ...config.customFields];
}

const IssueMetaSchema = z
  .object({
    id: z.union([z.string().min(1), z.number()]).transform(String),
    key: z.string().min(1),
    fields: z.object({ updated: z.string().optional().catch(undefined) }).loose().optional().catch(undefined),
  })
  .loose();

export function createJiraSource(config: JiraSourceConfig, deps: SourceDeps): JiraSource {
  const logger = deps.logger;
  const overlapMs = config.overlapMinutes * 60_000;
  const chunkCtx: JiraChunkContext = {
    sourceId: config.id,
    host: config.host,
    customFields: config.customFields,
    limits: chunkLimits(deps.scan),
  };
  const fields = jiraFields(config);
  const expand = config.changelog ? 'changelog' : undefined;

  const markStatus = (state: 'ok' | 'failed', extra: Record<string, unknown> = {}) => markSourceStatus(deps.store, config.id, state, extra);

  /** The issue with ALL its comments (the search embeds only the first page of them). */
  async function withAllComments(api: JiraApi, raw: Obj, key: string): Promise<Obj> {
    const f = isObj(raw.fields) ? raw.fields : undefined;
    const c = f && isObj(f.comment) ? f.comment : undefined;
    if (!f || !c) return raw;
    const embedded = Array.isArray(c.comments) ? c.comments : [];
    const total = typeof c.total === 'number' ? c.total : embedded.length;
    if (total <= embedded.length) return raw;
    const all: unknown[] = [];
    for (let startAt = 0; ; ) {
      const page = await api.comments(key, startAt, config.commentPageSize);
      all.push(...page.comments);
      startAt += page.comments.length;
      if (page.comments.length === 0 || startAt >= (page.total ?? 0)) break;
    }
    return { ...raw, fields: { ...f, comment: { ...c, comments: all, startAt: 0, maxResults: all.length, total: all.length } } };
  }

  function chunksOf(full: Obj): Chunk[] {
    const text = issueTextOf(full, chunkCtx);
    return text ? issueChunksLive(text, chunkCtx) : [];
  }

  return {
    id: config.id,
    config,
    async *pull(opts: PullOptions): AsyncIterable<PulledChunk> {
      const since = opts.since ? parseJiraSince(opts.since) : undefined;
      const creds = jiraCredentials(config, deps.env);
      const api = createJiraApi({ host: config.host, ...creds, timeoutMs: config.timeoutMs, retry: config.retry, sourceId: config.id, signal: opts.signal });
      let items = 0;
      let bytes = 0;
      const progress = (chunks: Chunk[]) => {
        items += 1;
        for (const c of chunks) bytes += c.text.length;
        opts.onProgress?.({ bytes, items });
      };

      try {
        const me = await api.myself();

        if (since?.kind === 'issues') {
          for (const key of since.keys) {
            if (opts.signal.aborted) return;
            const raw = await api.issue(key, fields, expand);
            if (!isObj(raw)) {
              logger.info({ source: config.id, issue: key }, 'jira: issue not found or not visible; skipped');
              continue;
            }
            const chunks = chunksOf(await withAllComments(api, raw, key));
            progress(chunks);
            for (const chunk of chunks) yield { chunk, cursor: '' };
          }
          await markStatus('ok');
          return;
        }

        const timeZone = config.timeZone ?? (me.timeZone && isTimeZone(me.timeZone) ? me.timeZone : 'UTC');
        const scope = jqlScope(config.jql);
        const track = !since && deps.store !== undefined;
        let state: JiraCursor = (track ? decodeJiraCursor(await deps.store!.getCursor(config.id, scope)) : undefined) ?? { v: 1, seen: [] };
        const startMs = since?.kind === 'time' ? since.ms : state.updated !== undefined ? state.updated - overlapMs : undefined;
        const jql = buildJql(config.jql, startMs !== undefined ? { ms: startMs, timeZone } : undefined);
        logger.info({ source: config.id, incremental: startMs !== undefined, timeZone }, 'jira: searching');

        const seen = new Set(state.seen);
        const tokens = new Set<string>();
        let skipped = 0;
        let nextPageToken: string | undefined;
        do {
          const page = await api.search({ jql, fields, maxResults: config.pageSize, ...(nextPageToken ? { nextPageToken } : {}), ...(expand ? { expand } : {}) });
          for (const raw of page.issues) {
            const meta = IssueMetaSchema.safeParse(raw);
            if (!meta.success || !isObj(raw)) continue;
            const { id, key } = meta.data;
            const updatedMs = parseJiraTime(meta.data.fields?.updated) ?? 0;
            const vkey = versionKey(id, updatedMs);
            if (seen.has(vkey)) {
              skipped += 1;
              continue;
            }
            const chunks = chunksOf(await withAllComments(api, raw, key));
            const next = advanceJiraCursor(state, vkey, updatedMs, overlapMs);
            seen.add(vkey);
            progress(chunks);
            for (let i = 0; i < chunks.length; i++) {
              const last = i === chunks.length - 1;
              yield track ? { chunk: chunks[i]!, cursor: last ? encodeJiraCursor(next) : '', scope } : { chunk: chunks[i]!, cursor: '' };
            }
            state = next;
            if (opts.signal.aborted) return;
          }
          nextPageToken = page.isLast === true ? undefined : page.nextPageToken;
          // A token seen before would loop forever: Jira's paging is opaque, so guard it here.
          if (nextPageToken && tokens.has(nextPageToken)) {
            throw new TokenradiusError('UPSTREAM_INVALID_RESPONSE', `Jira search (source ${config.id}) repeated a page token`, { details: { source: config.id } });
          }
          if (nextPageToken) tokens.add(nextPageToken);
        } while (nextPageToken && !opts.signal.aborted);
        if (skipped > 0) logger.debug({ source: config.id, skipped }, 'jira: issue versions already read in the overlap window skipped');
        await markStatus('ok');
      } catch (e) {
        if (isTokenradiusError(e) && e.code === 'UPSTREAM_AUTH_FAILED') {
          await markStatus('failed', { code: e.code, ...(typeof e.details.status === 'number' ? { status: e.details.status } : {}) });
          logger.error({ source: config.id, code: e.code, status: e.details.status, op: e.details.op }, 'jira source failed: credentials rejected');
        }
        throw e;
      }
    },
  };
}
