/**
 * The OpenAPI 3.1 document of the REST API, generated from the route table (`routes.ts`) and its
 * zod schemas with zod 4's `z.toJSONSchema` (JSON Schema 2020-12, which OpenAPI 3.1 uses as is).
 * Served at `/api/openapi.json`. Shared shapes (a finding, an action, an audit entry, the error
 * body) are components referenced by `$ref`; request schemas are rendered as clients send them
 * (defaults optional), response schemas as the server sends them.
 */
import { z } from 'zod';
import { ActionSchema, AuditEntrySchema, FindingRecordSchema, StoredFindingSchema } from '../../store/types.js';
import { RevocationStatusSchema } from '../../act/payload.js';
import { ROLE_FOR } from '../auth/principal.js';
import { SESSION_COOKIE } from '../auth/authenticate.js';
import { API_PREFIX, apiRoutes, type ApiRoute } from './routes.js';
import { ApiKeyInfoSchema, ErrorBodySchema } from './schemas.js';

type JsonSchema = Record<string, unknown>;

const REF = (name: string) => `#/components/schemas/${name}`;

const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed path or query parameters (issues by path)',
  401: 'No valid API key (send "Authorization: Bearer <key>") or console session',
  403: 'The role does not allow this, or a console request without its CSRF token',
  404: 'No such finding, action or key',
  409: 'The current state does not allow this (e.g. the finding is already resolved)',
  422: 'The JSON body failed validation (issues by path)',
  429: 'Too many attempts (Retry-After says when to try again)',
  500: 'Internal error (nothing about the request is echoed)',
};

/** Shared component names for schemas used by several responses. */
const SHARED: ReadonlyArray<[z.ZodType, string]> = [
  [FindingRecordSchema, 'FindingRecord'],
  [StoredFindingSchema, 'Finding'],
  [ActionSchema, 'Action'],
  [AuditEntrySchema, 'AuditEntry'],
  [RevocationStatusSchema, 'RevocationStatus'],
  [ApiKeyInfoSchema, 'ApiKeyInfo'],
  [ErrorBodySchema, 'Error'],
];

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function stripIds(schemas: Record<string, JsonSchema>): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const [name, s] of Object.entries(schemas)) {
    const { $schema: _s, $id: _i, ...rest } = s;
    out[name] = rest;
  }
  return out;
}

function inline(schema: z.ZodType): JsonSchema {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function isRequired(schema: z.ZodType): boolean {
  return !schema.safeParse(undefined).success;
}

function parameters(r: ApiRoute): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [name, s] of Object.entries(r.params?.shape ?? {})) {
    out.push({ name, in: 'path', required: true, schema: inline(s as z.ZodType) });
  }
  for (const [name, s] of Object.entries(r.query?.shape ?? {})) {
    const schema = inline(s as z.ZodType);
    const p: JsonSchema = { name, in: 'query', required: isRequired(s as z.ZodType), schema };
    if (typeof schema.description === 'string') p.description = schema.description;
    if (schema.type === 'array') {
      p.style = 'form';
      p.explode = true;
      p.description = `${typeof p.description === 'string' ? `${p.description}. ` : ''}Repeat the parameter or separate values with commas.`;
    }
    out.push(p);
  }
  return out;
}

/** Build the document (pure: the same routes give the same document). */
export function buildOpenApiDocument(o: { version: string; routes?: readonly ApiRoute[] }): JsonSchema {
  const routes = o.routes ?? apiRoutes;
  const responses = z.registry<{ id: string }>();
  const requests = z.registry<{ id: string }>();
  const responseName = new Map<z.ZodType, string>();
  const requestName = new Map<z.ZodType, string>();
  for (const [s, name] of SHARED) {
    responses.add(s, { id: name });
    responseName.set(s, name);
  }
  for (const r of routes) {
    if (!responseName.has(r.response)) {
      const name = `${capital(r.operationId)}Response`;
      responses.add(r.response, { id: name });
      responseName.set(r.response, name);
    }
    if (r.body && !requestName.has(r.body)) {
      const name = `${capital(r.operationId)}Body`;
      requests.add(r.body, { id: name });
      requestName.set(r.body, name);
    }
  }
  const uri = (id: string) => REF(id);
  const outSchemas = z.toJSONSchema(responses, { uri, io: 'output', unrepresentable: 'any' }).schemas as Record<string, JsonSchema>;
  const inSchemas = z.toJSONSchema(requests, { uri, io: 'input', unrepresentable: 'any' }).schemas as Record<string, JsonSchema>;

  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const r of routes) {
    const path = `${API_PREFIX}${r.path}`.replace(/:([A-Za-z_]+)/g, '{$1}');
    const errorStatuses = [...new Set([401, ...r.errors, 500])].sort((a, b) => a - b);
    const op: JsonSchema = {
      operationId: r.operationId,
      tags: [r.tag],
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      'x-required-role': ROLE_FOR[r.permission],
      parameters: parameters(r),
      responses: {
        [String(r.status)]: {
          description: r.summary,
          content: { 'application/json': { schema: { $ref: REF(responseName.get(r.response)!) } } },
        },
        ...Object.fromEntries(
          errorStatuses.map((s) => [String(s), { description: ERROR_TEXT[s] ?? 'Error', content: { 'application/json': { schema: { $ref: REF('Error') } } } }]),
        ),
      },
    };
    if (r.body) {
      op.requestBody = {
        required: !r.bodyOptional,
        content: { 'application/json': { schema: { $ref: REF(requestName.get(r.body)!) } } },
      };
    }
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'tokenradius review API',
      version: o.version,
      description:
        'Findings of leaked tokens, their blast radius, and what to do about them. Authenticate with an API key as a Bearer token ' +
        '(`tokenradius keys create --role viewer|responder|admin`). Viewers read; responders also act on findings and revocations; admins also manage keys. ' +
        'Errors are `{ "error": { "code", "message", "issues"? } }`.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ bearerAuth: [] }, { sessionCookie: [] }],
    tags: [
      { name: 'findings', description: 'Leaked tokens and their review status' },
      { name: 'revocations', description: 'Revoke now, approvals, and the actions taken on findings' },
      { name: 'stats', description: 'Dashboard numbers' },
      { name: 'audit', description: 'Who did what, when' },
      { name: 'keys', description: 'API key management (admin)' },
      { name: 'session', description: 'The calling key' },
    ],
    paths,
    components: {
      schemas: { ...stripIds(outSchemas), ...stripIds(inSchemas) },
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key: trk_<id>_<secret>' },
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description: `Console session (\`__Host-${SESSION_COOKIE}\` over https). State-changing requests need the session's CSRF token in X-CSRF-Token.`,
        },
      },
    },
  };
}
