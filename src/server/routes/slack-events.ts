/**
 * Slack Events API ingress.
 *
 * Routes (decided once, documented in the README):
 * - `POST /webhooks/slack/events/<source-id>` — one per configured `type: slack` source with a
 *   `signingSecretEnv`; point each Slack app's Request URL at its own source's path;
 * - `POST /webhooks/slack/events` — the same, for the ONE Slack source with a signing secret when
 *   exactly one exists (the common single-workspace set-up); 404 otherwise (ambiguous or none).
 *
 * Per request, in this order:
 * 1. `X-Slack-Signature` v0 verified over the raw body with a 5-minute window for
 *    `X-Slack-Request-Timestamp`, in constant time — missing, malformed, stale or wrong ⇒ 401, and
 *    nothing is parsed further, remembered or enqueued;
 * 2. `url_verification` ⇒ the challenge, as text/plain;
 * 3. `event_id` remembered in the store (`rememberDelivery`): a retry (`X-Slack-Retry-Num`) or a
 *    replay of an already accepted event ⇒ 200, nothing enqueued again;
 * 4. message events ⇒ chunks handed to the pipeline (`Ingress.submitChunks`: sealed into the scan
 *    queue, or the inline runner); `file_shared` ⇒ a poll job that fetches the file's text;
 * 5. answered within Slack's 3 s: nothing is scanned or downloaded in the request, and handing on
 *    is bounded by a 2.5 s deadline (503 past it, so Slack retries).
 *
 * The event id is remembered BEFORE it is handed on (so two concurrent deliveries of one event
 * enqueue it once) and forgotten again (`forgetDelivery`) when handing on fails: the 503 makes Slack
 * retry, and that retry must be accepted, not dropped as a duplicate. Only if the store also fails to
 * forget is the retry dropped; the channel's next scheduled backfill still reads the message.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TokenradiusError } from '../../core/errors.js';
import { planSlackEvent } from '../../sources/slack/events.js';
import { isSlackSource, type SlackSourceConfig } from '../../sources/slack/options.js';
import { verifySlackSignature } from '../../sources/slack/signature.js';
import type { RoutePlugin, ServerDeps } from '../app.js';
import { handOnOrForget, header, lenientJson, registerWebhookReceiver, withDeadline } from './webhook-delivery.js';

/** Budget for dedupe + enqueue, under Slack's 3 s acknowledgement limit. */
const HAND_ON_DEADLINE_MS = 2500;
/** Budget for forgetting the event id after a failed hand-on (the 503 must still beat Slack's 3 s). */
const FORGET_DEADLINE_MS = 400;

export function slackEventsHandler(deps: ServerDeps, resolve: (request: FastifyRequest) => SlackSourceConfig | undefined) {
  const { logger } = deps;
  const scan = deps.config?.scan;
  const limits = scan ? { chunkChars: scan.chunkBytes, overlapChars: scan.chunkOverlapBytes } : undefined;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const source = resolve(request);
    if (!source || !source.signingSecretEnv) throw new TokenradiusError('NOT_FOUND', 'no Slack source receives events at this path');
    const secret = deps.env?.[source.signingSecretEnv];
    if (!secret) throw new TokenradiusError('NOT_FOUND', `Slack source ${source.id} has no signing secret in this process (${source.signingSecretEnv})`);

    const rawBody = request.rawBody;
    const verdict = rawBody
      ? verifySlackSignature({
          rawBody,
          timestamp: header(request, 'x-slack-request-timestamp'),
          signature: header(request, 'x-slack-signature'),
          secret,
          nowSeconds: Math.floor(Date.now() / 1000),
        })
      : ({ ok: false, reason: 'missing' } as const);
    if (!verdict.ok) {
      logger.warn({ source: source.id, reason: verdict.reason }, 'slack events: request signature rejected');
      throw new TokenradiusError('SIGNATURE_INVALID', `Slack request signature is ${verdict.reason === 'missing' ? 'missing' : verdict.reason === 'stale' ? 'stale (timestamp outside 5 minutes)' : 'invalid'}`);
    }

    const plan = planSlackEvent(request.body, source, limits);
    if (plan.kind === 'challenge') return reply.status(200).type('text/plain; charset=utf-8').send(plan.challenge);
    if (plan.kind === 'ignore') {
      logger.debug({ source: source.id, eventId: plan.eventId, reason: plan.reason }, 'slack events: ignored');
      return reply.status(200).send({ ok: true });
    }

    const retryNum = header(request, 'x-slack-retry-num');
    // Checked before remembering: a process that cannot hand the event on must not swallow it.
    const ingress = deps.ingress;
    if (!ingress) throw new TokenradiusError('QUEUE_UNAVAILABLE', 'this process does not run a pipeline (start it with workers or REDIS_URL)');
    const store = deps.store;
    const deliveryId = `slack-event-${plan.eventId}`;
    if (store) {
      const ttl = source.dedupeTtlSeconds;
      const fresh = await withDeadline(store.rememberDelivery(source.id, deliveryId, ttl), 'remembering the event', HAND_ON_DEADLINE_MS);
      if (!fresh) {
        logger.info({ source: source.id, eventId: plan.eventId, retry: retryNum ?? null }, 'slack events: duplicate delivery dropped');
        return reply.status(200).send({ ok: true, duplicate: true });
      }
    }
    // Not handed on (503): the id is forgotten so that Slack's retry is accepted.
    await handOnOrForget({ store, sourceId: source.id, deliveryId, receiver: 'slack events', logger, forgetDeadlineMs: FORGET_DEADLINE_MS }, async () => {
      if (plan.kind === 'chunks') {
        await withDeadline(ingress.submitChunks(plan.chunks), 'enqueueing the message', HAND_ON_DEADLINE_MS);
        logger.info({ source: source.id, eventId: plan.eventId, chunks: plan.chunks.length, retry: retryNum ?? null }, 'slack events: message enqueued');
      } else {
        const job = await withDeadline(ingress.requestPoll(source.id, { since: plan.since, reason: 'webhook' }), 'enqueueing the file fetch', HAND_ON_DEADLINE_MS);
        logger.info({ source: source.id, eventId: plan.eventId, job }, 'slack events: file fetch enqueued');
      }
    });
    return reply.status(200).send({ ok: true });
  };
}

/** JSON; or a form body: `payload=<json>` (interactive payloads), else its fields (url_verification may come form-encoded). */
function parseBody(raw: Buffer, contentType: string): unknown {
  if (!/^application\/x-www-form-urlencoded/i.test(contentType)) return lenientJson(raw);
  const form = new URLSearchParams(raw.toString('utf8'));
  const payload = form.get('payload');
  return payload ? lenientJson(Buffer.from(payload, 'utf8')) : Object.fromEntries(form);
}

export const slackEventsRoutes: RoutePlugin = {
  id: 'slack-events',
  async register(app, deps) {
    await registerWebhookReceiver(app, deps, {
      path: '/webhooks/slack/events',
      sources: (deps.config?.sources ?? []).filter(isSlackSource),
      receives: (s) => s.signingSecretEnv !== undefined,
      parse: parseBody,
      handler: (resolve) => slackEventsHandler(deps, resolve),
    });
  },
};
