/**
 * The web console under `/console` (and `/` → `/console/`): server-rendered pages, forms that post
 * back (each with the session's CSRF token), one stylesheet and one small script from this origin.
 *
 * Every console response carries a strict Content-Security-Policy (no inline script or style, no
 * framing, forms only to this origin), `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`,
 * `X-Content-Type-Options: nosniff` and `Cache-Control: no-store` (pages hold finding data).
 *
 * Sign-in: `POST /console/login` with an API key (rate-limited per IP and key id) sets the session
 * cookie (HttpOnly, SameSite=Strict, Secure over https). The login form itself is protected by a
 * double-submit token in a short-lived cookie (no one can sign a victim in to their own session).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ERROR_CATALOGUE, TokenradiusError } from '../../core/errors.js';
import { createScrubber, safeError } from '../../observe/scrub.js';
import type { FindingRecord } from '../../store/types.js';
import type { RoutePlugin, ServerDeps } from '../app.js';
import { statusForCode } from '../app.js';
import { reviewContext, type ReviewContext } from '../api/context.js';
import { ListFindingsQuerySchema, normalizeQuery, FingerprintSchema, ActionIdParamsSchema, KeyIdParamsSchema, CreateKeyBodySchema } from '../api/schemas.js';
import type { TransitionVerb } from '../api/review.js';
import { authorize, type Principal } from '../auth/principal.js';
import { CSRF_FIELD, safeEqual } from '../auth/authenticate.js';
import { clearCookie, cookieName, parseCookies, serializeCookie } from '../auth/cookies.js';
import { ASSETS } from '../console/assets.js';
import { CONSOLE_PREFIX } from '../console/layout.js';
import { approvalsPage } from '../console/pages/approvals.js';
import { dashboardPage } from '../console/pages/dashboard.js';
import { errorPage } from '../console/pages/error.js';
import { doneFlash, findingPage, type Flash } from '../console/pages/finding.js';
import { findingsPage } from '../console/pages/findings.js';
import { keysPage } from '../console/pages/keys.js';
import { loginPage } from '../console/pages/login.js';
import { welcomePage } from '../console/pages/welcome.js';

export const CONSOLE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), clipboard-write=(self)',
};

const LOGIN_COOKIE = 'tr_login';
const LOGIN_COOKIE_TTL = 3600;

const TRANSITIONS: ReadonlySet<string> = new Set<TransitionVerb>(['acknowledge', 'assign', 'false-positive', 'resolve', 'reopen']);
const FINDING_VERBS: ReadonlySet<string> = new Set([...TRANSITIONS, 'revoke', 'recheck']);

/** Form fields the console posts (a url-encoded body arrives as strings). */
const FormSchema = z
  .object({
    [CSRF_FIELD]: z.string().max(200).optional(),
    reason: z.string().max(2000).optional(),
    assignee: z.string().max(200).optional(),
    back: z.string().max(500).optional(),
    label: z.string().max(200).optional(),
    role: z.string().max(20).optional(),
    key: z.string().max(512).optional(),
    next: z.string().max(500).optional(),
  })
  .loose();
type Form = z.infer<typeof FormSchema>;

/** A same-console path to go back to after signing in or acting; anything else → the dashboard. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string') return `${CONSOLE_PREFIX}/`;
  if (!/^\/console(?:[/?][^\s\\]*)?$/.test(next) || next.startsWith('//')) return `${CONSOLE_PREFIX}/`;
  return next;
}

function form(request: FastifyRequest): Form {
  const r = FormSchema.safeParse(request.body ?? {});
  if (!r.success) throw new TokenradiusError('PAYLOAD_INVALID', 'the form is invalid');
  return r.data;
}

function html(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(body);
}

function need(ctx: ReviewContext | null): ReviewContext {
  if (!ctx) throw new TokenradiusError('STORE_UNAVAILABLE', 'this server has no findings store');
  return ctx;
}

async function pending(ctx: ReviewContext, p: Principal): Promise<number> {
  return (await ctx.review.listApprovals(p)).length;
}

export const consoleRoutes: RoutePlugin = {
  id: 'console',
  async register(app, deps: ServerDeps) {
    const scrub = createScrubber();

    app.get('/', async (_request, reply) => reply.redirect(`${CONSOLE_PREFIX}/`, 302));

    await app.register(
      async (child) => {
        child.addHook('onSend', async (request, reply, payload) => {
          for (const [k, v] of Object.entries(CONSOLE_HEADERS)) if (!reply.hasHeader(k)) reply.header(k, v);
          if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
          return payload;
        });

        /** The caller, or: a redirect to sign in (GET) / 401 (POST). */
        async function signedIn(request: FastifyRequest, reply: FastifyReply): Promise<{ ctx: ReviewContext; p: Principal } | null> {
          const ctx = need(reviewContext(deps));
          const p = await ctx.auth.authenticate(request);
          if (!p) {
            if (request.method === 'GET' || request.method === 'HEAD') {
              const next = safeNext(request.url);
              await reply.redirect(`${CONSOLE_PREFIX}/login${next === `${CONSOLE_PREFIX}/` ? '' : `?next=${encodeURIComponent(next)}`}`, 303);
              return null;
            }
            throw new TokenradiusError('UNAUTHENTICATED', 'your session has ended: sign in again');
          }
          return { ctx, p: authorize(p, 'read') };
        }

        child.setErrorHandler(async (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
          let err: TokenradiusError;
          if (error instanceof TokenradiusError) err = error;
          else {
            const status = (error as { statusCode?: number }).statusCode ?? 500;
            err =
              status === 413
                ? new TokenradiusError('INPUT_TOO_LARGE', 'the form is too large')
                : status >= 400 && status < 500
                  ? new TokenradiusError('INPUT_MALFORMED', 'the request is malformed')
                  : new TokenradiusError('INTERNAL', ERROR_CATALOGUE.INTERNAL.summary);
          }
          const status = statusForCode(err.code);
          if (status >= 500) deps.logger.error({ route: request.routeOptions.url, err: safeError(error, scrub) }, 'console request failed');
          if (typeof err.retry === 'object') reply.header('retry-after', String(Math.ceil(err.retry.afterMs / 1000)));
          const message = status >= 500 && err.code === 'INTERNAL' ? ERROR_CATALOGUE.INTERNAL.summary : err.message;
          let principal: Principal | undefined;
          try {
            principal = status === 401 ? undefined : await reviewContext(deps)?.auth.authenticate(request);
          } catch {
            principal = undefined;
          }
          return html(reply, errorPage({ status, code: err.code, message, principal }), status);
        });
        child.setNotFoundHandler(async (request, reply) => {
          return html(reply, errorPage({ status: 404, code: 'NOT_FOUND', message: 'There is no such page.' }), 404);
        });

        // ------------------------------------------------------------------ assets
        child.get('/assets/:name', async (request, reply) => {
          const name = (request.params as { name?: string }).name ?? '';
          const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
          if (!asset) throw new TokenradiusError('NOT_FOUND', 'no such asset');
          reply.header('etag', asset.etag).header('cache-control', 'public, max-age=3600');
          if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
          return reply.type(asset.type).send(asset.body);
        });

        // ------------------------------------------------------------------ sign in / out
        child.get('/login', async (request, reply) => {
          const ctx = need(reviewContext(deps));
          const secure = ctx.auth.secure(request);
          const name = cookieName(LOGIN_COOKIE, secure);
          let token = parseCookies(request.headers.cookie).get(name);
          if (!token || !/^[A-Za-z0-9_-]{32}$/.test(token)) {
            token = randomBytes(24).toString('base64url');
            reply.header('set-cookie', serializeCookie(name, token, { secure, maxAgeSeconds: LOGIN_COOKIE_TTL }));
          }
          const q = request.query as { next?: unknown; signedOut?: unknown };
          const next = typeof q.next === 'string' ? safeNext(q.next) : undefined;
          return html(reply, loginPage({ csrf: token, ...(next ? { next } : {}), ...(q.signedOut !== undefined ? { status: 'signed-out' as const } : {}) }));
        });

        child.post('/login', async (request, reply) => {
          const ctx = need(reviewContext(deps));
          const f = form(request);
          const secure = ctx.auth.secure(request);
          const name = cookieName(LOGIN_COOKIE, secure);
          const expected = parseCookies(request.headers.cookie).get(name);
          if (!expected || !safeEqual(f[CSRF_FIELD] ?? '', expected)) {
            throw new TokenradiusError('FORBIDDEN', 'the sign-in form expired or came from another site: reload the page and try again');
          }
          const next = safeNext(f.next);
          try {
            const r = await ctx.auth.login(request, f.key ?? '');
            reply.header('set-cookie', [r.setCookie, clearCookie(name, { secure })]);
            return reply.redirect(next, 303);
          } catch (e) {
            if (e instanceof TokenradiusError && e.code === 'UNAUTHENTICATED') {
              reply.header('www-authenticate', 'FormBased');
              return html(reply, loginPage({ csrf: expected, next, error: e.message }), 401);
            }
            throw e;
          }
        });

        child.post('/logout', async (request, reply) => {
          const ctx = need(reviewContext(deps));
          const p = await ctx.auth.authenticate(request);
          if (p) ctx.auth.checkCsrf(request, p, form(request)[CSRF_FIELD]);
          reply.header('set-cookie', ctx.auth.logout(request, p));
          return reply.redirect(`${CONSOLE_PREFIX}/login?signedOut=1`, 303);
        });

        // ------------------------------------------------------------------ pages
        child.get('/', async (request, reply) => {
          const s = await signedIn(request, reply);
          if (!s) return reply;
          const stats = await s.ctx.review.stats(s.p, 30);
          const total = Object.values(stats.byStatus).reduce((a, b) => a + b, 0);
          return html(reply, dashboardPage({ principal: s.p, stats, pendingApprovals: await pending(s.ctx, s.p), totalFindings: total }));
        });

        child.get('/welcome', async (request, reply) => {
          const s = await signedIn(request, reply);
          if (!s) return reply;
          const first = await s.ctx.review.listFindings(s.p, { limit: 1 });
          return html(reply, welcomePage({ principal: s.p, pendingApprovals: await pending(s.ctx, s.p), empty: first.items.length === 0 }));
        });

        child.get('/findings', async (request, reply) => {
          const s = await signedIn(request, reply);
          if (!s) return reply;
          const raw = Object.fromEntries(Object.entries(normalizeQuery(request.query)).filter(([, v]) => v !== '' && !(Array.isArray(v) && v.length === 0)));
          const parsed = ListFindingsQuerySchema.safeParse(raw);
          if (!parsed.success) throw new TokenradiusError('INPUT_MALFORMED', 'those filters are not valid');
          const filters = parsed.data;
          const pageOf = await s.ctx.review.listFindings(s.p, filters);
          const stats = await s.ctx.review.stats(s.p, 1);
          const sources = [...new Set([...Object.keys(stats.open.bySource), ...(filters.source ?? [])])].sort();
          return html(reply, findingsPage({ principal: s.p, filters, page: pageOf, sources, pendingApprovals: await pending(s.ctx, s.p), first: !filters.cursor }));
        });

        async function renderFinding(ctx: ReviewContext, p: Principal, fp: string, flash: Flash | undefined): Promise<string> {
          const [detail, labels, approvals] = await Promise.all([ctx.review.getFinding(p, fp), ctx.review.keyLabels(p), pending(ctx, p)]);
          return findingPage({ principal: p, ...detail, labels, flash, pendingApprovals: approvals });
        }

        function fingerprintParam(request: FastifyRequest): string {
          const r = FingerprintSchema.safeParse((request.params as { fingerprint?: unknown }).fingerprint);
          if (!r.success) throw new TokenradiusError('NOT_FOUND', 'no finding with this fingerprint');
          return r.data;
        }

        child.get('/findings/:fingerprint', async (request, reply) => {
          const s = await signedIn(request, reply);
          if (!s) return reply;
          const fp = fingerprintParam(request);
          const done = (request.query as { done?: unknown }).done;
          return html(reply, await renderFinding(s.ctx, s.p, fp, doneFlash(typeof done === 'string' ? done : undefined)));
        });

        child.post('/findings/:fingerprint/:verb', async (request, reply) => {
          const s = await signedIn(request, reply);
          if (!s) return reply;
          const fp = fingerprintParam(request);
          const verb = (request.params as { verb?: string }).verb ?? '';
          if (!FINDING_VERBS.has(verb)) throw new TokenradiusError('NOT_FOUND', 'no such action');
          const f = form(request);
          s.ctx.auth.checkCsrf(request, s.p, f[CSRF_FIELD]);
          try {
            if (TRANSITIONS.has(verb)) {
              const assignee = f.assignee?.trim() ? f.assignee.trim() : null;
              await s.ctx.review.transition(s.p, fp, verb as TransitionVerb, { reason: f.reason, assignee });
            } else if (verb === 'revoke') {
              await s.ctx.review.revokeNow(s.p, fp, f.reason);
            } else {
              await s.ctx.review.recheck(s.p, fp);
            }
          } catch (e) {
            // Show the finding again with what went wrong (409 not possible now, 422 missing reason…).
            if (e instanceof TokenradiusError && ['CONFLICT', 'PAYLOAD_INVALID', 'FORBIDDEN'].includes(e.code)) {
              return html(reply, await renderFinding(s.ctx, s.p, fp, { kind: 'error', text: e.message }), statusForCode(e.code));
            }
            throw e;
          }
          return reply.redirect(`${CONSOLE_PREFIX}/findings/${fp}?done=${verb}`, 303);
        });

        child.get('/approvals', async (request, reply) => {
          const s = await signedIn(request, reply);
          if (!s) return reply;
          const actions = (await s.ctx.review.listApprovals(s.p)).slice(0, 200);
          const items: Array<{ action: (typeof actions)[number]; finding: FindingRecord | null }> = [];
          for (const a of actions) items.push({ action: a, finding: await s.ctx.review.findingRecord(s.p, a.fingerprint) });
          const done = (request.query as { done?: unknown }).done;
          const labels = await s.ctx.review.keyLabels(s.p);
          return html(reply, approvalsPage({ principal: s.p, items, labels, flash: doneFlash(typeof done === 'string' ? done : undefined) }));
        });

        child.post('/actions/:id/:decision', async (request, reply) => {
          const s = await signedIn(request, reply);
          if (!s) return reply;
          const params = request.params as { id?: string; decision?: string };
          const id = ActionIdParamsSchema.safeParse({ id: params.id });
          if (!id.success || (params.decision !== 'approve' && params.decision !== 'reject')) throw new TokenradiusError('NOT_FOUND', 'no such action');
          const f = form(request);
          s.ctx.auth.checkCsrf(request, s.p, f[CSRF_FIELD]);
          const back = safeNext(f.back ?? `${CONSOLE_PREFIX}/approvals`);
          try {
            await s.ctx.review.decide(s.p, id.data.id, params.decision, f.reason);
          } catch (e) {
            if (e instanceof TokenradiusError && statusForCode(e.code) < 500 && e.code !== 'UNAUTHENTICATED') {
              return html(reply, errorPage({ status: statusForCode(e.code), code: e.code, message: e.message, principal: s.p, back }), statusForCode(e.code));
            }
            throw e;
          }
          return reply.redirect(`${back}${back.includes('?') ? '&' : '?'}done=${params.decision}`, 303);
        });

        child.get('/keys', async (request, reply) => {
          const s = await signedIn(request, reply);
          if (!s) return reply;
          const keys = await s.ctx.review.listKeys(s.p);
          const done = (request.query as { done?: unknown }).done;
          const flash: Flash | undefined = done === 'revoked' ? { kind: 'success', text: 'Key revoked: its sessions have ended.' } : undefined;
          return html(reply, keysPage({ principal: s.p, keys, flash, pendingApprovals: await pending(s.ctx, s.p) }));
        });

        child.post('/keys', async (request, reply) => {
          const s = await signedIn(request, reply);
          if (!s) return reply;
          const f = form(request);
          s.ctx.auth.checkCsrf(request, s.p, f[CSRF_FIELD]);
          authorize(s.p, 'admin');
          const input = CreateKeyBodySchema.safeParse({ role: f.role, label: f.label?.trim() });
          if (!input.success) {
            const keys = await s.ctx.review.listKeys(s.p);
            return html(reply, keysPage({ principal: s.p, keys, flash: { kind: 'error', text: 'Give a label and a role (viewer, responder or admin).' }, pendingApprovals: await pending(s.ctx, s.p) }), 422);
          }
          const created = await s.ctx.review.createKey(s.p, input.data);
          const keys = await s.ctx.review.listKeys(s.p);
          return html(reply, keysPage({ principal: s.p, keys, created, pendingApprovals: await pending(s.ctx, s.p) }), 201);
        });

        child.post('/keys/:id/revoke', async (request, reply) => {
          const s = await signedIn(request, reply);
          if (!s) return reply;
          const id = KeyIdParamsSchema.safeParse(request.params);
          if (!id.success) throw new TokenradiusError('NOT_FOUND', 'no API key with this id');
          const f = form(request);
          s.ctx.auth.checkCsrf(request, s.p, f[CSRF_FIELD]);
          try {
            await s.ctx.review.revokeKey(s.p, id.data.id);
          } catch (e) {
            if (e instanceof TokenradiusError && e.code === 'CONFLICT') {
              const keys = await s.ctx.review.listKeys(s.p);
              return html(reply, keysPage({ principal: s.p, keys, flash: { kind: 'error', text: e.message }, pendingApprovals: await pending(s.ctx, s.p) }), 409);
            }
            throw e;
          }
          if (id.data.id === s.p.keyId) {
            reply.header('set-cookie', s.ctx.auth.logout(request, s.p));
            return reply.redirect(`${CONSOLE_PREFIX}/login?signedOut=1`, 303);
          }
          return reply.redirect(`${CONSOLE_PREFIX}/keys?done=revoked`, 303);
        });
      },
      { prefix: CONSOLE_PREFIX },
    );
  },
};
