/**
 * Jira webhook ingress.
 *
 * Routes:
 * - `POST /webhooks/jira/<source-id>` — one per configured `type: jira` source with a
 *   `webhookSecretEnv`; point the Jira admin webhook (Settings → System → WebHooks) at it, with the
 *   same secret, the events issue created/updated and comment created/updated, and a JQL filter
 *   matching the source's `jql` (Jira applies the filter; we cannot evaluate JQL here);
 * - `POST /webhooks/jira` — the same, for the ONE Jira source with a secret when exactly one
 *   exists; 404 otherwise (ambiguous or none). A source without a secret receives no webhooks:
 *   unsigned deliveries could inject content or trigger fetches.
 *
 * Per request, in this order:
 * 1. `X-Hub-Signature: sha256=<hex>` verified over the raw body with the source's secret, in
 *    constant time — missing, malformed or wrong ⇒ 401, nothing parsed further, remembered or enqueued;
 * 2. `X-Atlassian-Webhook-Identifier` (or, when absent, the body's SHA-256) remembered in the store:
 *    a replay of an accepted delivery ⇒ 401, nothing enqueued again;
 * 3. issue / comment events ⇒ chunks handed to the pipeline (`Ingress.submitChunks`), or a poll of
 *    the one issue when the payload lacks its fields; other events ⇒ 200, ignored;
 * 4. nothing is scanned or fetched in the request; handing on is bounded by a deadline (503 past it).
 *
 * The identifier is remembered BEFORE handing on (so two concurrent deliveries of one event enqueue
 * it once) and forgotten again (`forgetDelivery`) when handing on fails: the 503 makes Jira retry,
 * and that retry must be accepted, not refused as a replay. Only if the store also fails to forget
 * is the retry refused; the source's next scheduled backfill still reads the issue.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TokenradiusError } from '../../core/errors.js';
import { sha256Hex } from '../../core/secrets.js';
import { chunkLimits } from '../../sources/connector.js';
import { isJiraSource, type JiraSourceConfig } from '../../sources/jira/options.js';
import { planJiraWebhook, verifyJiraSignature } from '../../sources/jira/webhook.js';
import type { RoutePlugin, ServerDeps } from '../app.js';
import { handOnOrForget, header, lenientJson, registerWebhookReceiver, withDeadline } from './webhook-delivery.js';

const HAND_ON_DEADLINE_MS = 5000;
/** Budget for forgetting the delivery id after a failed hand-on (the 503 must still come promptly). */
const FORGET_DEADLINE_MS = 1000;

/** A delivery id safe to store: Jira's identifier, else a hash of the exact body. */
function deliveryId(request: FastifyRequest, rawBody: Buffer): string {
  const id = header(request, 'x-atlassian-webhook-identifier');
  return id && /^[A-Za-z0-9_.:-]{1,200}$/.test(id) ? `jira-${id.replace(/:/g, '-')}` : `jira-body-${sha256Hex(rawBody)}`;
}

export function jiraWebhookHandler(deps: ServerDeps, resolve: (request: FastifyRequest) => JiraSourceConfig | undefined) {
  const { logger } = deps;
  const scan = deps.config?.scan;
  const limits = chunkLimits(scan);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const source = resolve(request);
    if (!source || !source.webhookSecretEnv) throw new TokenradiusError('NOT_FOUND', 'no Jira source receives webhooks at this path');
    const secret = deps.env?.[source.webhookSecretEnv];
    if (!secret) throw new TokenradiusError('NOT_FOUND', `Jira source ${source.id} has no webhook secret in this process (${source.webhookSecretEnv})`);

    const rawBody = request.rawBody ?? Buffer.alloc(0);
    const verdict = rawBody.length > 0 ? verifyJiraSignature({ rawBody, signature: header(request, 'x-hub-signature'), secret }) : ({ ok: false, reason: 'missing' } as const);
    if (!verdict.ok) {
      logger.warn({ source: source.id, reason: verdict.reason }, 'jira webhook: signature rejected');
      throw new TokenradiusError('SIGNATURE_INVALID', `Jira webhook signature is ${verdict.reason === 'missing' ? 'missing' : 'invalid'}`);
    }

    if (!deps.store) throw new TokenradiusError('STORE_UNAVAILABLE', 'this process has no findings store to remember webhook deliveries');
    const id = deliveryId(request, rawBody);
    const fresh = await withDeadline(deps.store.rememberDelivery(source.id, id, source.dedupeTtlSeconds), 'remembering the delivery', HAND_ON_DEADLINE_MS);
    if (!fresh) {
      logger.warn({ source: source.id, retry: header(request, 'x-atlassian-webhook-retry') ?? null }, 'jira webhook: replayed delivery rejected');
      throw new TokenradiusError('SIGNATURE_INVALID', 'this Jira webhook delivery was already received (replay)');
    }

    const plan = planJiraWebhook(request.body, source, limits);
    if (plan.kind === 'ignore') {
      logger.debug({ source: source.id, event: plan.event ?? null, reason: plan.reason }, 'jira webhook: ignored');
      return reply.status(200).send({ ok: true, ignored: plan.reason });
    }
    // Not handed on (503): the id is forgotten so that Jira's retry is not taken for a replay.
    return handOnOrForget({ store: deps.store, sourceId: source.id, deliveryId: id, receiver: 'jira webhook', logger, forgetDeadlineMs: FORGET_DEADLINE_MS }, async () => {
      if (!deps.ingress) throw new TokenradiusError('QUEUE_UNAVAILABLE', 'this process does not run a pipeline (start it with workers or REDIS_URL)');
      if (plan.kind === 'chunks') {
        await withDeadline(deps.ingress.submitChunks(plan.chunks), 'enqueueing the issue text', HAND_ON_DEADLINE_MS);
        logger.info({ source: source.id, event: plan.event, issue: plan.issue, chunks: plan.chunks.length }, 'jira webhook: enqueued');
        return reply.status(202).send({ ok: true, chunks: plan.chunks.length });
      }
      const job = await withDeadline(deps.ingress.requestPoll(source.id, { since: plan.since, reason: 'webhook' }), 'enqueueing the issue fetch', HAND_ON_DEADLINE_MS);
      logger.info({ source: source.id, event: plan.event, issue: plan.issue, job }, 'jira webhook: issue fetch enqueued');
      return reply.status(202).send({ ok: true, fetch: plan.issue });
    });
  };
}

export const jiraWebhookRoutes: RoutePlugin = {
  id: 'jira-webhook',
  async register(app, deps) {
    await registerWebhookReceiver(app, deps, {
      path: '/webhooks/jira',
      sources: (deps.config?.sources ?? []).filter(isJiraSource),
      receives: (s) => s.webhookSecretEnv !== undefined,
      parse: lenientJson,
      handler: (resolve) => jiraWebhookHandler(deps, resolve),
    });
  },
};
