/**
 * The REST API as one table: every route's method, path, required role, request schemas (path
 * parameters, query, body), response schema and documented error statuses, next to its handler.
 * `src/server/routes/api.ts` registers exactly these routes and validates with exactly these
 * schemas; `openapi.ts` documents exactly these. Adding a route here adds it everywhere.
 *
 * Order of checks on every route: authenticate (401) → role (403) → CSRF for console sessions (403)
 * → path / query validation (400) → body validation (422) → the operation (404, 409, …) → response
 * validation (the response is parsed by its schema, so no undeclared field ever leaves).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Permission, Principal } from '../auth/principal.js';
import type { ReviewService, TransitionVerb } from './review.js';
import {
  ActionIdParamsSchema,
  ActionPageSchema,
  ApiKeyListSchema,
  ApiKeyResponseSchema,
  AssignBodySchema,
  AuditPageSchema,
  AuditQuerySchema,
  CreateKeyBodySchema,
  CreatedApiKeySchema,
  DecisionResponseSchema,
  EmptyBodySchema,
  FalsePositiveBodySchema,
  FindingDetailSchema,
  FindingPageSchema,
  FindingResponseSchema,
  FingerprintParamsSchema,
  KeyIdParamsSchema,
  ListActionsQuerySchema,
  ListFindingsQuerySchema,
  MeSchema,
  OccurrencePageSchema,
  PageQuerySchema,
  ReasonBodySchema,
  RecheckResponseSchema,
  RevokeResponseSchema,
  StatsQuerySchema,
  StatsSchema,
} from './schemas.js';

export const API_PREFIX = '/api/v1';

export interface ApiContext<P, Q, B> {
  principal: Principal;
  params: P;
  query: Q;
  body: B;
  review: ReviewService;
  request: FastifyRequest;
  reply: FastifyReply;
}

type Obj = z.ZodObject<z.ZodRawShape>;

export interface ApiRoute {
  operationId: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Fastify path (`:param`), under `API_PREFIX`. */
  path: string;
  tag: 'findings' | 'revocations' | 'stats' | 'audit' | 'keys' | 'session';
  summary: string;
  description?: string;
  permission: Permission;
  params?: Obj;
  query?: Obj;
  body?: z.ZodType;
  /** Whether the body may be omitted entirely (treated as `{}`). */
  bodyOptional?: boolean;
  response: z.ZodType;
  status: 200 | 201;
  /** Error statuses besides 401 (every route) and 500. */
  errors: readonly number[];
  handler(ctx: ApiContext<unknown, unknown, unknown>): Promise<unknown>;
}

/** Typed definition helper: the handler sees the parsed types of its own schemas. */
function route<P extends Obj = z.ZodObject<{}>, Q extends Obj = z.ZodObject<{}>, B extends z.ZodType = z.ZodUndefined, R extends z.ZodType = z.ZodType>(r: {
  operationId: string;
  method: ApiRoute['method'];
  path: string;
  tag: ApiRoute['tag'];
  summary: string;
  description?: string;
  permission: Permission;
  params?: P;
  query?: Q;
  body?: B;
  bodyOptional?: boolean;
  response: R;
  status?: 200 | 201;
  errors?: readonly number[];
  handler(ctx: ApiContext<z.infer<P>, z.infer<Q>, z.infer<B>>): Promise<z.input<R>>;
}): ApiRoute {
  return {
    ...r,
    status: r.status ?? 200,
    errors: r.errors ?? [],
    handler: r.handler as ApiRoute['handler'],
  } as ApiRoute;
}

/** The five status transitions share one shape. */
function transitionRoute(verb: TransitionVerb, o: { operationId: string; summary: string; description: string; body: z.ZodType; bodyOptional: boolean }): ApiRoute {
  return route({
    operationId: o.operationId,
    method: 'POST',
    path: `/findings/:fingerprint/${verb}`,
    tag: 'findings',
    summary: o.summary,
    description: o.description,
    permission: 'act',
    params: FingerprintParamsSchema,
    body: o.body as z.ZodType<{ reason?: string; assignee?: string | null }>,
    bodyOptional: o.bodyOptional,
    response: FindingResponseSchema,
    errors: [400, 403, 404, 409, 422],
    handler: async ({ principal, params, body, review }) => {
      const b = (body ?? {}) as { reason?: string; assignee?: string | null };
      return { finding: await review.transition(principal, params.fingerprint, verb, b) };
    },
  });
}

export const apiRoutes: readonly ApiRoute[] = [
  route({
    operationId: 'getMe',
    method: 'GET',
    path: '/me',
    tag: 'session',
    summary: 'Who am I: the calling key, its role and permissions',
    permission: 'read',
    response: MeSchema,
    handler: async ({ principal, review }) => review.me(principal),
  }),
  route({
    operationId: 'listFindings',
    method: 'GET',
    path: '/findings',
    tag: 'findings',
    summary: 'List findings: filter, sort, paginate',
    description:
      'Filters combine with AND, the values of one filter with OR. List filters take repeated parameters or one comma-separated value. ' +
      'Pass `nextCursor` back as `cursor` for the next page; a page never repeats or skips a finding that existed when paging started.',
    permission: 'read',
    query: ListFindingsQuerySchema,
    response: FindingPageSchema,
    errors: [400, 422],
    handler: async ({ principal, query, review }) => review.listFindings(principal, query),
  }),
  route({
    operationId: 'getFinding',
    method: 'GET',
    path: '/findings/:fingerprint',
    tag: 'findings',
    summary: 'A finding: profile, masked claims, score factors, occurrences, actions and audit trail',
    permission: 'read',
    params: FingerprintParamsSchema,
    response: FindingDetailSchema,
    errors: [400, 404],
    handler: async ({ principal, params, review }) => review.getFinding(principal, params.fingerprint),
  }),
  route({
    operationId: 'listOccurrences',
    method: 'GET',
    path: '/findings/:fingerprint/occurrences',
    tag: 'findings',
    summary: 'Every place a finding was seen, oldest first (paginated)',
    permission: 'read',
    params: FingerprintParamsSchema,
    query: PageQuerySchema,
    response: OccurrencePageSchema,
    errors: [400, 404, 422],
    handler: async ({ principal, params, query, review }) => review.listOccurrences(principal, params.fingerprint, query),
  }),
  transitionRoute('acknowledge', {
    operationId: 'acknowledgeFinding',
    summary: 'Acknowledge a finding (open → acknowledged)',
    description: 'Audited as finding.acknowledged with the calling key.',
    body: EmptyBodySchema,
    bodyOptional: true,
  }),
  transitionRoute('assign', {
    operationId: 'assignFinding',
    summary: 'Assign a finding to someone (or unassign with null)',
    description: 'Allowed while open or acknowledged.',
    body: AssignBodySchema,
    bodyOptional: false,
  }),
  transitionRoute('false-positive', {
    operationId: 'markFalsePositive',
    summary: 'Mark a finding a false positive, with a reason',
    description: 'Suppresses this fingerprint from then on (later sightings record the place but never alert) and deletes the sealed token.',
    body: FalsePositiveBodySchema,
    bodyOptional: false,
  }),
  transitionRoute('resolve', {
    operationId: 'resolveFinding',
    summary: 'Resolve a finding (handled outside tokenradius)',
    description: 'Allowed while open or acknowledged.',
    body: ReasonBodySchema,
    bodyOptional: true,
  }),
  transitionRoute('reopen', {
    operationId: 'reopenFinding',
    summary: 'Reopen a resolved, false-positive or revoked finding',
    description: 'Lifts a false-positive suppression.',
    body: ReasonBodySchema,
    bodyOptional: true,
  }),
  route({
    operationId: 'revokeFinding',
    method: 'POST',
    path: '/findings/:fingerprint/revoke',
    tag: 'revocations',
    summary: 'Revoke now: every configured revoker that handles this token, through the approval mode',
    description:
      'With `act.approval: required` the revocations wait for approval (outcome `awaiting-approval`). 409 when the finding is revoked or a false positive, or when no configured revoker handles the token.',
    permission: 'act',
    params: FingerprintParamsSchema,
    body: ReasonBodySchema,
    bodyOptional: true,
    response: RevokeResponseSchema,
    errors: [400, 403, 404, 409, 422],
    handler: async ({ principal, params, body, review }) => ({ revocations: await review.revokeNow(principal, params.fingerprint, body?.reason) }),
  }),
  route({
    operationId: 'recheckLiveness',
    method: 'POST',
    path: '/findings/:fingerprint/recheck',
    tag: 'findings',
    summary: 'Re-check liveness now, and re-score',
    description:
      'Runs the liveness ladder again on the sealed token when one is kept (clock, JWKS signature, introspection for trusted issuers), otherwise against the clock from the stored claims.',
    permission: 'act',
    params: FingerprintParamsSchema,
    body: EmptyBodySchema,
    bodyOptional: true,
    response: RecheckResponseSchema,
    errors: [400, 403, 404, 409, 422],
    handler: async ({ principal, params, review }) => review.recheck(principal, params.fingerprint),
  }),
  route({
    operationId: 'listActions',
    method: 'GET',
    path: '/actions',
    tag: 'revocations',
    summary: 'Alerts, revocations and remediations, newest first',
    permission: 'read',
    query: ListActionsQuerySchema,
    response: ActionPageSchema,
    errors: [400, 422],
    handler: async ({ principal, query, review }) => review.listActions(principal, query),
  }),
  route({
    operationId: 'listApprovals',
    method: 'GET',
    path: '/approvals',
    tag: 'revocations',
    summary: 'Revocations awaiting approval, oldest first',
    permission: 'read',
    response: ActionPageSchema,
    handler: async ({ principal, review }) => ({ items: await review.listApprovals(principal) }),
  }),
  route({
    operationId: 'approveRevocation',
    method: 'POST',
    path: '/actions/:id/approve',
    tag: 'revocations',
    summary: 'Approve a pending revocation (it is performed now)',
    permission: 'act',
    params: ActionIdParamsSchema,
    body: ReasonBodySchema,
    bodyOptional: true,
    response: DecisionResponseSchema,
    errors: [400, 403, 404, 409, 422],
    handler: async ({ principal, params, body, review }) => review.decide(principal, params.id, 'approve', body?.reason),
  }),
  route({
    operationId: 'rejectRevocation',
    method: 'POST',
    path: '/actions/:id/reject',
    tag: 'revocations',
    summary: 'Reject a pending revocation (nothing is revoked)',
    permission: 'act',
    params: ActionIdParamsSchema,
    body: ReasonBodySchema,
    bodyOptional: true,
    response: DecisionResponseSchema,
    errors: [400, 403, 404, 409, 422],
    handler: async ({ principal, params, body, review }) => review.decide(principal, params.id, 'reject', body?.reason),
  }),
  route({
    operationId: 'getStats',
    method: 'GET',
    path: '/stats',
    tag: 'stats',
    summary: 'Open findings by severity and source, daily opened / revoked, median time to revoke',
    permission: 'read',
    query: StatsQuerySchema,
    response: StatsSchema,
    errors: [400],
    handler: async ({ principal, query, review }) => review.stats(principal, query.days),
  }),
  route({
    operationId: 'listAudit',
    method: 'GET',
    path: '/audit',
    tag: 'audit',
    summary: 'The audit log, newest first',
    permission: 'read',
    query: AuditQuerySchema,
    response: AuditPageSchema,
    errors: [400, 422],
    handler: async ({ principal, query, review }) => review.listAudit(principal, query),
  }),
  route({
    operationId: 'listApiKeys',
    method: 'GET',
    path: '/keys',
    tag: 'keys',
    summary: 'API keys (never the keys themselves)',
    permission: 'admin',
    response: ApiKeyListSchema,
    errors: [403],
    handler: async ({ principal, review }) => ({ items: await review.listKeys(principal) }),
  }),
  route({
    operationId: 'createApiKey',
    method: 'POST',
    path: '/keys',
    tag: 'keys',
    summary: 'Create an API key; the key is in this response only',
    permission: 'admin',
    body: CreateKeyBodySchema,
    response: CreatedApiKeySchema,
    status: 201,
    errors: [403, 422],
    handler: async ({ principal, body, review, reply }) => {
      const { key, ...apiKey } = await review.createKey(principal, body);
      reply.header('cache-control', 'no-store');
      return { apiKey, key };
    },
  }),
  route({
    operationId: 'revokeApiKey',
    method: 'DELETE',
    path: '/keys/:id',
    tag: 'keys',
    summary: 'Revoke an API key (idempotent); its console sessions end at once',
    description: '409 for the last active admin key.',
    permission: 'admin',
    params: KeyIdParamsSchema,
    response: ApiKeyResponseSchema,
    errors: [400, 403, 404, 409],
    handler: async ({ principal, params, review }) => ({ apiKey: await review.revokeKey(principal, params.id) }),
  }),
];
