/**
 * The zod schemas of the REST API (`/api/v1`): what requests may carry (path parameters, query
 * strings, JSON bodies) and what responses contain. The route table validates with them and the
 * OpenAPI document (`/api/openapi.json`) is generated from them — there is no second copy.
 *
 * Query strings: list filters accept repeated parameters (`severity=high&severity=critical`) or
 * one comma-separated value (`severity=high,critical`); `normalizeQuery` turns both into arrays
 * before validation.
 */
import { z } from 'zod';
import { LivenessStateSchema, SeveritySchema } from '../../core/types.js';
import { RevocationStatusSchema } from '../../act/payload.js';
import {
  ActionSchema,
  ActionStatusSchema,
  ActionTypeSchema,
  ApiKeyRoleSchema,
  AuditEntrySchema,
  FindingRecordSchema,
  FindingSortSchema,
  FindingStatusSchema,
  SortOrderSchema,
  StoredFindingSchema,
} from '../../store/types.js';
import { PERMISSIONS } from '../auth/principal.js';

// ---------------------------------------------------------------------------------------------
// Building blocks

export const FingerprintSchema = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, 'a fingerprint: "sha256:" and 64 lowercase hex digits')
  .meta({ description: 'sha256: + hex SHA-256 of the token: the stable id of a leaked credential', examples: [`sha256:${'0'.repeat(64)}`] });

const Text = (max: number) => z.string().min(1).max(max);
const filterList = <T extends z.ZodType>(item: T, description: string) => z.array(item).max(100).optional().meta({ description });

/** Keys of list-valued query parameters (repeatable or comma-separated). */
export const LIST_QUERY_KEYS = new Set(['severity', 'status', 'source', 'rule', 'issuer', 'tenant', 'liveness', 'type']);

/** Repeated or comma-separated list parameters → arrays; everything else stays a string. */
export function normalizeQuery(raw: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (raw === null || typeof raw !== 'object') return out;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (LIST_QUERY_KEYS.has(k)) {
      const values = (Array.isArray(v) ? v : [v]).flatMap((x) => (typeof x === 'string' ? x.split(',') : [x]));
      out[k] = values.map((x) => (typeof x === 'string' ? x.trim() : x)).filter((x) => x !== '');
    } else {
      // A repeated scalar parameter is ambiguous: keep the last, as most servers do.
      out[k] = Array.isArray(v) ? v[v.length - 1] : v;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Path parameters

export const FingerprintParamsSchema = z.object({ fingerprint: FingerprintSchema }).strict();
export const ActionIdParamsSchema = z
  .object({ id: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'an action id (UUID)') })
  .strict();
export const KeyIdParamsSchema = z.object({ id: z.string().regex(/^[a-z2-7]{12}$/, 'an API key id (12 characters a-z, 2-7)') }).strict();

// ---------------------------------------------------------------------------------------------
// Query strings

export const ListFindingsQuerySchema = z
  .object({
    severity: filterList(SeveritySchema, 'any of these severities'),
    status: filterList(FindingStatusSchema, 'any of these review statuses'),
    source: filterList(Text(200), 'seen in any of these sources (source ids: slack-main, git, slack-export, …)'),
    rule: filterList(Text(200), 'any of these rule ids'),
    issuer: filterList(Text(500), 'issuer URL or issuer family (okta, entra-v2, …)'),
    tenant: filterList(Text(200), 'any of these tenants (tid, realm, org id)'),
    liveness: filterList(LivenessStateSchema, 'any of these liveness states'),
    q: z.string().max(200).optional().meta({ description: 'case-insensitive text in the redacted preview, rule id or any location (path, repo, channel, issue, permalink, author)' }),
    sort: FindingSortSchema.default('score'),
    order: SortOrderSchema.default('desc'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().max(2000).optional().meta({ description: 'nextCursor of the previous page' }),
  })
  .strict();
export type ListFindingsQuery = z.infer<typeof ListFindingsQuerySchema>;

export const PageQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z.string().max(2000).optional(),
  })
  .strict();

export const ListActionsQuerySchema = z
  .object({
    status: filterList(ActionStatusSchema, 'any of these action statuses'),
    type: filterList(ActionTypeSchema, 'any of these action types'),
    fingerprint: FingerprintSchema.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z.string().max(2000).optional(),
  })
  .strict();

export const AuditQuerySchema = z
  .object({
    fingerprint: FingerprintSchema.optional(),
    actor: z.string().max(200).optional(),
    action: z.string().max(200).optional().meta({ description: 'dotted verb, e.g. finding.false-positive' }),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z.string().max(2000).optional(),
  })
  .strict();

export const StatsQuerySchema = z
  .object({
    days: z.coerce.number().int().min(1).max(366).default(30),
  })
  .strict();

// ---------------------------------------------------------------------------------------------
// Bodies

export const EmptyBodySchema = z.object({}).strict();
export const ReasonBodySchema = z.object({ reason: Text(2000).optional() }).strict();
export const FalsePositiveBodySchema = z.object({ reason: Text(2000).meta({ description: 'why this is not a real leak (required; audited)' }) }).strict();
export const AssignBodySchema = z.object({ assignee: Text(200).nullable().meta({ description: 'who handles it; null unassigns' }) }).strict();
export const CreateKeyBodySchema = z.object({ role: ApiKeyRoleSchema, label: Text(200).meta({ description: 'who or what uses the key' }) }).strict();

// ---------------------------------------------------------------------------------------------
// Responses

export const ErrorIssueSchema = z.object({ path: z.string(), code: z.string(), message: z.string() });
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string().meta({ description: 'stable error code from the catalogue (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT, PAYLOAD_INVALID, …)' }),
    message: z.string(),
    issues: z.array(ErrorIssueSchema).optional().meta({ description: 'validation problems (400 / 422), by path' }),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export const FindingPageSchema = z.object({ items: z.array(FindingRecordSchema), nextCursor: z.string().optional() });
export const FindingDetailSchema = z.object({
  finding: StoredFindingSchema,
  /** Alerts, revocations and remediations, newest first. */
  actions: z.array(ActionSchema),
  /** The audit trail of this finding, newest first. */
  audit: z.array(AuditEntrySchema),
});
export const FindingResponseSchema = z.object({ finding: FindingRecordSchema });
export const OccurrencePageSchema = z.object({ items: StoredFindingSchema.shape.occurrences, nextCursor: z.string().optional() });
export const RevokeResponseSchema = z.object({ revocations: z.array(RevocationStatusSchema) });
export const DecisionResponseSchema = z.object({ action: ActionSchema, revocation: RevocationStatusSchema });
export const RecheckResponseSchema = z.object({
  finding: FindingRecordSchema,
  previous: z.object({ liveness: LivenessStateSchema, severity: SeveritySchema, score: z.number() }),
});
export const ActionPageSchema = z.object({ items: z.array(ActionSchema), nextCursor: z.string().optional() });
export const AuditPageSchema = z.object({ items: z.array(AuditEntrySchema), nextCursor: z.string().optional() });

const countsOf = <K extends string>(keys: readonly K[]) => z.object(Object.fromEntries(keys.map((k) => [k, z.number().int().nonnegative()])) as Record<K, z.ZodNumber>);
export const StatsSchema = z.object({
  days: z.number().int(),
  /** Open or acknowledged findings. */
  open: z.object({
    total: z.number().int().nonnegative(),
    bySeverity: countsOf(SeveritySchema.options),
    bySource: z.record(z.string(), z.number().int().nonnegative()),
  }),
  /** Every finding, by review status. */
  byStatus: countsOf(FindingStatusSchema.options),
  /** One entry per UTC day, oldest first: findings first seen and findings revoked that day. */
  series: z.array(z.object({ day: z.string(), opened: z.number().int().nonnegative(), revoked: z.number().int().nonnegative() })),
  medianSecondsToRevoke: z.number().nullable().meta({ description: 'median time from first seen to revoked, over findings revoked in the window' }),
});
export type Stats = z.infer<typeof StatsSchema>;

export const ApiKeyInfoSchema = z.object({
  id: z.string(),
  role: ApiKeyRoleSchema,
  label: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().optional(),
  revokedAt: z.string().optional(),
});
export const ApiKeyListSchema = z.object({ items: z.array(ApiKeyInfoSchema) });
export const CreatedApiKeySchema = z.object({
  apiKey: ApiKeyInfoSchema,
  key: z.string().meta({ description: 'the key itself, shown ONCE: only its hash is stored' }),
});
export const ApiKeyResponseSchema = z.object({ apiKey: ApiKeyInfoSchema });

export const MeSchema = z.object({
  keyId: z.string(),
  role: ApiKeyRoleSchema,
  label: z.string(),
  via: z.enum(['bearer', 'session']),
  permissions: z.array(z.enum(PERMISSIONS as ['read', 'act', 'admin'])),
});
