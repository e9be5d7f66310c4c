/**
 * The HTTP server factory. Routes come from an explicit list of route plugins
 * (`src/server/routes/index.ts`): a feature adds its plugin to that list, nothing else.
 *
 * What every route gets for free:
 * - a body limit (`server.bodyLimitBytes`, 1 MiB by default; webhook routes opt into
 *   `webhookRouteOptions(deps)` for `server.webhookBodyLimitBytes`);
 * - JSON and form bodies parsed from raw bytes that stay available as `request.rawBody`, so
 *   webhook signatures (Slack, GitHub, Jira) are verified over exactly what was sent;
 * - errors as `{ "error": { "code", "message" } }` with the status of the code (401, 403, 404, 409,
 *   413, 422, 429, 503…): a `TokenradiusError` keeps its own (safe) message, anything else says
 *   only its catalogue summary — a response never echoes the request or a third-party message;
 * - one access-log line per request (method, route pattern, status, time; never the URL's query).
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type RouteShorthandOptions } from 'fastify';
import { ERROR_CATALOGUE, TokenradiusError, type ErrorCode } from '../core/errors.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../observe/logger.js';
import type { Metrics } from '../observe/metrics.js';
import { safeError, createScrubber } from '../observe/scrub.js';
import type { Ingress } from '../pipeline/stages.js';
import type { FindingStore } from '../store/types.js';
import type { SealingKey } from '../core/secrets.js';
import type { ActDeps } from '../act/engine.js';
import type { ServerOptions } from './options.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body exactly as received (JSON and form bodies), for signature checks. */
    rawBody?: Buffer;
  }
}

/** A dependency `/readyz` checks: throws (ideally a TokenradiusError) when not ready. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<unknown>;
}

/** What route plugins receive. Members are optional where a deployment may lack them. */
export interface ServerDeps {
  logger: Logger;
  metrics: Metrics;
  options: ServerOptions;
  readiness: ReadinessCheck[];
  config?: Config;
  /** The findings store (review API, dedupe of webhook deliveries). */
  store?: FindingStore;
  /** Where webhook routes hand chunks and poll requests (BullMQ or inline). */
  ingress?: Ingress;
  /** The loaded config's environment snapshot (`LoadedConfig.env`): webhook signing secrets named by `*Env` keys. */
  env?: Readonly<Record<string, string>>;
  /** The sealing key: console sessions are sealed with it; revocations and liveness re-checks open sealed tokens. */
  sealingKey?: SealingKey;
  /** The act stage's dependencies (revokers, sinks, policy) for revoke-now / approve / reject; built from `config` when absent. */
  act?: ActDeps;
}

export interface RoutePlugin {
  /** kebab-case id, for logs. */
  id: string;
  register(app: FastifyInstance, deps: ServerDeps): void | Promise<void>;
}

/** Route options for a webhook endpoint: the larger webhook body limit. */
export function webhookRouteOptions(deps: Pick<ServerDeps, 'options'>): RouteShorthandOptions {
  return { bodyLimit: deps.options.webhookBodyLimitBytes };
}

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  USAGE: 400,
  INPUT_MALFORMED: 400,
  JWT_MALFORMED: 400,
  INPUT_NOT_FOUND: 404,
  INPUT_TOO_LARGE: 413,
  PAYLOAD_INVALID: 422,
  SIGNATURE_INVALID: 401,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UPSTREAM_RATE_LIMITED: 429,
  STORE_UNAVAILABLE: 503,
  QUEUE_UNAVAILABLE: 503,
  STORE_READ_ONLY: 503,
  UPSTREAM_UNAVAILABLE: 502,
  UPSTREAM_INVALID_RESPONSE: 502,
};

export function statusForCode(code: ErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500;
}

/** Map Fastify's own errors (parser, limits) to catalogue codes. */
function fromFastifyError(err: { statusCode?: number; code?: string }): TokenradiusError {
  const status = err.statusCode ?? 500;
  if (status === 413) return new TokenradiusError('INPUT_TOO_LARGE', 'request body is too large');
  if (status === 415) return new TokenradiusError('INPUT_MALFORMED', 'unsupported content type');
  if (err.code === 'FST_ERR_VALIDATION') return new TokenradiusError('PAYLOAD_INVALID', 'request failed validation');
  if (status >= 400 && status < 500) return new TokenradiusError('INPUT_MALFORMED', 'request is malformed');
  return new TokenradiusError('INTERNAL', ERROR_CATALOGUE.INTERNAL.summary);
}

export function sendError(reply: FastifyReply, err: TokenradiusError): FastifyReply {
  const status = statusForCode(err.code);
  const message = status >= 500 && err.code === 'INTERNAL' ? ERROR_CATALOGUE.INTERNAL.summary : err.message;
  if (typeof err.retry === 'object') reply.header('retry-after', String(Math.ceil(err.retry.afterMs / 1000)));
  return reply.status(status).type('application/json; charset=utf-8').send({ error: { code: err.code, message } });
}

export async function buildServer(deps: ServerDeps, opts: { routes: readonly RoutePlugin[] }): Promise<FastifyInstance> {
  const scrub = createScrubber();
  const app = Fastify({
    logger: false,
    bodyLimit: deps.options.bodyLimitBytes,
    trustProxy: deps.options.trustProxy,
    // Returning 503 while closing tells load balancers to move on.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  // Raw bytes first, then parse: signatures are checked over the raw body.
  app.removeContentTypeParser(['application/json']);
  const jsonParser = app.getDefaultJsonParser('error', 'ignore');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const raw = body as Buffer;
    req.rawBody = raw;
    if (raw.length === 0) return done(null, undefined);
    jsonParser(req, raw.toString('utf8'), (err, value) => {
      if (err) return done(new TokenradiusError('INPUT_MALFORMED', 'request body is not valid JSON'), undefined);
      done(null, value);
    });
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (req, body, done) => {
    const raw = body as Buffer;
    req.rawBody = raw;
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) out[k] = v;
    done(null, out);
  });

  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const err = error instanceof TokenradiusError ? error : fromFastifyError(error as { statusCode?: number; code?: string });
    const status = statusForCode(err.code);
    if (status >= 500) deps.logger.error({ route: request.routeOptions.url, err: safeError(error, scrub) }, 'request failed');
    return sendError(reply, err);
  });
  app.setNotFoundHandler((_request, reply) => sendError(reply, new TokenradiusError('NOT_FOUND', 'no such route')));

  app.addHook('onResponse', async (request, reply) => {
    deps.logger.info(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'http request',
    );
  });

  for (const plugin of opts.routes) {
    await plugin.register(app, deps);
  }
  return app;
}
