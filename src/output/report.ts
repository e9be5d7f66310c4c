/**
 * The report model every output format renders: findings as the user sees them (a flat `location`
 * for the first occurrence, all `occurrences`, score, liveness, masked claims) plus run stats.
 *
 * Built only from `Finding`s, which never hold a raw token, so no format can print one.
 * The JSON report is also the input of `--baseline`, so its shape is a schema here.
 */
import { z } from 'zod';
import {
  BlastRadiusSchema,
  ExposureSchema,
  FindingKindSchema,
  LivenessSchema,
  MaskedClaimSchema,
  SEVERITY_ORDER,
  SeveritySchema,
  TokenProfileSchema,
  type Finding,
  type Occurrence,
  type Severity,
} from '../core/types.js';

/** One place, flattened: `path`, `line`, `column` always; the rest depending on the source. */
export const ReportLocationSchema = z.object({
  source: z.string(),
  kind: z.string(),
  path: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  // git / github
  repo: z.string().optional(),
  commit: z.string().optional(),
  author: z.string().optional(),
  date: z.string().optional(),
  // slack
  workspace: z.string().optional(),
  channel: z.string().optional(),
  channelName: z.string().optional(),
  ts: z.string().optional(),
  thread: z.string().optional(),
  permalink: z.string().optional(),
  // jira
  site: z.string().optional(),
  issue: z.string().optional(),
  field: z.string().optional(),
  commentId: z.string().optional(),
  url: z.string().optional(),
  exposure: ExposureSchema.optional(),
});
export type ReportLocation = z.infer<typeof ReportLocationSchema>;

export const ReportFindingSchema = z.object({
  fingerprint: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  rule: z.string(),
  /** Human-readable rule name, when the engine knows it. */
  ruleName: z.string().optional(),
  kind: FindingKindSchema,
  redacted: z.string(),
  location: ReportLocationSchema,
  occurrences: z.array(ReportLocationSchema),
  blastRadius: BlastRadiusSchema,
  liveness: LivenessSchema,
  jwtForm: z.string().optional(),
  header: z.record(z.string(), z.unknown()).optional(),
  claims: z.record(z.string(), z.unknown()).optional(),
  maskedClaims: z.array(MaskedClaimSchema).optional(),
  profile: TokenProfileSchema.optional(),
});
export type ReportFinding = z.infer<typeof ReportFindingSchema>;

export const BySeveritySchema = z.object({
  critical: z.number().int(),
  high: z.number().int(),
  medium: z.number().int(),
  low: z.number().int(),
  info: z.number().int(),
});

export const ScanStatsSchema = z.object({
  /** The targets as given on the command line. */
  targets: z.array(z.string()),
  /** Files read from folders (and working trees of clones). */
  files: z.number().int(),
  /** Items read by the other sources: commits (git), messages (Slack), issues (Jira), stdin. */
  items: z.number().int(),
  /** Chunks of text scanned (a file, a commit's added lines in one file, a message, an issue field). */
  chunks: z.number().int(),
  /** Bytes of text scanned. */
  bytes: z.number().int(),
  /** Files skipped (binary, too large, ignored, unreadable). */
  skipped: z.number().int(),
  /** Findings reported (after filters). */
  findings: z.number().int(),
  bySeverity: BySeveritySchema,
  /** Findings left out by `--baseline` and `--min-severity`. */
  suppressed: z.object({ baseline: z.number().int(), belowMinSeverity: z.number().int() }),
  /** Matches or chunks that failed (typed error codes, never their text). */
  errors: z.array(z.object({ code: z.string(), message: z.string(), count: z.number().int() })),
  durationMs: z.number().int(),
  startedAt: z.string(),
});
export type ScanStats = z.infer<typeof ScanStatsSchema>;

export const ReportSchema = z.object({
  findings: z.array(ReportFindingSchema),
  stats: ScanStatsSchema,
});
export type Report = z.infer<typeof ReportSchema>;

export function emptyBySeverity(): z.infer<typeof BySeveritySchema> {
  return { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
}

export function toReportLocation(o: Occurrence): ReportLocation {
  const l = o.locator;
  const base: ReportLocation = { source: o.source, kind: l.kind, path: l.path, line: l.line, column: l.column };
  switch (l.kind) {
    case 'git':
    case 'github':
      base.repo = l.repo;
      base.commit = l.commit;
      if (l.author ?? o.author) base.author = l.author ?? o.author;
      if (l.date ?? o.at) base.date = l.date ?? o.at;
      if (l.kind === 'github') {
        if (l.url) base.url = l.url;
        if (l.field) base.field = l.field;
      }
      break;
    case 'slack':
      if (l.workspace) base.workspace = l.workspace;
      base.channel = l.channel;
      if (l.channelName) base.channelName = l.channelName;
      base.ts = l.ts;
      if (l.threadTs) base.thread = l.threadTs;
      if (l.permalink) base.permalink = l.permalink;
      if (l.field) base.field = l.field;
      if (o.author) base.author = o.author;
      if (o.at) base.date = o.at;
      break;
    case 'jira':
      if (l.site) base.site = l.site;
      base.issue = l.issue;
      base.field = l.field;
      if (l.commentId) base.commentId = l.commentId;
      if (l.url) base.url = l.url;
      if (o.author) base.author = o.author;
      if (o.at) base.date = o.at;
      break;
    default:
      break;
  }
  if (o.exposure) base.exposure = o.exposure;
  return base;
}

export function toReportFinding(f: Finding, ruleName?: string): ReportFinding {
  const occurrences = f.occurrences.map(toReportLocation);
  const out: ReportFinding = {
    fingerprint: f.fingerprint,
    rule: f.rule,
    ...(ruleName ? { ruleName } : {}),
    kind: f.kind,
    redacted: f.redacted,
    location: occurrences[0]!,
    occurrences,
    blastRadius: f.blastRadius,
    liveness: f.liveness,
  };
  if (f.jwtForm) out.jwtForm = f.jwtForm;
  if (f.header) out.header = f.header;
  if (f.claims) out.claims = f.claims;
  if (f.maskedClaims && f.maskedClaims.length > 0) out.maskedClaims = f.maskedClaims;
  if (f.profile) out.profile = f.profile;
  return out;
}

/** "path:line:column" plus the one most useful extra (commit, channel, issue). */
export function shortLocation(l: ReportLocation): string {
  const pos = `${l.path}:${l.line}:${l.column}`;
  switch (l.kind) {
    case 'git':
    case 'github':
      return `${pos} @${(l.commit ?? '').slice(0, 10)}`;
    case 'slack':
      return `${pos} #${l.channelName ?? l.channel} ts=${l.ts ?? ''}`;
    case 'jira':
      return `${pos} ${l.issue ?? ''} ${l.field ?? ''}${l.commentId ? ` comment ${l.commentId}` : ''}`;
    default:
      return pos;
  }
}

export function severityAtLeast(s: Severity, min: Severity): boolean {
  return SEVERITY_ORDER.indexOf(s) >= SEVERITY_ORDER.indexOf(min);
}

export { SeveritySchema };
