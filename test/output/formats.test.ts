import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import { RENDERERS, ReportSchema, STREAM_RENDERERS, rulesOf, type RenderContext } from '../../src/output/index.js';
import { pathToUri, sarifLevel } from '../../src/output/sarif.js';
import { reportOf, sampleFindings } from './fixtures.js';

const ctx: RenderContext = {
  color: false,
  rules: new Map([['github-classic-pat', { id: 'github-classic-pat', name: 'GitHub personal access token (classic)', docs: 'https://docs.github.com/en/authentication' }]]),
  toolVersion: '0.1.0',
};

/**
 * The official SARIF 2.1.0 schema (shipped by @microsoft/jest-sarif). It is draft-04; ajv 8 reads
 * it once `id` becomes `$id` and the draft-04 `$schema` is dropped (the schema uses no other
 * draft-04-only keyword: no boolean exclusiveMinimum/Maximum).
 */
function sarifValidator() {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
  const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const { id, $schema: _drop, ...rest } = schema;
  // unicodeRegExp off: the schema's `language` pattern has a stray `]`, legal only without the u flag.
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  ajv.addFormat('uri', { validate: (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s) && URL.canParse(s) });
  ajv.addFormat('uri-reference', { validate: (s: string) => URL.canParse(s, 'http://base.invalid/') && !/\s/.test(s) });
  ajv.addFormat('date-time', { validate: (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s) && !Number.isNaN(Date.parse(s)) });
  return ajv.compile({ ...rest, $id: String(id) });
}

describe('json format', () => {
  it('prints {findings, stats} with location, occurrences, score and liveness, and parses back as a report', () => {
    const out = RENDERERS.json(reportOf(sampleFindings()), ctx);
    const parsed = ReportSchema.parse(JSON.parse(out));
    expect(parsed.findings).toHaveLength(3);
    const first = parsed.findings[0]!;
    expect(first.location).toMatchObject({ path: 'src/config dir/app.ts', line: 12, column: 7 });
    expect(first.occurrences[1]).toMatchObject({ kind: 'git', commit: 'a'.repeat(40), author: 'Dev <dev@example.com>', date: '2025-01-01T00:00:00Z' });
    expect(first.blastRadius.severity).toBe('critical');
    const slack = parsed.findings[1]!;
    expect(slack.location).toMatchObject({ channel: 'C123', ts: '1712345678.000100', thread: '1712345000.000100' });
    expect(slack.claims).toMatchObject({ client_secret: '[masked]' });
    expect(parsed.findings[2]!.location).toMatchObject({ issue: 'OPS-7', field: 'comment', commentId: '10001' });
    expect(parsed.stats.bySeverity).toEqual({ critical: 1, high: 0, medium: 1, low: 1, info: 0 });
    expect(out.endsWith('\n')).toBe(true);
  });
});

describe('streaming', () => {
  it('writes JSON and SARIF piece by piece, identical to laying out the whole document at once', () => {
    for (const findings of [sampleFindings(), []]) {
      const report = reportOf(findings);
      expect(RENDERERS.json(report, ctx)).toBe(JSON.stringify(report, null, 2) + '\n');
      const sarif = RENDERERS.sarif(report, ctx);
      expect(sarif).toBe(JSON.stringify(JSON.parse(sarif), null, 2) + '\n');
    }
  });
  it('yields one piece per finding, so the report is never one big string', () => {
    const report = reportOf(sampleFindings());
    const pieces = [...STREAM_RENDERERS.json({ findings: report.findings, rules: rulesOf(report.findings), stats: report.stats }, ctx)];
    expect(pieces.length).toBe(report.findings.length + 3);
  });
});

describe('jsonl format', () => {
  it('prints one finding per line and a final stats line', () => {
    const lines = RENDERERS.jsonl(reportOf(sampleFindings()), ctx).trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    const objs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs.slice(0, 3).every((o) => typeof o.fingerprint === 'string')).toBe(true);
    expect(objs[3]).toHaveProperty('stats.findings', 3);
  });
  it('prints only the stats line when nothing was found', () => {
    const out = RENDERERS.jsonl(reportOf([]), ctx);
    expect(out.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('sarif format', () => {
  const validate = sarifValidator();

  it('is valid SARIF 2.1.0 with rules, levels, regions and partial fingerprints', () => {
    const log = JSON.parse(RENDERERS.sarif(reportOf(sampleFindings()), ctx));
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    const run = log.runs[0];
    expect(run.tool.driver.name).toBe('tokenradius');
    const ruleIds = run.tool.driver.rules.map((r: { id: string }) => r.id);
    expect(ruleIds).toEqual(['aws-access-key-pair', 'github-classic-pat', 'jwt']);
    const gh = run.tool.driver.rules[1];
    expect(gh).toMatchObject({ shortDescription: { text: expect.stringContaining('GitHub personal access token') }, helpUri: 'https://docs.github.com/en/authentication' });
    const r0 = run.results[0];
    expect(r0).toMatchObject({ ruleId: 'github-classic-pat', ruleIndex: 1, level: 'error' });
    expect(r0.partialFingerprints['tokenradiusFingerprint/v1']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(r0.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'src/config%20dir/app.ts' }, region: { startLine: 12, startColumn: 7 } });
    expect(r0.relatedLocations).toHaveLength(1);
    expect(r0.properties).toMatchObject({ score: 91, severity: 'critical', 'security-severity': '9.1' });
    expect(r0.message.text).toContain('91/100');
    expect(run.results.map((r: { level: string }) => r.level)).toEqual(['error', 'warning', 'note']);
  });

  it('is valid with no findings, and the validator does reject a broken log', () => {
    const log = JSON.parse(RENDERERS.sarif(reportOf([]), ctx));
    expect(validate(log)).toBe(true);
    expect(log.runs[0].results).toEqual([]);
    const broken = structuredClone(log);
    broken.runs[0].results = [{ ruleId: 'x', level: 'fatal', message: {} }];
    expect(validate(broken)).toBe(false);
  });

  it('maps severities to levels and paths to URI references', () => {
    expect(['critical', 'high', 'medium', 'low', 'info'].map((s) => sarifLevel(s as 'info'))).toEqual(['error', 'error', 'warning', 'note', 'note']);
    expect(pathToUri('/abs/with space/#x.txt')).toBe('file:///abs/with%20space/%23x.txt');
    expect(pathToUri('a\\b.txt')).toBe('a/b.txt');
    expect(pathToUri('-')).toBe('stdin');
  });
});

describe('table format', () => {
  it('lists findings by score with preview, location, liveness and top factors, and a summary', () => {
    const out = RENDERERS.table(reportOf(sampleFindings()), ctx);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^SEVERITY\s+SCORE\s+RULE\s+TOKEN\s+LOCATION\s+LIVENESS\s+TOP FACTORS$/);
    expect(lines[1]).toMatch(/^CRITICAL\s+91\s+github-classic-pat\s+ghp_ab…wxyz\[40 chars\]\s+src\/config dir\/app\.ts:12:7 \(\+1 more\)\s+unknown\s+privilege \+30, exposure \+10, lifetime -5$/);
    expect(lines[2]).toContain('#general');
    expect(lines[3]).toContain('OPS-7 comment comment 10001');
    expect(out).toContain('3 findings (critical 1, high 0, medium 1, low 1, info 0)');
    expect(out).not.toContain('\x1b[');
  });
  it('colours severity only when asked (terminal)', () => {
    const out = RENDERERS.table(reportOf(sampleFindings()), { ...ctx, color: true });
    expect(out).toContain('\x1b[1;37;41mCRITICAL\x1b[0m');
  });
  it('says so when nothing was found', () => {
    expect(RENDERERS.table(reportOf([]), ctx)).toMatch(/^No leaked tokens found\./);
  });
  it('neutralises terminal control characters from hostile paths', () => {
    const f = sampleFindings()[0]!;
    f.occurrences[0]!.locator = { kind: 'file', path: 'evil\x1b]0;pwned\x07.txt', line: 1, column: 1 };
    const out = RENDERERS.table(reportOf([f]), ctx);
    expect(out).not.toContain('\x1b');
    expect(out).not.toContain('\x07');
  });
});
