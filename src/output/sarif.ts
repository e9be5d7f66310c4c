/**
 * `--format sarif`: SARIF 2.1.0 (validated against the official schema in test/output).
 *
 * One result per finding: `locations` is its first occurrence, `relatedLocations` the others, so a
 * token pasted in five places is one alert, as in the JSON report. `partialFingerprints` carries
 * our fingerprint so code-scanning platforms track the same token across runs and moves.
 * Columns are UTF-16 code units (`columnKind`), the unit our locators use.
 */
import type { Severity } from '../core/types.js';
import { stringifyForDisplay } from '../core/display.js';
import type { ReportFinding, ReportLocation } from './report.js';
import type { RuleInfo, StreamRenderer } from './types.js';
import { toStringRenderer } from './types.js';

const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
const INFORMATION_URI = 'https://www.npmjs.com/package/tokenradius';

export function sarifLevel(s: Severity): 'error' | 'warning' | 'note' {
  if (s === 'critical' || s === 'high') return 'error';
  if (s === 'medium') return 'warning';
  return 'note';
}

/** A relative or absolute path as a SARIF URI reference (percent-encoded, forward slashes). */
export function pathToUri(path: string): string {
  if (path === '-') return 'stdin';
  const p = path.replace(/\\/g, '/');
  const encoded = p
    .split('/')
    .map((seg) => encodeURIComponent(seg))
    .join('/');
  return p.startsWith('/') ? `file://${encoded}` : encoded;
}

function physical(l: ReportLocation, id?: number) {
  return {
    ...(id !== undefined ? { id } : {}),
    physicalLocation: {
      artifactLocation: { uri: pathToUri(l.path) },
      region: { startLine: Math.max(1, l.line), startColumn: Math.max(1, l.column) },
    },
    ...(describeWhere(l) ? { message: { text: describeWhere(l)! } } : {}),
    properties: locationProperties(l),
  };
}

function describeWhere(l: ReportLocation): string | undefined {
  if (l.kind === 'git' || l.kind === 'github') return `commit ${l.commit ?? ''}${l.author ? ` by ${l.author}` : ''}${l.date ? ` on ${l.date}` : ''}`;
  if (l.kind === 'slack') return `Slack #${l.channelName ?? l.channel ?? ''} ts ${l.ts ?? ''}${l.thread ? ` thread ${l.thread}` : ''}`;
  if (l.kind === 'jira') return `Jira ${l.issue ?? ''} ${l.field ?? ''}${l.commentId ? ` comment ${l.commentId}` : ''}`;
  return undefined;
}

function locationProperties(l: ReportLocation): Record<string, unknown> {
  const { path: _p, line: _l, column: _c, ...rest } = l;
  return rest;
}

function result(f: ReportFinding, ruleIndex: number) {
  const br = f.blastRadius;
  const name = f.ruleName ?? f.rule;
  const [first, ...others] = f.occurrences.length > 0 ? f.occurrences : [f.location];
  return {
    ruleId: f.rule,
    ruleIndex,
    level: sarifLevel(br.severity),
    message: {
      text: `${name} ${f.redacted} leaked (blast radius ${br.score}/100, ${br.severity}; liveness ${f.liveness.state})` +
        (f.occurrences.length > 1 ? ` in ${f.occurrences.length} places` : ''),
    },
    locations: [physical(first!)],
    ...(others.length > 0 ? { relatedLocations: others.map((l, i) => physical(l, i + 1)) } : {}),
    partialFingerprints: { 'tokenradiusFingerprint/v1': f.fingerprint },
    properties: {
      fingerprint: f.fingerprint,
      redacted: f.redacted,
      kind: f.kind,
      score: br.score,
      severity: br.severity,
      // GitHub code scanning reads a 0.0–10.0 string.
      'security-severity': (br.score / 10).toFixed(1),
      liveness: f.liveness.state,
      factors: br.factors,
      ...(f.profile ? { issuerFamily: f.profile.issuerFamily, privilegeLevel: f.profile.privilegeLevel, environment: f.profile.environment } : {}),
    },
  };
}

function ruleDescriptor(id: string, info: RuleInfo | undefined, kind: string) {
  const name = info?.name ?? id;
  return {
    id,
    name: id.replace(/(^|-)([a-z0-9])/g, (_m, _d: string, c: string) => c.toUpperCase()),
    shortDescription: { text: `Leaked ${name}` },
    fullDescription: { text: `A ${kind === 'jwt' ? 'JSON Web Token' : 'credential'} of this kind was found in plain text. Revoke or rotate it, then remove it from where it leaked.` },
    ...(info?.docs ? { helpUri: info.docs } : {}),
    defaultConfiguration: { level: 'error' as const },
    properties: { tags: ['security', 'secret', kind] },
  };
}

const RESULTS_MARK = '__tokenradius_results__';

export const streamSarif: StreamRenderer = function* (input, ctx) {
  const ruleIds = input.rules.map((r) => r.id);
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const stats = input.stats;
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'tokenradius',
            semanticVersion: ctx.toolVersion,
            version: ctx.toolVersion,
            informationUri: INFORMATION_URI,
            rules: input.rules.map((r) => ruleDescriptor(r.id, ctx.rules.get(r.id), r.kind)),
          },
        },
        columnKind: 'utf16CodeUnits',
        results: RESULTS_MARK,
        invocations: [
          {
            executionSuccessful: true,
            startTimeUtc: stats.startedAt,
            ...(stats.errors.length > 0
              ? { toolExecutionNotifications: stats.errors.map((e) => ({ level: 'warning', message: { text: `${e.code}: ${e.message} (x${e.count})` } })) }
              : {}),
          },
        ],
        properties: { stats },
      },
    ],
  };
  // Lay out the document once with a marker where the results go, then stream the results there
  // at the marker's indentation.
  const text = stringifyForDisplay(log, 2);
  const at = text.indexOf(`"${RESULTS_MARK}"`);
  const lineStart = text.lastIndexOf('\n', at) + 1;
  const pad = ' '.repeat(text.slice(lineStart).search(/\S/));
  yield text.slice(0, at) + '[';
  let first = true;
  for (const f of input.findings) {
    const r = stringifyForDisplay(result(f, index.get(f.rule) ?? 0), 2).replace(/\n/g, '\n' + pad + '  ');
    yield (first ? '\n' : ',\n') + pad + '  ' + r;
    first = false;
  }
  yield (first ? ']' : '\n' + pad + ']') + text.slice(at + RESULTS_MARK.length + 2) + '\n';
};

export const renderSarif = toStringRenderer(streamSarif);
