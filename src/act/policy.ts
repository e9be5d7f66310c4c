/**
 * The alerting and revocation policy as pure functions: given a finding and the `act:` options,
 * which sinks get it, which revokers may act on it (and whether a responder must approve first),
 * which remediations apply. No I/O, no clock.
 *
 * - Routes: every route whose `match` holds contributes its sinks (union, in config order). With no
 *   routes at all, every sink gets every finding.
 * - Revocation: the FIRST rule whose `match` holds decides (like a firewall: put narrow rules
 *   first). Its `approval` (else `act.approval`) says whether the revocation waits for a responder.
 * - Remediation: every remediator whose `match` holds, for occurrences from its own source.
 * - Dedupe is not decided here: the store bumps a finding's `version` only when it is new, worse or
 *   changed state, and the act stage keys each alert on that version.
 */
import { severityRank, type LivenessState, type Severity } from '../core/types.js';
import type { ActOptions, Match } from './options.js';

/** What `decide` reads from the options (sink and remediator ids, routes and rules). */
export interface PolicyOptions {
  sinks: ReadonlyArray<{ id: string }>;
  routes: ActOptions['routes'];
  revocation: ActOptions['revocation'];
  approval: ActOptions['approval'];
  remediation: ReadonlyArray<{ id: string; source: string; match: Match }>;
}

/** The parts of a finding the policy reads (a `StoredFinding` has them all). */
export interface PolicyFinding {
  rule: string;
  kind: 'jwt' | 'credential';
  blastRadius: { severity: Severity };
  liveness: { state: LivenessState };
  profile?: { issuer?: string | undefined; issuerFamily?: string | undefined } | undefined;
  claims?: Record<string, unknown> | undefined;
  occurrences: ReadonlyArray<{ source: string }>;
  /** Every source the finding was seen in (the store keeps the full list; occurrences may be a page). */
  sources?: readonly string[];
}

export interface RevocationDecision {
  /** `policy:<rule name>` or `policy:revocation-<index>`. */
  actor: string;
  revokers: string[];
  approval: 'auto' | 'required';
}

export interface PolicyDecision {
  sinks: string[];
  /** `policy:<route name>` of each matching route (or `policy:default`). */
  routes: string[];
  revocation?: RevocationDecision;
  remediators: string[];
}

export function issuerOf(f: Pick<PolicyFinding, 'profile' | 'claims'>): string | undefined {
  const iss = f.profile?.issuer ?? f.claims?.iss;
  return typeof iss === 'string' ? iss : undefined;
}

function sourcesOf(f: PolicyFinding): readonly string[] {
  return f.sources && f.sources.length > 0 ? f.sources : f.occurrences.map((o) => o.source);
}

/** Does the finding satisfy every condition of `m`? */
export function matches(m: Match, f: PolicyFinding): boolean {
  if (severityRank(f.blastRadius.severity) < severityRank(m.minSeverity)) return false;
  if (m.rules.length > 0 && !m.rules.includes(f.rule)) return false;
  if (m.kinds.length > 0 && !m.kinds.includes(f.kind)) return false;
  if (m.liveness.length > 0 && !m.liveness.includes(f.liveness.state)) return false;
  if (m.sources.length > 0 && !sourcesOf(f).some((s) => m.sources.includes(s))) return false;
  if (m.issuers.length > 0) {
    const iss = issuerOf(f);
    const family = f.profile?.issuerFamily;
    if (!(iss !== undefined && m.issuers.includes(iss)) && !(family !== undefined && m.issuers.includes(family))) return false;
  }
  return true;
}

export function decide(f: PolicyFinding, o: PolicyOptions): PolicyDecision {
  let sinks: string[];
  let routes: string[];
  if (o.routes.length === 0) {
    sinks = o.sinks.map((s) => s.id);
    routes = sinks.length > 0 ? ['policy:default'] : [];
  } else {
    const wanted = new Set<string>();
    routes = [];
    o.routes.forEach((r, i) => {
      if (!matches(r.match, f)) return;
      routes.push(`policy:${r.name ?? `route-${i + 1}`}`);
      for (const s of r.sinks) wanted.add(s);
    });
    // Config order, not route order: the same finding always alerts in the same sequence.
    sinks = o.sinks.map((s) => s.id).filter((id) => wanted.has(id));
  }

  let revocation: RevocationDecision | undefined;
  for (let i = 0; i < o.revocation.length; i++) {
    const rule = o.revocation[i]!;
    if (!matches(rule.match, f)) continue;
    revocation = { actor: `policy:${rule.name ?? `revocation-${i + 1}`}`, revokers: [...rule.revokers], approval: rule.approval ?? o.approval };
    break;
  }

  const remediators = o.remediation.filter((r) => matches(r.match, f) && sourcesOf(f).includes(r.source)).map((r) => r.id);
  return { sinks, routes, ...(revocation ? { revocation } : {}), remediators };
}

/** A finding's first version is news; later versions (worse, changed state) are updates. */
export function findingEventType(version: number): 'finding.created' | 'finding.updated' {
  return version <= 1 ? 'finding.created' : 'finding.updated';
}
