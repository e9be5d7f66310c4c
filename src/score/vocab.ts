/**
 * Compiled vocabularies: the patterns of `ScoreOptions` turned into matchers once per options
 * object (cached), and the functions that level a privilege name and find an environment in text.
 */
import type { Environment, PrivilegeLevel } from '../core/profile.js';
import { PRIVILEGE_ORDER } from '../core/profile.js';
import { segments } from './claims.js';
import type { ScoreOptions } from './options.js';

export interface Matcher {
  pattern: string;
  test(name: string): boolean;
  /** Same as `test`, with the name's segments computed once by the caller. */
  testSplit(name: string, lower: string, segs: ReadonlySet<string>): boolean;
}

const WORD = /^[A-Za-z0-9_]+$/;

/**
 * A single word matches the whole name or one of its segments; anything else is a whole-name
 * pattern where `*` is any run of characters. Case-insensitive.
 */
export function compilePattern(pattern: string): Matcher {
  if (WORD.test(pattern)) {
    const word = pattern.toLowerCase();
    // `user_impersonation` is one word for WORD but two segments; compare it against the whole name too.
    const testSplit = (_name: string, lower: string, segs: ReadonlySet<string>): boolean => lower === word || segs.has(word);
    return { pattern, testSplit, test: (name) => testSplit(name, name.toLowerCase(), new Set(segments(name))) };
  }
  return compileWholeName(pattern);
}

/** Exact, case-insensitive value. */
export function compileLiteral(value: string): Matcher {
  const lower = value.toLowerCase();
  const test = (name: string): boolean => name.toLowerCase() === lower;
  return { pattern: value, test, testSplit: test };
}

/** Whole-name only (used for audiences, tenants, issuers): `*` is any run of characters. */
export function compileWholeName(pattern: string): Matcher {
  const re = new RegExp('^' + pattern.split('*').map(escapeRe).join('.*') + '$', 'is');
  return { pattern, test: (name) => re.test(name), testSplit: (name) => re.test(name) };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

export interface CompiledVocab {
  opts: ScoreOptions;
  /** Single-word patterns of every level: word → the highest level listing it. */
  levelWords: Map<string, { level: PrivilegeLevel; pattern: string }>;
  /** Whole-name patterns, highest level first. */
  levelGlobs: Array<{ level: PrivilegeLevel; matcher: Matcher }>;
  overrides: Array<{ level: PrivilegeLevel; matcher: Matcher }>;
  entraRoles: Map<string, { name: string; level: PrivilegeLevel }>;
  graphPermissions: Map<string, PrivilegeLevel>;
  adminAudiences: Matcher[];
  wildcardTenants: Matcher[];
  environments: Array<{ env: Exclude<Environment, 'unknown'>; matchers: Matcher[] }>;
  crownTenants: Matcher[];
  crownAudiences: Matcher[];
  crownIssuers: Matcher[];
  piiClaims: Set<string>;
  secretClaims: Set<string>;
  notSecretClaims: Set<string>;
  /** Memo of `levelOf` (scope and role names repeat across tokens); bounded. */
  levelMemo: Map<string, { level: PrivilegeLevel; why: string }>;
}

const LEVEL_MEMO_MAX = 5000;

const cache = new WeakMap<ScoreOptions, CompiledVocab>();

const LEVELS_HIGH_FIRST = ['owner', 'admin', 'write', 'read'] as const;

/** Words go into one map (a name is levelled with one lookup per segment); globs stay a list. */
function compileLevels(levels: ScoreOptions['vocab']['levels']): Pick<CompiledVocab, 'levelWords' | 'levelGlobs'> {
  const levelWords = new Map<string, { level: PrivilegeLevel; pattern: string }>();
  const levelGlobs: Array<{ level: PrivilegeLevel; matcher: Matcher }> = [];
  for (const level of LEVELS_HIGH_FIRST) {
    for (const pattern of levels[level]) {
      if (WORD.test(pattern)) {
        const word = pattern.toLowerCase();
        if (!levelWords.has(word)) levelWords.set(word, { level, pattern });
      } else levelGlobs.push({ level, matcher: compileWholeName(pattern) });
    }
  }
  return { levelWords, levelGlobs };
}

export function compileVocab(opts: ScoreOptions): CompiledVocab {
  const hit = cache.get(opts);
  if (hit) return hit;
  const v = opts.vocab;
  const compiled: CompiledVocab = {
    opts,
    ...compileLevels(v.levels),
    overrides: v.overrides.map((o) => ({ level: o.level, matcher: compilePattern(o.pattern) })),
    entraRoles: new Map(v.entraDirectoryRoles.map((r) => [r.id.toLowerCase(), { name: r.name, level: r.level }])),
    graphPermissions: new Map(v.graphAppPermissions.map((p) => [p.name.toLowerCase(), p.level])),
    adminAudiences: v.adminAudiences.map(compileWholeName),
    // Literal values: `*` here is the tenant value a token carries, not a pattern.
    wildcardTenants: v.wildcardTenants.map(compileLiteral),
    // Order matters only when one text names two environments: the riskier one is reported.
    environments: (['prod', 'staging', 'dev', 'test'] as const).map((env) => ({ env, matchers: opts.environments[env].map(compilePattern) })),
    crownTenants: opts.crownJewels.tenants.map(compileWholeName),
    crownAudiences: opts.crownJewels.audiences.map(compileWholeName),
    crownIssuers: opts.crownJewels.issuers.map(compileWholeName),
    piiClaims: new Set(opts.overEnrichment.piiClaims.map((s) => s.toLowerCase().replace(/[^a-z0-9]/g, ''))),
    secretClaims: new Set(opts.overEnrichment.secretClaims.map((s) => s.toLowerCase().replace(/[^a-z0-9]/g, ''))),
    notSecretClaims: new Set(opts.overEnrichment.notSecretClaims.map((s) => s.toLowerCase().replace(/[^a-z0-9]/g, ''))),
    levelMemo: new Map(),
  };
  cache.set(opts, compiled);
  return compiled;
}

/** A name made only of wildcard characters (`*`, `*:*`) grants everything. */
export function isWildcardName(name: string): boolean {
  return /^[*:./]+$/.test(name) && name.includes('*');
}

/**
 * Level of one scope / role / group / permission name: overrides first, then the highest level
 * whose vocabulary matches, else `unknownLevel`. `why` says which rule decided.
 */
export function levelOf(name: string, vocab: CompiledVocab): { level: PrivilegeLevel; why: string } {
  const memo = vocab.levelMemo.get(name);
  if (memo !== undefined) return memo;
  const result = computeLevel(name, vocab);
  if (vocab.levelMemo.size >= LEVEL_MEMO_MAX) vocab.levelMemo.clear();
  vocab.levelMemo.set(name, result);
  return result;
}

function computeLevel(name: string, vocab: CompiledVocab): { level: PrivilegeLevel; why: string } {
  if (isWildcardName(name)) return { level: 'owner', why: 'wildcard: grants every permission' };
  const lower = name.toLowerCase();
  const segs = new Set(segments(name));
  for (const o of vocab.overrides) {
    if (o.matcher.testSplit(name, lower, segs)) return { level: o.level, why: `override '${o.matcher.pattern}'` };
  }
  let best: { level: PrivilegeLevel; pattern: string } | undefined;
  for (const token of [lower, ...segs]) {
    const hit = vocab.levelWords.get(token);
    if (hit !== undefined && (best === undefined || levelRank(hit.level) > levelRank(best.level))) best = hit;
  }
  for (const g of vocab.levelGlobs) {
    if (best !== undefined && levelRank(g.level) <= levelRank(best.level)) break;
    if (g.matcher.test(name)) {
      best = { level: g.level, pattern: g.matcher.pattern };
      break;
    }
  }
  if (best !== undefined) return { level: best.level, why: `${best.level} vocabulary '${best.pattern}'` };
  return { level: vocab.opts.vocab.unknownLevel, why: `not in the vocabulary; assumed ${vocab.opts.vocab.unknownLevel}` };
}

export function maxLevel(levels: Iterable<PrivilegeLevel>): PrivilegeLevel {
  let best = 0;
  for (const l of levels) best = Math.max(best, PRIVILEGE_ORDER.indexOf(l));
  return PRIVILEGE_ORDER[best] ?? 'none';
}

export function levelRank(l: PrivilegeLevel): number {
  return PRIVILEGE_ORDER.indexOf(l);
}

/** The environment a piece of text names (riskiest first), or undefined. */
export function environmentIn(text: string, vocab: CompiledVocab): Exclude<Environment, 'unknown'> | undefined {
  if (text.length === 0) return undefined;
  const t = text.length > 512 ? text.slice(0, 512) : text;
  const lower = t.toLowerCase();
  const segs = new Set(segments(t));
  for (const { env, matchers } of vocab.environments) {
    for (const m of matchers) if (m.testSplit(t, lower, segs)) return env;
  }
  return undefined;
}

export function anyMatch(matchers: readonly Matcher[], values: readonly string[]): { value: string; pattern: string } | undefined {
  for (const value of values) for (const m of matchers) if (m.test(value)) return { value, pattern: m.pattern };
  return undefined;
}
