/**
 * The FindingStore in one SQL dialect, over any `SqlDb` (PostgreSQL pool or embedded PGlite).
 * See `types.ts` for the contract of each operation; comments here say why it is done this way.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { TokenradiusError } from '../core/errors.js';
import { FindingObservationSchema, severityRank, SEVERITY_ORDER, type FindingObservation, type SealedToken, type Severity, type UpsertResult } from '../core/types.js';
import { apiKeyId, generateApiKey, hashApiKey, hashesEqual } from './api-keys.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { Row, SqlDb, SqlRunner } from './db.js';
import { mapDbError } from './db-errors.js';
import { locationKey, locationSearchText, visibilityOfRank, visibilityRank } from './location-key.js';
import { assertNoTokenShaped, deepStorable, maskTokenShaped, storableString } from './sanitize.js';
import {
  ActionOutcomeSchema,
  ActionQuerySchema,
  ActionSchema,
  ApiKeyRoleSchema,
  AuditEntrySchema,
  AuditInputSchema,
  AuditQuerySchema,
  ClaimActionInputSchema,
  FINDING_STATUSES,
  FindingQuerySchema,
  FindingRecordSchema,
  FindingSortSchema,
  SortOrderSchema,
  StoredOccurrenceSchema,
  type Action,
  type ActionOutcome,
  type ActionQuery,
  type ApiKeyInfo,
  type ApiKeyRole,
  type AuditEntry,
  type AuditInput,
  type AuditQuery,
  type ClaimActionInput,
  type CreatedApiKey,
  type FindingQuery,
  type FindingRecord,
  type FindingStatus,
  type FindingStore,
  type Page,
  type PingResult,
  type SourceCursor,
  type StatsQuery,
  type StoredFinding,
  type StoredOccurrence,
  type StoreStats,
} from './types.js';

export interface SqlStoreOptions {
  /** Sealed tokens older than this are purged whatever their expiry. */
  sealedTokenRetentionDays: number;
  /** Injected clock for tests; defaults to the system clock. */
  clock?: () => Date;
  /** Called once by `close()` after the database is closed (releases the data-directory lock). */
  onClose?: () => Promise<void> | void;
}

/** An observation serialised beyond this is refused: a real one is a few kilobytes. */
const MAX_OBSERVATION_CHARS = 1_000_000;
const API_KEY_TOUCH_MS = 60_000;
const DAY_MS = 86_400_000;

const FINDING_COLUMNS = `fingerprint, rule, kind, redacted, header, claims, masked_claims, jwt_form, profile, liveness, score,
  severity, factors, exposure_rank, sources, occurrence_count, status, status_reason, assignee, status_changed_at, revoked_at,
  version, first_seen, last_seen`;
/** The same columns qualified with the `f` alias (the text filter's subquery has its own `fingerprint`). */
const FINDING_COLUMNS_F = FINDING_COLUMNS.split(',').map((c) => `f.${c.trim()}`).join(', ');
const OCCURRENCE_COLUMNS = 'id::text AS id, source, locator, exposure, author, at, first_seen, last_seen';
const ACTION_COLUMNS = `id, key, fingerprint, type, target, status, actor, finding_version, reason, details, attempts, decided_by,
  decided_at, created_at, updated_at, completed_at`;
const AUDIT_COLUMNS = 'id::text AS id, at, actor, action, fingerprint, details';
const API_KEY_COLUMNS = 'id, role, label, created_at, last_used_at, revoked_at';

/** $30..$32 of the upsert statements: the sealed token to keep, or nulls (none, or already expired). */
function sealedParams(o: FindingObservation, now: Date): [string | null, string | null, string | null] {
  const st = o.sealedToken;
  if (!st) return [null, null, null];
  const exp = st.expiresAt ? Date.parse(st.expiresAt) : NaN;
  if (Number.isFinite(exp) && exp <= now.getTime()) return [null, null, null]; // nothing left to revoke
  return [st.sealed, st.keyId, Number.isFinite(exp) ? new Date(exp).toISOString() : null];
}

/** Upserts run server-side: migration 002 (`tokenradius_upsert_many`), one round trip per batch. */
const UPSERT_MANY = 'SELECT o_idx, o_change, o_version FROM tokenradius_upsert_many($1::jsonb)';

const SORT_COLUMN = { score: 'score', firstSeen: 'first_seen', lastSeen: 'last_seen' } as const;

// ---------------------------------------------------------------------------------------------
// Row mapping

function iso(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string' || typeof v === 'number') return new Date(v).toISOString();
  throw new TokenradiusError('INTERNAL', 'stored time is malformed');
}
const isoOpt = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : iso(v));
const opt = <T>(key: string, v: T | null | undefined): Record<string, T> => (v === null || v === undefined ? {} : { [key]: v });

function parseRow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new TokenradiusError('INTERNAL', `a stored ${what} does not match its schema`, {
      details: { issues: r.error.issues.slice(0, 5).map((i) => ({ path: i.path.map(String).join('.'), code: i.code })) },
    });
  }
  return r.data;
}

function toFinding(row: Row): FindingRecord {
  return parseRow(
    FindingRecordSchema,
    {
      fingerprint: row.fingerprint,
      rule: row.rule,
      kind: row.kind,
      redacted: row.redacted,
      ...opt('header', row.header),
      ...opt('claims', row.claims),
      ...opt('maskedClaims', row.masked_claims),
      ...opt('jwtForm', row.jwt_form),
      ...opt('profile', row.profile),
      liveness: row.liveness,
      blastRadius: { score: Number(row.score), severity: row.severity, factors: row.factors },
      firstSeen: iso(row.first_seen),
      lastSeen: iso(row.last_seen),
      status: row.status,
      ...opt('statusReason', row.status_reason),
      ...opt('assignee', row.assignee),
      statusChangedAt: iso(row.status_changed_at),
      ...opt('revokedAt', isoOpt(row.revoked_at)),
      version: Number(row.version),
      occurrenceCount: Number(row.occurrence_count),
      sources: row.sources,
      widestVisibility: visibilityOfRank(Number(row.exposure_rank)),
    },
    'finding',
  );
}

function toOccurrence(row: Row): StoredOccurrence {
  return parseRow(
    StoredOccurrenceSchema,
    {
      source: row.source,
      locator: row.locator,
      ...opt('exposure', row.exposure),
      ...opt('author', row.author),
      ...opt('at', row.at),
      firstSeen: iso(row.first_seen),
      lastSeen: iso(row.last_seen),
    },
    'occurrence',
  );
}

function toAction(row: Row): Action {
  return parseRow(
    ActionSchema,
    {
      id: row.id,
      key: row.key,
      fingerprint: row.fingerprint,
      type: row.type,
      target: row.target,
      status: row.status,
      actor: row.actor,
      ...opt('findingVersion', row.finding_version === null ? null : Number(row.finding_version)),
      ...opt('reason', row.reason),
      details: row.details ?? {},
      attempts: Number(row.attempts),
      ...opt('decidedBy', row.decided_by),
      ...opt('decidedAt', isoOpt(row.decided_at)),
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
      ...opt('completedAt', isoOpt(row.completed_at)),
    },
    'action',
  );
}

function toAudit(row: Row): AuditEntry {
  return parseRow(
    AuditEntrySchema,
    {
      id: row.id,
      at: iso(row.at),
      actor: row.actor,
      action: row.action,
      ...opt('fingerprint', row.fingerprint),
      details: row.details ?? {},
    },
    'audit entry',
  );
}

function toApiKey(row: Row): ApiKeyInfo {
  return {
    id: String(row.id),
    role: ApiKeyRoleSchema.parse(row.role),
    label: String(row.label),
    createdAt: iso(row.created_at),
    ...opt('lastUsedAt', isoOpt(row.last_used_at)),
    ...opt('revokedAt', isoOpt(row.revoked_at)),
  };
}

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));

// ---------------------------------------------------------------------------------------------
// Input checks

function invalid(message: string, issues?: z.ZodError): TokenradiusError {
  // Only paths and codes: a zod message may echo the offending value.
  const details = issues ? { issues: issues.issues.slice(0, 10).map((i) => ({ path: i.path.map(String).join('.'), code: i.code })) } : {};
  return new TokenradiusError('PAYLOAD_INVALID', message, { details });
}

function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw invalid(`${what} is invalid`, r.error);
  return r.data;
}

/** Free text from a caller (actor, reason, label, assignee): bounded, storable, not token-shaped. */
function text(value: unknown, what: string, max = 2000): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(`${what} must be a non-empty string`);
  if (value.length > max) throw invalid(`${what} is longer than ${max} characters`);
  assertNoTokenShaped(value, what);
  return storableString(value);
}
const textOpt = (value: unknown, what: string, max = 2000): string | null => (value === undefined || value === null || value === '' ? null : text(value, what, max));

function details(value: unknown, what: string): Record<string, unknown> {
  const d = value ?? {};
  assertNoTokenShaped(d, what);
  const out = deepStorable(d as Record<string, unknown>);
  if (JSON.stringify(out).length > 64_000) throw invalid(`${what} is larger than 64 kB`);
  return out;
}

/** Validated, size-checked, storable observation; token-shaped strings the scan stage missed are removed. */
function prepareObservation(raw: FindingObservation): FindingObservation {
  const parsed = parseInput(FindingObservationSchema, raw, 'observation');
  const { sealedToken, ...rest } = parsed;
  const clean = deepStorable(rest, maskTokenShaped);
  if (JSON.stringify(clean).length > MAX_OBSERVATION_CHARS) throw invalid('observation is larger than 1 MB');
  return sealedToken ? { ...clean, sealedToken } : clean;
}

function likePattern(s: string): string {
  return `%${storableString(s).toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}

function validTime(s: string | undefined, fallback: Date): Date {
  if (!s) return fallback;
  const t = Date.parse(s);
  return Number.isFinite(t) ? new Date(t) : fallback;
}

/** Collects positional parameters for dynamically built statements. */
class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Status transitions

type Verb = 'acknowledge' | 'assign' | 'false-positive' | 'resolve' | 'reopen' | 'revoke';
const TRANSITIONS: Record<Verb, { from: readonly FindingStatus[]; to: FindingStatus | null; audit: string; dropSealed?: boolean }> = {
  acknowledge: { from: ['open'], to: 'acknowledged', audit: 'finding.acknowledged' },
  assign: { from: ['open', 'acknowledged'], to: null, audit: 'finding.assigned' },
  'false-positive': { from: ['open', 'acknowledged'], to: 'false-positive', audit: 'finding.false-positive', dropSealed: true },
  resolve: { from: ['open', 'acknowledged'], to: 'resolved', audit: 'finding.resolved' },
  reopen: { from: ['resolved', 'false-positive', 'revoked'], to: 'open', audit: 'finding.reopened' },
  revoke: { from: ['open', 'acknowledged', 'resolved'], to: 'revoked', audit: 'finding.revoked', dropSealed: true },
};

const FindingCursorSchema = z.object({ s: FindingSortSchema, o: SortOrderSchema, v: z.union([z.number(), z.string()]), f: z.string() }).strict();
const TimeIdCursorSchema = z.object({ t: z.string(), i: z.string().max(100) }).strict();
const IdCursorSchema = z.object({ i: z.string().regex(/^\d{1,19}$/) }).strict();

// ---------------------------------------------------------------------------------------------

/**
 * One observation as `tokenradius_upsert_many` takes it (see migration 002): [0] its index in the
 * caller's list, then the upsert parameters — fingerprint, rule, kind, redacted, header, claims,
 * masked claims, jwt form, profile, issuer, issuer family, tenants, liveness, liveness state, score,
 * severity, severity rank, factors, exposure rank, source, seen at, last seen, location key, locator
 * kind, locator, exposure, author, at, search text, sealed, key id, sealed expiry, now. jsonb values
 * are plain JSON (null = none); the whole batch is serialised once.
 */
function upsertRow(index: number, o: FindingObservation, now: Date): unknown[] {
  const seenAt = validTime(o.occurrence.firstSeen, now);
  const lastSeen = new Date(Math.max(now.getTime(), seenAt.getTime())).toISOString();
  const occ = o.occurrence;
  return [
    index,
    o.fingerprint,
    o.rule,
    o.kind,
    o.redacted,
    o.header ?? null,
    o.claims ?? null,
    o.maskedClaims ?? null,
    o.jwtForm ?? null,
    o.profile ?? null,
    o.profile?.issuer ?? null,
    o.profile?.issuerFamily ?? null,
    o.profile?.tenants ?? [],
    o.liveness,
    o.liveness.state,
    o.blastRadius.score,
    o.blastRadius.severity,
    severityRank(o.blastRadius.severity),
    o.blastRadius.factors,
    visibilityRank(occ.exposure?.visibility),
    occ.source,
    seenAt.toISOString(),
    lastSeen,
    locationKey(occ.source, occ.locator),
    occ.locator.kind,
    occ.locator,
    occ.exposure ?? null,
    occ.author ?? null,
    occ.at ?? null,
    locationSearchText(occ.source, occ.locator, occ.exposure, occ.author),
    ...sealedParams(o, now),
    now.toISOString(),
  ];
}

/**
 * Store observations (already prepared) in ONE statement: atomic, one commit. Applied in fingerprint
 * order — one global lock order, so concurrent batches never deadlock — results back in input order.
 */
async function upsertRows(q: SqlRunner, observations: readonly FindingObservation[], now: Date): Promise<UpsertResult[]> {
  const order = observations.map((o, i) => ({ o, i })).sort((a, b) => (a.o.fingerprint < b.o.fingerprint ? -1 : a.o.fingerprint > b.o.fingerprint ? 1 : a.i - b.i));
  const rows = order.map(({ o, i }) => upsertRow(i, o, now));
  const out = await q.query<{ o_idx: number; o_change: UpsertResult['change']; o_version: number }>(UPSERT_MANY, [JSON.stringify(rows)], 'tokenradius-upsert-many');
  const results: UpsertResult[] = new Array(observations.length);
  for (const r of out) results[Number(r.o_idx)] = { change: r.o_change, version: Number(r.o_version) };
  for (let i = 0; i < results.length; i++) if (!results[i]) throw new TokenradiusError('INTERNAL', 'the upsert returned no result for an observation');
  return results;
}

export function createSqlStore(db: SqlDb, opts: SqlStoreOptions): FindingStore {
  const clock = opts.clock ?? (() => new Date());
  let closed = false;
  let deliveriesSinceSweep = 0;

  async function run<T>(op: string, fn: () => Promise<T>): Promise<T> {
    if (closed) throw new TokenradiusError('STORE_UNAVAILABLE', `findings store is closed (${op})`, { retry: 'never' });
    try {
      return await fn();
    } catch (e) {
      throw mapDbError(e, op);
    }
  }

  async function audit(q: SqlRunner, at: Date, entry: { actor: string; action: string; fingerprint?: string | null; details: Record<string, unknown> }): Promise<AuditEntry> {
    const [row] = await q.query(`INSERT INTO audit_log (at, actor, action, fingerprint, details) VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING ${AUDIT_COLUMNS}`, [
      at.toISOString(),
      entry.actor,
      entry.action,
      entry.fingerprint ?? null,
      JSON.stringify(entry.details),
    ]);
    return toAudit(row!);
  }

  async function findingRow(q: SqlRunner, fp: string, lock: boolean): Promise<Row | undefined> {
    const [row] = await q.query(`SELECT ${FINDING_COLUMNS} FROM findings WHERE fingerprint = $1${lock ? ' FOR UPDATE' : ''}`, [fp]);
    return row;
  }

  async function transition(fp: string, verb: Verb, actorIn: string, extra: { reason?: string | undefined; assignee?: string | null }): Promise<FindingRecord> {
    const actor = text(actorIn, 'actor', 200);
    const reason = textOpt(extra.reason, 'reason');
    const assignee = verb === 'assign' ? textOpt(extra.assignee, 'assignee', 200) : null;
    if (verb === 'false-positive' && !reason) throw invalid('a reason is required to mark a false positive');
    const rule = TRANSITIONS[verb];
    return run(`finding.${verb}`, () =>
      db.tx(async (q) => {
        const now = clock();
        const [cur] = await q.query<{ status: FindingStatus; assignee: string | null }>('SELECT status, assignee FROM findings WHERE fingerprint = $1 FOR UPDATE', [fp]);
        if (!cur) throw new TokenradiusError('NOT_FOUND', 'no finding with this fingerprint', { details: { fingerprint: fp.slice(0, 80) } });
        if (!rule.from.includes(cur.status)) {
          throw new TokenradiusError('CONFLICT', `cannot ${verb === 'false-positive' ? 'mark as false positive' : verb} a finding that is ${cur.status}`, {
            details: { status: cur.status, allowedFrom: rule.from },
          });
        }
        let row: Row | undefined;
        if (rule.to === null) {
          [row] = await q.query(`UPDATE findings SET assignee = $2 WHERE fingerprint = $1 RETURNING ${FINDING_COLUMNS}`, [fp, assignee]);
        } else {
          [row] = await q.query(
            `UPDATE findings SET status = $2, status_reason = $3, status_changed_at = $4,
               revoked_at = CASE WHEN $5::boolean THEN $4::timestamptz ELSE revoked_at END
             WHERE fingerprint = $1 RETURNING ${FINDING_COLUMNS}`,
            [fp, rule.to, reason, now.toISOString(), rule.to === 'revoked'],
          );
        }
        if (rule.dropSealed) await q.query('DELETE FROM sealed_tokens WHERE fingerprint = $1', [fp]);
        const d: Record<string, unknown> = { from: cur.status, to: rule.to ?? cur.status };
        if (reason) d.reason = reason;
        if (verb === 'assign') Object.assign(d, { assignee, previousAssignee: cur.assignee });
        if (rule.dropSealed) d.sealedTokenDeleted = true;
        await audit(q, now, { actor, action: rule.audit, fingerprint: fp, details: d });
        return toFinding(row!);
      }),
    );
  }

  async function getActionIn(q: SqlRunner, id: string, lock: boolean): Promise<Action | null> {
    const [row] = await q.query(`SELECT ${ACTION_COLUMNS} FROM actions WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return row ? toAction(row) : null;
  }

  function actionNotFound(id: string): TokenradiusError {
    return new TokenradiusError('NOT_FOUND', 'no action with this id', { details: { id: id.slice(0, 80) } });
  }

  async function purgeSealed(q: SqlRunner, now: Date): Promise<number> {
    const retentionCutoff = new Date(now.getTime() - opts.sealedTokenRetentionDays * DAY_MS).toISOString();
    const rows = await q.query('DELETE FROM sealed_tokens WHERE expires_at <= $1 OR created_at <= $2 RETURNING fingerprint', [now.toISOString(), retentionCutoff]);
    return rows.length;
  }

  const store: FindingStore = {
    // -------------------------------------------------------------------------------- upsert
    async upsert(raw: FindingObservation): Promise<UpsertResult> {
      const o = prepareObservation(raw);
      const now = clock();
      const [r] = await run('upsert', () => upsertRows(db, [o], now));
      return r!;
    },

    async upsertMany(raws: readonly FindingObservation[]): Promise<UpsertResult[]> {
      if (!Array.isArray(raws)) throw invalid('upsertMany needs an array of observations');
      if (raws.length > 1000) throw invalid('upsertMany takes at most 1000 observations at a time');
      const now = clock();
      // Every observation is validated before anything is written (all or nothing).
      const prepared = raws.map((r) => prepareObservation(r));
      if (prepared.length === 0) return [];
      return run('upsertMany', () => upsertRows(db, prepared, now));
    },

    // -------------------------------------------------------------------------------- findings
    async getFinding(fp, options = {}) {
      const limit = Math.min(Math.max(1, Math.trunc(options.occurrenceLimit ?? 100)), 10_000);
      return run('getFinding', async (): Promise<StoredFinding | null> => {
        const row = await findingRow(db, fp, false);
        if (!row) return null;
        const occ = await db.query(`SELECT ${OCCURRENCE_COLUMNS} FROM occurrences WHERE fingerprint = $1 ORDER BY first_seen, id LIMIT $2`, [fp, limit]);
        const occurrences = occ.map(toOccurrence);
        if (occurrences.length === 0) throw new TokenradiusError('INTERNAL', 'a stored finding has no occurrence');
        return { ...toFinding(row), occurrences: occurrences as StoredFinding['occurrences'] };
      });
    },

    async listFindings(query = {}) {
      const q = parseInput(FindingQuerySchema, query, 'findings query');
      return run('listFindings', async (): Promise<Page<FindingRecord>> => {
        const p = new Params();
        const where: string[] = [];
        const anyOf = (col: string, values: readonly string[] | undefined) => {
          if (values && values.length > 0) where.push(`${col} = ANY(${p.add(values.map(storableString))}::text[])`);
        };
        anyOf('f.severity', q.severity);
        anyOf('f.status', q.status);
        anyOf('f.rule', q.rule);
        anyOf('f.liveness_state', q.liveness);
        if (q.source?.length) where.push(`f.sources && ${p.add(q.source.map(storableString))}::text[]`);
        if (q.tenant?.length) where.push(`f.tenants && ${p.add(q.tenant.map(storableString))}::text[]`);
        if (q.issuer?.length) {
          const x = p.add(q.issuer.map(storableString));
          where.push(`(f.issuer = ANY(${x}::text[]) OR f.issuer_family = ANY(${x}::text[]))`);
        }
        if (q.text && q.text.trim() !== '') {
          const x = p.add(likePattern(q.text.trim()));
          where.push(`(lower(f.redacted) LIKE ${x} OR lower(f.rule) LIKE ${x}
            OR EXISTS (SELECT 1 FROM occurrences o WHERE o.fingerprint = f.fingerprint AND o.search_text LIKE ${x}))`);
        }
        const col = SORT_COLUMN[q.sort];
        const cast = q.sort === 'score' ? 'double precision' : 'timestamptz';
        if (q.cursor) {
          const c = decodeCursor(q.cursor, FindingCursorSchema);
          if (c.s !== q.sort || c.o !== q.order || typeof c.v !== (q.sort === 'score' ? 'number' : 'string')) {
            throw new TokenradiusError('PAYLOAD_INVALID', 'cursor is not valid for this list (or for this sort order)');
          }
          where.push(`(f.${col}, f.fingerprint) ${q.order === 'desc' ? '<' : '>'} (${p.add(c.v)}::${cast}, ${p.add(c.f)})`);
        }
        const dir = q.order === 'desc' ? 'DESC' : 'ASC';
        const rows = await db.query(
          `SELECT ${FINDING_COLUMNS_F} FROM findings f
           ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY f.${col} ${dir}, f.fingerprint ${dir} LIMIT ${p.add(q.limit + 1)}`,
          p.values,
        );
        const items = rows.slice(0, q.limit).map(toFinding);
        const last = items[items.length - 1];
        const page: Page<FindingRecord> = { items };
        if (rows.length > q.limit && last) {
          const v = q.sort === 'score' ? last.blastRadius.score : q.sort === 'firstSeen' ? last.firstSeen : last.lastSeen;
          page.nextCursor = encodeCursor({ s: q.sort, o: q.order, v, f: last.fingerprint });
        }
        return page;
      });
    },

    async listOccurrences(fp, options = {}) {
      const limit = Math.min(Math.max(1, Math.trunc(options.limit ?? 100)), 1000);
      const c = options.cursor ? decodeCursor(options.cursor, TimeIdCursorSchema) : undefined;
      if (c && (!/^\d{1,19}$/.test(c.i) || !Number.isFinite(Date.parse(c.t)))) throw new TokenradiusError('PAYLOAD_INVALID', 'cursor is not valid for this list');
      return run('listOccurrences', async (): Promise<Page<StoredOccurrence>> => {
        const exists = await db.query('SELECT 1 FROM findings WHERE fingerprint = $1', [fp]);
        if (exists.length === 0) throw new TokenradiusError('NOT_FOUND', 'no finding with this fingerprint');
        const rows = c
          ? await db.query(
              `SELECT ${OCCURRENCE_COLUMNS} FROM occurrences WHERE fingerprint = $1 AND (first_seen, id) > ($2::timestamptz, $3::bigint)
               ORDER BY first_seen, id LIMIT $4`,
              [fp, c.t, c.i, limit + 1],
            )
          : await db.query(`SELECT ${OCCURRENCE_COLUMNS} FROM occurrences WHERE fingerprint = $1 ORDER BY first_seen, id LIMIT $2`, [fp, limit + 1]);
        const items = rows.slice(0, limit).map(toOccurrence);
        const lastRow = rows[limit - 1];
        return rows.length > limit && lastRow ? { items, nextCursor: encodeCursor({ t: iso(lastRow.first_seen), i: String(lastRow.id) }) } : { items };
      });
    },

    acknowledge: (fp, actor) => transition(fp, 'acknowledge', actor, {}),
    assign: (fp, assignee, actor) => transition(fp, 'assign', actor, { assignee }),
    markFalsePositive: (fp, reason, actor) => transition(fp, 'false-positive', actor, { reason }),
    resolve: (fp, actor, reason) => transition(fp, 'resolve', actor, { reason }),
    reopen: (fp, actor, reason) => transition(fp, 'reopen', actor, { reason }),
    markRevoked: (fp, actor, reason) => transition(fp, 'revoke', actor, { reason }),

    // -------------------------------------------------------------------------------- sealed tokens
    async getSealedToken(fp) {
      return run('getSealedToken', async (): Promise<SealedToken | null> => {
        const [row] = await db.query('SELECT sealed, key_id, expires_at FROM sealed_tokens WHERE fingerprint = $1', [fp]);
        if (!row) return null;
        return { sealed: String(row.sealed), keyId: String(row.key_id), ...opt('expiresAt', isoOpt(row.expires_at)) };
      });
    },

    async deleteSealedToken(fp, reasonIn, actorIn = 'system') {
      const reason = text(reasonIn, 'reason');
      const actor = text(actorIn, 'actor', 200);
      return run('deleteSealedToken', () =>
        db.tx(async (q) => {
          const rows = await q.query('DELETE FROM sealed_tokens WHERE fingerprint = $1 RETURNING fingerprint', [fp]);
          if (rows.length === 0) return false;
          await audit(q, clock(), { actor, action: 'sealed-token.deleted', fingerprint: fp, details: { reason } });
          return true;
        }),
      );
    },

    async purgeExpiredSealedTokens(now) {
      return run('purgeExpiredSealedTokens', () => purgeSealed(db, now));
    },

    // -------------------------------------------------------------------------------- actions
    async claimAction(input: ClaimActionInput) {
      const a = parseInput(ClaimActionInputSchema, input, 'action');
      const key = text(a.key, 'key', 500);
      const target = text(a.target, 'target', 200);
      const actor = text(a.actor, 'actor', 200);
      const reason = textOpt(a.reason, 'reason');
      const d = details(a.details, 'details');
      return run('claimAction', async () => {
        const now = clock().toISOString();
        let rows: Row[];
        try {
          rows = await db.query(
            `INSERT INTO actions (id, key, fingerprint, type, target, status, actor, finding_version, reason, details, attempts, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, 1, $11, $11)
             ON CONFLICT (key) DO NOTHING RETURNING ${ACTION_COLUMNS}`,
            [randomUUID(), key, a.fingerprint, a.type, target, a.status, actor, a.findingVersion ?? null, reason, JSON.stringify(d), now],
          );
        } catch (e) {
          if ((e as { code?: unknown }).code === '23503') throw new TokenradiusError('NOT_FOUND', 'no finding with this fingerprint');
          throw e;
        }
        if (rows[0]) return { claimed: true, action: toAction(rows[0]) };
        if (a.reclaimPendingAfterMs !== undefined) {
          const cutoff = new Date(Date.parse(now) - a.reclaimPendingAfterMs).toISOString();
          const [re] = await db.query(
            `UPDATE actions SET attempts = attempts + 1, updated_at = $2 WHERE key = $1 AND status = 'pending' AND updated_at <= $3
             RETURNING ${ACTION_COLUMNS}`,
            [key, now, cutoff],
          );
          if (re) return { claimed: true, action: toAction(re) };
        }
        const [existing] = await db.query(`SELECT ${ACTION_COLUMNS} FROM actions WHERE key = $1`, [key]);
        if (!existing) throw new TokenradiusError('STORE_UNAVAILABLE', 'action vanished during claim; retry');
        return { claimed: false, action: toAction(existing) };
      });
    },

    async completeAction(id, outcomeIn: ActionOutcome, reasonIn, detailsIn) {
      const outcome = parseInput(ActionOutcomeSchema, outcomeIn, 'outcome');
      const reason = textOpt(reasonIn, 'reason');
      const d = details(detailsIn, 'details');
      return run('completeAction', () =>
        db.tx(async (q) => {
          const now = clock();
          const cur = await getActionIn(q, id, true);
          if (!cur) throw actionNotFound(id);
          if (cur.status !== 'pending' && cur.status !== 'approved') {
            throw new TokenradiusError('CONFLICT', `action is already ${cur.status}`, { details: { status: cur.status } });
          }
          const [row] = await q.query(
            `UPDATE actions SET status = $2, reason = COALESCE($3, reason), details = details || $4::jsonb, updated_at = $5, completed_at = $5
             WHERE id = $1 RETURNING ${ACTION_COLUMNS}`,
            [id, outcome, reason, JSON.stringify(d), now.toISOString()],
          );
          const auditDetails: Record<string, unknown> = { actionId: id, key: cur.key, target: cur.target };
          if (reason) auditDetails.reason = reason;
          await audit(q, now, { actor: cur.actor, action: `action.${cur.type}.${outcome}`, fingerprint: cur.fingerprint, details: auditDetails });
          return toAction(row!);
        }),
      );
    },

    async getAction(id) {
      return run('getAction', () => getActionIn(db, id, false));
    },

    async listActions(queryIn: string | ActionQuery) {
      const q = parseInput(ActionQuerySchema, typeof queryIn === 'string' ? { fingerprint: queryIn } : queryIn, 'actions query');
      const c = q.cursor ? decodeCursor(q.cursor, TimeIdCursorSchema) : undefined;
      if (c && !Number.isFinite(Date.parse(c.t))) throw new TokenradiusError('PAYLOAD_INVALID', 'cursor is not valid for this list');
      return run('listActions', async (): Promise<Page<Action>> => {
        const p = new Params();
        const where: string[] = [];
        if (q.fingerprint) where.push(`fingerprint = ${p.add(q.fingerprint)}`);
        if (q.target) where.push(`target = ${p.add(storableString(q.target))}`);
        if (q.type?.length) where.push(`type = ANY(${p.add(q.type)}::text[])`);
        if (q.status?.length) where.push(`status = ANY(${p.add(q.status)}::text[])`);
        if (c) where.push(`(created_at, id) ${q.order === 'desc' ? '<' : '>'} (${p.add(c.t)}::timestamptz, ${p.add(c.i)})`);
        const dir = q.order === 'desc' ? 'DESC' : 'ASC';
        const rows = await db.query(
          `SELECT ${ACTION_COLUMNS} FROM actions ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY created_at ${dir}, id ${dir} LIMIT ${p.add(q.limit + 1)}`,
          p.values,
        );
        const items = rows.slice(0, q.limit).map(toAction);
        const last = items[items.length - 1];
        return rows.length > q.limit && last ? { items, nextCursor: encodeCursor({ t: last.createdAt, i: last.id }) } : { items };
      });
    },

    async listPendingApprovals() {
      return run('listPendingApprovals', async () => {
        const rows = await db.query(`SELECT ${ACTION_COLUMNS} FROM actions WHERE status = 'awaiting-approval' ORDER BY created_at, id LIMIT 500`);
        return rows.map(toAction);
      });
    },

    async decideApproval(id, decision, actorIn, reasonIn) {
      if (decision !== 'approve' && decision !== 'reject') throw invalid('decision must be approve or reject');
      const actor = text(actorIn, 'actor', 200);
      const reason = textOpt(reasonIn, 'reason');
      return run('decideApproval', () =>
        db.tx(async (q) => {
          const now = clock();
          const cur = await getActionIn(q, id, true);
          if (!cur) throw actionNotFound(id);
          if (cur.status !== 'awaiting-approval') {
            throw new TokenradiusError('CONFLICT', `action is ${cur.status}, not awaiting approval`, { details: { status: cur.status } });
          }
          const status = decision === 'approve' ? 'approved' : 'rejected';
          const [row] = await q.query(
            `UPDATE actions SET status = $2, decided_by = $3, decided_at = $4, updated_at = $4, reason = COALESCE($5, reason),
               completed_at = CASE WHEN $2 = 'rejected' THEN $4::timestamptz ELSE completed_at END
             WHERE id = $1 RETURNING ${ACTION_COLUMNS}`,
            [id, status, actor, now.toISOString(), reason],
          );
          const auditDetails: Record<string, unknown> = { actionId: id, type: cur.type, target: cur.target };
          if (reason) auditDetails.reason = reason;
          await audit(q, now, { actor, action: `action.${status}`, fingerprint: cur.fingerprint, details: auditDetails });
          return toAction(row!);
        }),
      );
    },

    async beginApprovedAction(id) {
      return run('beginApprovedAction', async () => {
        const [row] = await db.query(`UPDATE actions SET status = 'pending', updated_at = $2 WHERE id = $1 AND status = 'approved' RETURNING ${ACTION_COLUMNS}`, [
          id,
          clock().toISOString(),
        ]);
        if (row) return { claimed: true, action: toAction(row) };
        const cur = await getActionIn(db, id, false);
        if (!cur) throw actionNotFound(id);
        return { claimed: false, action: cur };
      });
    },

    // -------------------------------------------------------------------------------- audit
    async appendAudit(entry: AuditInput) {
      const e = parseInput(AuditInputSchema, entry, 'audit entry');
      const actor = text(e.actor, 'actor', 200);
      const action = text(e.action, 'action', 200);
      const d = details(e.details, 'details');
      return run('appendAudit', () => audit(db, clock(), { actor, action, fingerprint: e.fingerprint ?? null, details: d }));
    },

    async listAudit(queryIn: AuditQuery = {}) {
      const q = parseInput(AuditQuerySchema, queryIn, 'audit query');
      const c = q.cursor ? decodeCursor(q.cursor, IdCursorSchema) : undefined;
      return run('listAudit', async (): Promise<Page<AuditEntry>> => {
        const p = new Params();
        const where: string[] = [];
        if (q.fingerprint) where.push(`fingerprint = ${p.add(q.fingerprint)}`);
        if (q.actor) where.push(`actor = ${p.add(storableString(q.actor))}`);
        if (q.action) where.push(`action = ${p.add(storableString(q.action))}`);
        if (c) where.push(`id ${q.order === 'desc' ? '<' : '>'} ${p.add(c.i)}::bigint`);
        const rows = await db.query(
          `SELECT ${AUDIT_COLUMNS} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY id ${q.order === 'desc' ? 'DESC' : 'ASC'} LIMIT ${p.add(q.limit + 1)}`,
          p.values,
        );
        const items = rows.slice(0, q.limit).map(toAudit);
        const last = items[items.length - 1];
        return rows.length > q.limit && last ? { items, nextCursor: encodeCursor({ i: last.id }) } : { items };
      });
    },

    // -------------------------------------------------------------------------------- cursors
    async getCursor(sourceId, scope = '') {
      return run('getCursor', async () => {
        const [row] = await db.query('SELECT cursor FROM cursors WHERE source_id = $1 AND scope = $2', [storableString(sourceId), storableString(scope)]);
        return row ? String(row.cursor) : null;
      });
    },

    async setCursor(sourceId, scope, cursor) {
      if (typeof sourceId !== 'string' || sourceId === '' || typeof scope !== 'string' || typeof cursor !== 'string') {
        throw invalid('setCursor needs a source id, a scope and a cursor string');
      }
      if (cursor.length > 10_000 || scope.length > 1000) throw invalid('cursor or scope is too long');
      return run('setCursor', async () => {
        await db.query(
          `INSERT INTO cursors (source_id, scope, cursor, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (source_id, scope) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = EXCLUDED.updated_at`,
          [storableString(sourceId), storableString(scope), storableString(cursor), clock().toISOString()],
        );
      });
    },

    async listCursors(sourceId) {
      return run('listCursors', async (): Promise<SourceCursor[]> => {
        const rows = await db.query('SELECT scope, cursor, updated_at FROM cursors WHERE source_id = $1 ORDER BY scope', [storableString(sourceId)]);
        return rows.map((r) => ({ scope: String(r.scope), cursor: String(r.cursor), updatedAt: iso(r.updated_at) }));
      });
    },

    // -------------------------------------------------------------------------------- API keys
    async createApiKey(input) {
      const role = parseInput(ApiKeyRoleSchema, input?.role, 'role');
      const label = text(input?.label, 'label', 200);
      const actor = text(input?.actor ?? 'system', 'actor', 200);
      return run('createApiKey', () =>
        db.tx(async (q): Promise<CreatedApiKey> => {
          const now = clock();
          const { id, key, hash } = generateApiKey();
          const [row] = await q.query(`INSERT INTO api_keys (id, hash, role, label, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING ${API_KEY_COLUMNS}`, [
            id,
            hash,
            role,
            label,
            now.toISOString(),
          ]);
          await audit(q, now, { actor, action: 'api-key.created', details: { id, role, label } });
          return { ...toApiKey(row!), key };
        }),
      );
    },

    async verifyApiKey(plaintext) {
      if (typeof plaintext !== 'string' || plaintext.length > 200) return null;
      const id = apiKeyId(plaintext);
      if (!id) return null;
      return run('verifyApiKey', async () => {
        const [row] = await db.query<{ hash: string; role: ApiKeyRole; label: string; revoked_at: unknown }>(
          'SELECT hash, role, label, revoked_at FROM api_keys WHERE id = $1',
          [id],
        );
        if (!row || row.revoked_at !== null || !hashesEqual(hashApiKey(plaintext), row.hash)) return null;
        const now = clock();
        await db.query('UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)', [
          id,
          now.toISOString(),
          new Date(now.getTime() - API_KEY_TOUCH_MS).toISOString(),
        ]);
        return { id, role: ApiKeyRoleSchema.parse(row.role), label: String(row.label) };
      });
    },

    async listApiKeys() {
      return run('listApiKeys', async () => (await db.query(`SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY created_at, id`)).map(toApiKey));
    },

    async revokeApiKey(id, actorIn = 'system') {
      const actor = text(actorIn, 'actor', 200);
      return run('revokeApiKey', () =>
        db.tx(async (q) => {
          const now = clock();
          const [row] = await q.query(`UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING ${API_KEY_COLUMNS}`, [id, now.toISOString()]);
          if (row) {
            await audit(q, now, { actor, action: 'api-key.revoked', details: { id } });
            return toApiKey(row);
          }
          const [existing] = await q.query(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE id = $1`, [id]);
          if (!existing) throw new TokenradiusError('NOT_FOUND', 'no API key with this id');
          return toApiKey(existing);
        }),
      );
    },

    // -------------------------------------------------------------------------------- stats
    async stats(query: StatsQuery) {
      if (!(query?.now instanceof Date) || Number.isNaN(query.now.getTime())) throw invalid('stats needs `now`');
      const days = Math.min(Math.max(1, Math.trunc(query.days ?? 30)), 366);
      const statuses = query.statuses?.length ? parseInput(z.array(z.enum(FINDING_STATUSES as [FindingStatus, ...FindingStatus[]])), query.statuses, 'statuses') : null;
      const today = Date.UTC(query.now.getUTCFullYear(), query.now.getUTCMonth(), query.now.getUTCDate());
      const start = new Date(today - (days - 1) * DAY_MS).toISOString();
      const end = new Date(today + DAY_MS).toISOString();
      return run('stats', async (): Promise<StoreStats> => {
        const filter = '($1::text[] IS NULL OR status = ANY($1::text[]))';
        const bySev = await db.query<{ severity: Severity; n: number }>(`SELECT severity, count(*)::int AS n FROM findings WHERE ${filter} GROUP BY severity`, [statuses]);
        const byStatus = await db.query<{ status: FindingStatus; n: number }>('SELECT status, count(*)::int AS n FROM findings GROUP BY status');
        const bySource = await db.query<{ source: string; n: number }>(
          `SELECT s AS source, count(*)::int AS n FROM findings, unnest(sources) AS s WHERE ${filter} GROUP BY s ORDER BY s`,
          [statuses],
        );
        const opened = await db.query<{ day: string; n: number }>(
          `SELECT to_char(first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int AS n FROM findings
           WHERE first_seen >= $1 AND first_seen < $2 GROUP BY 1`,
          [start, end],
        );
        const revoked = await db.query<{ day: string; n: number }>(
          `SELECT to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int AS n FROM findings
           WHERE revoked_at >= $1 AND revoked_at < $2 GROUP BY 1`,
          [start, end],
        );
        const [median] = await db.query<{ m: number | null }>(
          `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM revoked_at - first_seen)::double precision) AS m
           FROM findings WHERE revoked_at >= $1 AND revoked_at < $2`,
          [start, end],
        );
        const sev = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as Record<Severity, number>;
        for (const r of bySev) sev[r.severity] = Number(r.n);
        const st = Object.fromEntries(FINDING_STATUSES.map((s) => [s, 0])) as Record<FindingStatus, number>;
        for (const r of byStatus) st[r.status] = Number(r.n);
        const openedBy = new Map(opened.map((r) => [r.day, Number(r.n)]));
        const revokedBy = new Map(revoked.map((r) => [r.day, Number(r.n)]));
        const series: StoreStats['series'] = [];
        for (let i = 0; i < days; i++) {
          const day = new Date(Date.parse(start) + i * DAY_MS).toISOString().slice(0, 10);
          series.push({ day, opened: openedBy.get(day) ?? 0, revoked: revokedBy.get(day) ?? 0 });
        }
        const m = median?.m;
        return {
          total: Object.values(sev).reduce((a, b) => a + b, 0),
          bySeverity: sev,
          byStatus: st,
          bySource: Object.fromEntries(bySource.map((r) => [r.source, Number(r.n)])),
          series,
          medianSecondsToRevoke: m === null || m === undefined ? null : Number(m),
        };
      });
    },

    // -------------------------------------------------------------------------------- deliveries
    async rememberDelivery(source, deliveryId, ttlSeconds) {
      if (typeof source !== 'string' || source === '' || typeof deliveryId !== 'string' || deliveryId === '' || deliveryId.length > 500) {
        throw invalid('rememberDelivery needs a source and a delivery id (at most 500 characters)');
      }
      if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw invalid('ttlSeconds must be positive');
      return run('rememberDelivery', async () => {
        const now = clock();
        const rows = await db.query(
          `INSERT INTO deliveries (source, delivery_id, expires_at) VALUES ($1, $2, $3)
           ON CONFLICT (source, delivery_id) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE deliveries.expires_at <= $4
           RETURNING 1 AS first`,
          [storableString(source), storableString(deliveryId), new Date(now.getTime() + ttlSeconds * 1000).toISOString(), now.toISOString()],
        );
        // Expired ids are swept now and then rather than on every call.
        if (++deliveriesSinceSweep >= 500) {
          deliveriesSinceSweep = 0;
          await db.query('DELETE FROM deliveries WHERE expires_at <= $1', [now.toISOString()]);
        }
        return rows.length > 0;
      });
    },

    async forgetDelivery(source, deliveryId) {
      if (typeof source !== 'string' || source === '' || typeof deliveryId !== 'string' || deliveryId === '' || deliveryId.length > 500) {
        throw invalid('forgetDelivery needs a source and a delivery id (at most 500 characters)');
      }
      return run('forgetDelivery', async () => {
        const rows = await db.query('DELETE FROM deliveries WHERE source = $1 AND delivery_id = $2 RETURNING 1 AS gone', [storableString(source), storableString(deliveryId)]);
        return rows.length > 0;
      });
    },

    async purgeExpired(now) {
      return run('purgeExpired', async () => {
        const sealedTokens = await purgeSealed(db, now);
        const gone = await db.query('DELETE FROM deliveries WHERE expires_at <= $1 RETURNING 1', [now.toISOString()]);
        return { sealedTokens, deliveries: gone.length };
      });
    },

    // -------------------------------------------------------------------------------- lifecycle
    async *dumpTables() {
      const tables = await run('dumpTables', () =>
        db.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
        ),
      );
      for (const { table_name: table } of tables) {
        if (!/^[a-z_][a-z0-9_]*$/.test(table)) continue;
        for (let offset = 0; ; offset += 1000) {
          const rows = await run('dumpTables', () => db.query<{ row: string }>(`SELECT t::text AS row FROM "${table}" t ORDER BY t::text LIMIT 1000 OFFSET $1`, [offset]));
          yield { table, rows: rows.map((r) => r.row) };
          if (rows.length < 1000) break;
        }
      }
    },

    async ping() {
      return run('ping', async (): Promise<PingResult> => {
        const [row] = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
        return { backend: db.backend, schemaVersion: Number(row?.v ?? 0) };
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      try {
        await db.close();
      } finally {
        await opts.onClose?.();
      }
    },
  };
  return store;
}
