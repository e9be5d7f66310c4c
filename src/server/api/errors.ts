/**
 * Error bodies of the REST API: `{ "error": { "code", "message", "issues"? } }` — the shape every
 * route of the server uses (`sendError` in ../app.ts), plus the validation `issues` (path, code,
 * message) for 400 / 422. Nothing a client sent is echoed: zod messages state what was expected,
 * never what was received, and paths / unknown-key names pass through the token scrubber and are
 * cut short.
 */
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { TokenradiusError } from '../../core/errors.js';
import { fallbackScrub } from '../../observe/scrub.js';
import { sendError, statusForCode } from '../app.js';
import type { ErrorBody } from './schemas.js';

export interface ErrorIssue {
  path: string;
  code: string;
  message: string;
}

const MAX_ISSUES = 20;

function clean(text: string, max: number): string {
  const t = fallbackScrub(text);
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/** Safe issue list from a zod error: path, code and a message that names no received value. */
export function issuesOf(error: z.ZodError): ErrorIssue[] {
  return error.issues.slice(0, MAX_ISSUES).map((i) => {
    const path = clean(i.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '['), 120) || '(root)';
    let message: string;
    if (i.code === 'unrecognized_keys') {
      // The keys are the client's own text: name them only when they look like parameter names.
      const keys = (i as { keys?: string[] }).keys ?? [];
      const named = keys.filter((k) => /^[A-Za-z0-9_.-]{1,40}$/.test(k) && fallbackScrub(k) === k);
      message = named.length === keys.length ? `unknown ${keys.length === 1 ? 'key' : 'keys'}: ${named.join(', ')}` : 'unknown keys';
    } else {
      message = clean(i.message, 300);
    }
    return { path, code: i.code, message };
  });
}

/** 400 (`INPUT_MALFORMED`) for a bad path or query, 422 (`PAYLOAD_INVALID`) for a bad body. */
export function validationError(where: 'params' | 'query' | 'body', error: z.ZodError): TokenradiusError {
  const what = where === 'params' ? 'path parameters are' : where === 'query' ? 'query parameters are' : 'request body is';
  return new TokenradiusError(where === 'body' ? 'PAYLOAD_INVALID' : 'INPUT_MALFORMED', `the ${what} invalid`, { details: { issues: issuesOf(error) } });
}

function detailIssues(err: TokenradiusError): ErrorIssue[] | undefined {
  const raw = err.details.issues;
  if (!Array.isArray(raw)) return undefined;
  const out: ErrorIssue[] = [];
  for (const i of raw.slice(0, MAX_ISSUES)) {
    if (typeof i !== 'object' || i === null) continue;
    const o = i as Record<string, unknown>;
    const path = typeof o.path === 'string' ? clean(o.path, 120) : '';
    const code = typeof o.code === 'string' ? clean(o.code, 60) : 'invalid';
    const message = typeof o.message === 'string' ? clean(o.message, 300) : code;
    out.push({ path: path || '(root)', code, message });
  }
  return out.length > 0 ? out : undefined;
}

/** Send an API error: the server's standard body, with validation issues and 401's WWW-Authenticate. */
export function sendApiError(reply: FastifyReply, err: TokenradiusError): FastifyReply {
  const status = statusForCode(err.code);
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="tokenradius"');
  const issues = status === 400 || status === 422 ? detailIssues(err) : undefined;
  if (!issues) return sendError(reply, err);
  if (typeof err.retry === 'object') reply.header('retry-after', String(Math.ceil(err.retry.afterMs / 1000)));
  const body: ErrorBody = { error: { code: err.code, message: err.message, issues } };
  return reply.status(status).type('application/json; charset=utf-8').send(body);
}
