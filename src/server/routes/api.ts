/**
 * The REST API (`/api/v1/*`, table in `src/server/api/routes.ts`) and its OpenAPI document
 * (`/api/openapi.json`). Registered in an encapsulated context with its own error handler (the
 * standard error body plus validation issues) and security headers; nothing here touches webhook
 * routes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ERROR_CATALOGUE, TokenradiusError } from '../../core/errors.js';
import { createScrubber, safeError } from '../../observe/scrub.js';
import type { RoutePlugin, ServerDeps } from '../app.js';
import { reviewContext } from '../api/context.js';
import { sendApiError, validationError } from '../api/errors.js';
import { buildOpenApiDocument } from '../api/openapi.js';
import { API_PREFIX, apiRoutes, type ApiRoute } from '../api/routes.js';
import { normalizeQuery } from '../api/schemas.js';
import { authorize } from '../auth/principal.js';
import { version } from '../../cli/version.js';

const EMPTY = z.object({}).strict();

export const API_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

function toTyped(error: unknown): TokenradiusError {
  if (error instanceof TokenradiusError) return error;
  const e = error as { statusCode?: number; code?: string };
  const status = e.statusCode ?? 500;
  if (status === 413) return new TokenradiusError('INPUT_TOO_LARGE', 'request body is too large');
  if (status === 415) return new TokenradiusError('INPUT_MALFORMED', 'unsupported content type: send application/json');
  if (status >= 400 && status < 500) return new TokenradiusError('INPUT_MALFORMED', 'request is malformed');
  return new TokenradiusError('INTERNAL', ERROR_CATALOGUE.INTERNAL.summary);
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: 'params' | 'query' | 'body'): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(where, r.error);
  return r.data;
}

function handlerFor(r: ApiRoute, deps: ServerDeps) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const ctx = reviewContext(deps);
    if (!ctx) throw new TokenradiusError('STORE_UNAVAILABLE', 'this server has no findings store');
    const principal = authorize(await ctx.auth.authenticate(request), r.permission);
    if (r.method !== 'GET') ctx.auth.checkCsrf(request, principal, undefined);
    const params = parseWith(r.params ?? EMPTY, request.params ?? {}, 'params');
    const query = parseWith(r.query ?? EMPTY, normalizeQuery(request.query), 'query');
    let body: unknown;
    if (r.body) {
      const raw = request.body === undefined || request.body === null ? (r.bodyOptional ? {} : undefined) : request.body;
      body = parseWith(r.body, raw, 'body');
    }
    const result = await r.handler({ principal, params, query, body, review: ctx.review, request, reply });
    const out = r.response.safeParse(result);
    if (!out.success) {
      // A bug of ours, not the client's: log where (paths only), answer 500.
      deps.logger.error({ route: r.operationId, issues: out.error.issues.slice(0, 5).map((i) => ({ path: i.path.map(String).join('.'), code: i.code })) }, 'API response failed its schema');
      throw new TokenradiusError('INTERNAL', ERROR_CATALOGUE.INTERNAL.summary);
    }
    return reply.status(r.status).type('application/json; charset=utf-8').send(out.data);
  };
}

export const apiRoutesPlugin: RoutePlugin = {
  id: 'review-api',
  async register(app, deps) {
    const scrub = createScrubber();
    let openapi: string | undefined;
    await app.register(async (child) => {
      child.addHook('onSend', async (_request, reply, payload) => {
        for (const [k, v] of Object.entries(API_HEADERS)) if (!reply.hasHeader(k)) reply.header(k, v);
        return payload;
      });
      child.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
        const err = toTyped(error);
        if (err.code === 'INTERNAL' || err.code === 'STORE_UNAVAILABLE') {
          deps.logger.error({ route: request.routeOptions.url, err: safeError(error, scrub) }, 'API request failed');
        }
        return sendApiError(reply, err);
      });

      for (const r of apiRoutes) {
        child.route({ method: r.method, url: `${API_PREFIX}${r.path}`, handler: handlerFor(r, deps) });
      }
      child.get('/api/openapi.json', async (_request, reply) => {
        openapi ??= JSON.stringify(buildOpenApiDocument({ version: version() }));
        return reply.header('cache-control', 'public, max-age=300').type('application/json; charset=utf-8').send(openapi);
      });
    });
  },
};
