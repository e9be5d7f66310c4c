/**
 * The OpenAPI 3.1 document served at /api/openapi.json: generated from the route table's zod
 * schemas, it lists every route with its parameters, body, response and error statuses; every
 * `$ref` resolves; every component schema compiles as JSON Schema 2020-12; and real responses of
 * the running API validate against the documented schemas.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, apiRoutes } from '../../../src/server/api/routes.js';
import { adminJwt, bearer, json, startTestServer, type TestServer } from './helpers.js';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; parameters: Array<{ name: string; in: string; required: boolean }>; requestBody?: unknown; responses: Record<string, { content: { 'application/json': { schema: { $ref: string } } } }> }>>;
  components: { schemas: Record<string, unknown> };
};

function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe('OpenAPI document', () => {
  let s: TestServer;
  let doc: Doc;
  const ROOT = 'https://tokenradius.invalid/openapi.json';
  let ajv: Ajv2020;

  beforeAll(async () => {
    s = await startTestServer();
    const res = await s.app.inject({ url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = json(res) as Doc;
    ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ $id: ROOT, components: doc.components });
  });
  afterAll(async () => {
    await s?.close();
  });

  const validator = (ref: string) => ajv.getSchema(`${ROOT}${ref}`) ?? ajv.compile({ $ref: `${ROOT}${ref}` });

  it('is OpenAPI 3.1 and served without credentials', () => {
    expect(doc.openapi).toBe('3.1.0');
  });

  it('documents every route of the table with its path parameters, body and errors', () => {
    for (const r of apiRoutes) {
      const path = `${API_PREFIX}${r.path}`.replace(/:([A-Za-z_]+)/g, '{$1}');
      const op = doc.paths[path]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${path}`).toBeDefined();
      expect(op!.operationId).toBe(r.operationId);
      for (const p of Object.keys(r.params?.shape ?? {})) expect(op!.parameters).toContainEqual(expect.objectContaining({ name: p, in: 'path', required: true }));
      for (const q of Object.keys(r.query?.shape ?? {})) expect(op!.parameters.map((x) => x.name)).toContain(q);
      expect(Boolean(op!.requestBody)).toBe(Boolean(r.body));
      expect(Object.keys(op!.responses)).toEqual(expect.arrayContaining([String(r.status), '401', '500', ...r.errors.map(String)]));
    }
    const documented = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(documented).toBe(apiRoutes.length);
  });

  it('resolves every $ref and compiles every schema', () => {
    for (const ref of refs(doc)) {
      expect(ref.startsWith('#/components/schemas/'), ref).toBe(true);
      expect(doc.components.schemas[ref.slice('#/components/schemas/'.length)], ref).toBeDefined();
    }
    for (const name of Object.keys(doc.components.schemas)) expect(() => validator(`#/components/schemas/${name}`), name).not.toThrow();
  });

  it('matches what the API actually returns', async () => {
    await s.plant(`Authorization: Bearer ${adminJwt()}`);
    const check = async (url: string, op: string, status = '200') => {
      const res = await s.app.inject({ url: `${API_PREFIX}${url}`, headers: bearer(s.keys.admin) });
      expect(String(res.statusCode)).toBe(status);
      const [path, ops] = Object.entries(doc.paths).find(([, o]) => Object.values(o).some((x) => x.operationId === op))!;
      const operation = Object.values(ops).find((x) => x.operationId === op)!;
      const v = validator(operation.responses[status]!.content['application/json'].schema.$ref);
      const ok = v(json(res));
      expect(ok, `${path}: ${JSON.stringify(v.errors?.slice(0, 3))}`).toBe(true);
      return json(res);
    };
    const list = await check('/findings', 'listFindings');
    await check(`/findings/${list.items[0].fingerprint}`, 'getFinding');
    await check('/stats', 'getStats');
    await check('/keys', 'listApiKeys');
    await check('/me', 'getMe');
    await check('/audit', 'listAudit');
    await check(`/findings/sha256:${'9'.repeat(64)}`, 'getFinding', '404');
  });
});
