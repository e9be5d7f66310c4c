/**
 * The review service: every operation a security team performs on findings, in one place, for both
 * the REST API and the console. Each operation takes the caller (`Principal`) first and checks its
 * permission before anything else (`authorize`), so the two front ends cannot disagree on roles.
 *
 * - Status changes go through the store's transitions (audited with the actor in the same
 *   transaction; `CONFLICT` for a transition the current status does not allow).
 * - Revocations go through the act stage's operations (`src/act/operations.ts`): revoke now follows
 *   the configured revokers and the approval mode; approving performs the revocation; rejecting
 *   records the decision. Both are audited by the store with the actor.
 * - Liveness re-checks go through `recheck.ts`.
 * - API keys: admins only; the last active admin key cannot be revoked (that would lock everyone
 *   out of key management; `tokenradius keys create` on the host can always make another).
 */
import { TokenradiusError } from '../../core/errors.js';
import { approveRevocation, rejectRevocation, requestRevocation } from '../../act/operations.js';
import type { ActDeps } from '../../act/engine.js';
import type { RevocationStatus } from '../../act/payload.js';
import type {
  Action,
  ActionStatus,
  ActionType,
  ApiKeyInfo,
  ApiKeyRole,
  AuditEntry,
  CreatedApiKey,
  FindingRecord,
  FindingStore,
  Page,
  StoredFinding,
  StoredOccurrence,
} from '../../store/types.js';
import { actorOf, authorize, permissionsOf, type Permission, type Principal } from '../auth/principal.js';
import type { RecheckResult, Rechecker } from './recheck.js';
import type { ListFindingsQuery, Stats } from './schemas.js';

/** What responders can do with a revocation: the act stage's operations (swappable in tests). */
export interface RevocationOps {
  request(fingerprint: string, actor: string): Promise<RevocationStatus[]>;
  approve(actionId: string, actor: string, reason?: string): Promise<{ action: Action; status: RevocationStatus }>;
  reject(actionId: string, actor: string, reason?: string): Promise<{ action: Action; status: RevocationStatus }>;
}

export function revocationOpsFrom(deps: ActDeps): RevocationOps {
  return {
    request: (fp, actor) => requestRevocation(fp, actor, deps),
    approve: (id, actor, reason) => approveRevocation(id, actor, deps, reason),
    reject: (id, actor, reason) => rejectRevocation(id, actor, deps, reason),
  };
}

export interface ReviewDeps {
  store: FindingStore;
  revocations: RevocationOps;
  rechecker: Rechecker;
  now?: () => Date;
}

export type TransitionVerb = 'acknowledge' | 'assign' | 'false-positive' | 'resolve' | 'reopen';

export interface FindingDetail {
  finding: StoredFinding;
  actions: Action[];
  audit: AuditEntry[];
}

export interface ReviewService {
  me(p: Principal | undefined): { keyId: string; role: ApiKeyRole; label: string; via: Principal['via']; permissions: Permission[] };
  listFindings(p: Principal | undefined, q: Partial<ListFindingsQuery>): Promise<Page<FindingRecord>>;
  getFinding(p: Principal | undefined, fingerprint: string): Promise<FindingDetail>;
  /** The finding without occurrences, actions or audit; null when unknown. */
  findingRecord(p: Principal | undefined, fingerprint: string): Promise<FindingRecord | null>;
  listOccurrences(p: Principal | undefined, fingerprint: string, page: { limit?: number; cursor?: string }): Promise<Page<StoredOccurrence>>;
  transition(p: Principal | undefined, fingerprint: string, verb: TransitionVerb, input: { reason?: string | undefined; assignee?: string | null }): Promise<FindingRecord>;
  revokeNow(p: Principal | undefined, fingerprint: string, reason?: string): Promise<RevocationStatus[]>;
  decide(p: Principal | undefined, actionId: string, decision: 'approve' | 'reject', reason?: string): Promise<{ action: Action; revocation: RevocationStatus }>;
  recheck(p: Principal | undefined, fingerprint: string): Promise<RecheckResult>;
  stats(p: Principal | undefined, days: number): Promise<Stats>;
  listActions(p: Principal | undefined, q: { status?: ActionStatus[]; type?: ActionType[]; fingerprint?: string; limit?: number; cursor?: string }): Promise<Page<Action>>;
  listApprovals(p: Principal | undefined): Promise<Action[]>;
  listAudit(p: Principal | undefined, q: { fingerprint?: string; actor?: string; action?: string; limit?: number; cursor?: string }): Promise<Page<AuditEntry>>;
  listKeys(p: Principal | undefined): Promise<ApiKeyInfo[]>;
  createKey(p: Principal | undefined, input: { role: ApiKeyRole; label: string }): Promise<CreatedApiKey>;
  revokeKey(p: Principal | undefined, id: string): Promise<ApiKeyInfo>;
  /** Key id → label, for showing who did what (any signed-in role). */
  keyLabels(p: Principal | undefined): Promise<Map<string, string>>;
}

const notFound = () => new TokenradiusError('NOT_FOUND', 'no finding with this fingerprint');

/** Drop undefined members (the store's strict query schemas refuse explicit undefined in places). */
function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))) as Partial<T>;
}

export function createReviewService(deps: ReviewDeps): ReviewService {
  const { store } = deps;
  const now = deps.now ?? (() => new Date());

  async function requireFinding(fp: string, occurrenceLimit = 1): Promise<StoredFinding> {
    const f = await store.getFinding(fp, { occurrenceLimit });
    if (!f) throw notFound();
    return f;
  }

  return {
    me(p) {
      const who = authorize(p, 'read');
      return { keyId: who.keyId, role: who.role, label: who.label, via: who.via, permissions: [...permissionsOf(who.role)] };
    },

    async listFindings(p, q) {
      authorize(p, 'read');
      return store.listFindings(
        defined({
          severity: q.severity,
          status: q.status,
          source: q.source,
          rule: q.rule,
          issuer: q.issuer,
          tenant: q.tenant,
          liveness: q.liveness,
          text: q.q && q.q.trim() ? q.q.trim() : undefined,
          sort: q.sort,
          order: q.order,
          limit: q.limit,
          cursor: q.cursor,
        }),
      );
    },

    async getFinding(p, fp) {
      authorize(p, 'read');
      const finding = await requireFinding(fp, 100);
      const [actions, audit] = await Promise.all([store.listActions({ fingerprint: fp, limit: 200 }), store.listAudit({ fingerprint: fp, limit: 200 })]);
      return { finding, actions: actions.items, audit: audit.items };
    },

    async findingRecord(p, fp) {
      authorize(p, 'read');
      const f = await store.getFinding(fp, { occurrenceLimit: 1 });
      if (!f) return null;
      const { occurrences: _o, ...record } = f;
      return record;
    },

    async listOccurrences(p, fp, page) {
      authorize(p, 'read');
      return store.listOccurrences(fp, defined({ limit: page.limit, cursor: page.cursor }));
    },

    async transition(p, fp, verb, input) {
      const who = authorize(p, 'act');
      const actor = actorOf(who);
      switch (verb) {
        case 'acknowledge':
          return store.acknowledge(fp, actor);
        case 'assign':
          return store.assign(fp, input.assignee ?? null, actor);
        case 'false-positive':
          if (!input.reason?.trim()) throw new TokenradiusError('PAYLOAD_INVALID', 'a reason is required to mark a false positive');
          return store.markFalsePositive(fp, input.reason.trim(), actor);
        case 'resolve':
          return store.resolve(fp, actor, input.reason?.trim() || undefined);
        case 'reopen':
          return store.reopen(fp, actor, input.reason?.trim() || undefined);
      }
    },

    async revokeNow(p, fp, reason) {
      const who = authorize(p, 'act');
      const actor = actorOf(who);
      const f = await requireFinding(fp);
      if (f.status === 'revoked' || f.status === 'false-positive') {
        throw new TokenradiusError('CONFLICT', `cannot revoke a finding that is ${f.status}`, { details: { status: f.status } });
      }
      const revocations = await deps.revocations.request(fp, actor);
      await store.appendAudit({
        actor,
        action: 'finding.revocation-requested',
        fingerprint: fp,
        details: { ...(reason?.trim() ? { reason: reason.trim() } : {}), revocations: revocations.map((r) => ({ revoker: r.revoker, outcome: r.outcome, actionId: r.actionId })) },
      });
      if (revocations.length === 0) {
        throw new TokenradiusError('CONFLICT', 'no configured revoker handles this token (configure act.revokers; see the README)', { details: { rule: f.rule } });
      }
      return revocations;
    },

    async decide(p, actionId, decision, reason) {
      const who = authorize(p, 'act');
      const actor = actorOf(who);
      const r = decision === 'approve' ? await deps.revocations.approve(actionId, actor, reason?.trim() || undefined) : await deps.revocations.reject(actionId, actor, reason?.trim() || undefined);
      return { action: r.action, revocation: r.status };
    },

    async recheck(p, fp) {
      const who = authorize(p, 'act');
      return deps.rechecker.recheck(fp, actorOf(who), now());
    },

    async stats(p, days) {
      authorize(p, 'read');
      const s = await store.stats({ now: now(), days, statuses: ['open', 'acknowledged'] });
      return {
        days,
        open: { total: s.total, bySeverity: s.bySeverity, bySource: s.bySource },
        byStatus: s.byStatus,
        series: s.series,
        medianSecondsToRevoke: s.medianSecondsToRevoke,
      };
    },

    async listActions(p, q) {
      authorize(p, 'read');
      return store.listActions(defined({ status: q.status, type: q.type, fingerprint: q.fingerprint, limit: q.limit, cursor: q.cursor }));
    },

    async listApprovals(p) {
      authorize(p, 'read');
      return store.listPendingApprovals();
    },

    async listAudit(p, q) {
      authorize(p, 'read');
      return store.listAudit(defined({ fingerprint: q.fingerprint, actor: q.actor, action: q.action, limit: q.limit, cursor: q.cursor }));
    },

    async listKeys(p) {
      authorize(p, 'admin');
      return store.listApiKeys();
    },

    async createKey(p, input) {
      const who = authorize(p, 'admin');
      return store.createApiKey({ role: input.role, label: input.label, actor: actorOf(who) });
    },

    async revokeKey(p, id) {
      const who = authorize(p, 'admin');
      const keys = await store.listApiKeys();
      const target = keys.find((k) => k.id === id);
      if (!target) throw new TokenradiusError('NOT_FOUND', 'no API key with this id');
      if (target.role === 'admin' && !target.revokedAt && keys.filter((k) => k.role === 'admin' && !k.revokedAt).length === 1) {
        throw new TokenradiusError('CONFLICT', 'this is the last active admin key: create another admin key first');
      }
      return store.revokeApiKey(id, actorOf(who));
    },

    async keyLabels(p) {
      authorize(p, 'read');
      const keys = await store.listApiKeys();
      return new Map(keys.map((k) => [k.id, k.label]));
    },
  };
}
