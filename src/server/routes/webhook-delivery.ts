/**
 * What every webhook receiver (Slack Events, Jira, GitHub) does once a signature checks out:
 * remember the delivery id (so a retry or replay is recognised), hand the work on within a
 * deadline shorter than the sender's, and — when handing on fails, which answers 503 so the sender
 * retries — forget the id again, so that the retry is accepted instead of dropped as a duplicate.
 * Only if forgetting fails too is the retry lost; the source's next scheduled backfill still reads
 * the item.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TokenradiusError } from '../../core/errors.js';
import type { Logger } from '../../observe/logger.js';
import type { FindingStore } from '../../store/types.js';
import { webhookRouteOptions, type ServerDeps } from '../app.js';

/** A request header as one string (the first, when repeated). */
export function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
}

/** `p`, or QUEUE_UNAVAILABLE (503: the sender retries) when it takes longer than `ms`. */
export async function withDeadline<T>(p: Promise<T>, what: string, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TokenradiusError('QUEUE_UNAVAILABLE', `${what} took too long; retry`)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export interface RememberedDelivery {
  /** None: nothing was remembered (a process without a store does no dedupe), nothing to forget. */
  store: Pick<FindingStore, 'forgetDelivery'> | undefined;
  sourceId: string;
  deliveryId: string;
  /** `slack events`, `jira webhook`… for the log line. */
  receiver: string;
  logger: Pick<Logger, 'warn'>;
  /** Budget for forgetting, so the 503 still reaches the sender within its own deadline. */
  forgetDeadlineMs: number;
}

/** Runs `handOn`; if it throws, forgets the remembered delivery id (best effort) and rethrows. */
export async function handOnOrForget<T>(d: RememberedDelivery, handOn: () => Promise<T>): Promise<T> {
  try {
    return await handOn();
  } catch (e) {
    if (!d.store) throw e;
    await withDeadline(d.store.forgetDelivery(d.sourceId, d.deliveryId), 'forgetting the delivery', d.forgetDeadlineMs).catch((fe: unknown) => {
      d.logger.warn(
        { source: d.sourceId, code: fe instanceof TokenradiusError ? fe.code : 'INTERNAL' },
        `${d.receiver}: could not forget the delivery id; its retry will be refused (the next backfill reads it)`,
      );
    });
    throw e;
  }
}

/** JSON when the bytes are JSON, else undefined: the signature is checked before the body means anything. */
export function lenientJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export interface WebhookReceiver<S extends { id: string }> {
  /** `/webhooks/jira`: answers for the one receiving source there, and `<path>/:sourceId` for each. */
  path: string;
  /** Configured sources of this kind, and which of them receive webhooks (have a secret configured). */
  sources: readonly S[];
  receives: (source: S) => boolean;
  /** The body for the handler, from the raw bytes and the content type; undefined when it is not what it should be. */
  parse: (raw: Buffer, contentType: string) => unknown;
  handler: (resolve: (request: FastifyRequest) => S | undefined) => (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

/**
 * Registers a receiver in an encapsulated context with its own body parser: every body (any content
 * type, invalid JSON included) reaches the handler with its raw bytes in `request.rawBody` — the
 * signature is verified over exactly what was sent — so an unsigned request is always a 401, never a
 * parser error that reveals how far it got. The body limit is `server.webhookBodyLimitBytes`.
 */
export async function registerWebhookReceiver<S extends { id: string }>(app: FastifyInstance, deps: ServerDeps, r: WebhookReceiver<S>): Promise<void> {
  const receiving = r.sources.filter(r.receives);
  const single = receiving.length === 1 ? receiving[0] : undefined;
  const opts = webhookRouteOptions(deps);
  await app.register(async (child) => {
    child.removeAllContentTypeParsers();
    child.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
      const raw = body as Buffer;
      req.rawBody = raw;
      done(null, r.parse(raw, String(req.headers['content-type'] ?? '')));
    });
    child.post(`${r.path}/:sourceId`, opts, r.handler((request) => {
      const id = (request.params as { sourceId?: unknown }).sourceId;
      return r.sources.find((s) => s.id === id);
    }));
    child.post(r.path, opts, r.handler(() => single));
  });
}
