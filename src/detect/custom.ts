/**
 * User-defined credential rules from the configuration (`detect.customRules`).
 *
 * A custom rule's regex runs on RE2 (`re2js`): matching is linear in the input, so no regular
 * expression a user writes — `(a+)+$` included — can hang a scan. RE2 has no backreferences and no
 * look-around; such patterns are rejected at load time with the path of the offending key.
 *
 * Load-time checks (the same ones the config schema runs, so `tokenradius` refuses a bad config
 * before scanning anything): the regex compiles; `secretGroup` exists; every `examples.match`
 * string yields a match that a keyword can reach (otherwise the prefilter would hide it) and every
 * `examples.ignore` string yields none. Error messages never quote example strings (they may be
 * real secrets someone pasted into a config).
 */
import { RE2JS } from 're2js';
import { TokenradiusError } from '../core/errors.js';
import { falsePositiveReason, isTruncatedAt } from './filters.js';
import type { CustomRule } from './options.js';
import { guardedFind, MAX_MATCHES_PER_RULE } from './rules/kit.js';
import type { Detector, Match } from './types.js';

/** A problem with one custom rule; `path` is relative to the rule (`['regex']`, `['examples', 'match', 2]`). */
export interface CustomRuleIssue {
  path: Array<string | number>;
  message: string;
}

interface Compiled {
  re: RE2JS;
  groups: number;
}

function compile(regex: string): Compiled | CustomRuleIssue {
  try {
    const re = RE2JS.compile(regex);
    return { re, groups: re.groupCount() };
  } catch (e) {
    // re2js messages quote the pattern, which is the user's own config text, not a found token.
    const detail = e instanceof Error ? e.message.replace(/\s+/g, ' ').slice(0, 200) : 'syntax error';
    return { path: ['regex'], message: `not a valid RE2 regular expression (${detail}); RE2 has no backreferences or look-around` };
  }
}

/** Only the regex: used by the schema on the `regex` field so a syntax error is reported even when other keys are wrong. */
export function regexIssue(regex: string): string | undefined {
  const c = compile(regex);
  return 'message' in c ? c.message : undefined;
}

interface RuleParts {
  rule: CustomRule;
  re: RE2JS;
}

function* scan({ rule, re }: RuleParts, text: string): Generator<Match> {
  const m = re.matcher(text);
  let n = 0;
  let from = 0;
  while (n < MAX_MATCHES_PER_RULE && from <= text.length && m.find(from)) {
    const s0 = m.start(0);
    const e0 = m.end(0);
    from = e0 > s0 ? e0 : e0 + 1;
    const start = m.start(rule.secretGroup);
    const end = m.end(rule.secretGroup);
    if (start < 0 || end <= start) continue;
    const secret = text.slice(start, end);
    if (isTruncatedAt(text, start, end)) continue;
    // Documented examples and redacted previews are never findings; placeholders only when the user asks for entropy.
    const reason = falsePositiveReason(secret, { structured: true, minEntropy: rule.minEntropy ?? 0 });
    if (reason !== null) continue;
    n++;
    yield { ruleId: rule.id, kind: 'credential', secret, start, end };
  }
}

/** Every problem with one rule (already shape-valid per `CustomRuleSchema`). */
export function customRuleIssues(rule: CustomRule): CustomRuleIssue[] {
  const c = compile(rule.regex);
  if ('message' in c) return [c];
  const issues: CustomRuleIssue[] = [];
  if (rule.secretGroup > c.groups) {
    issues.push({ path: ['secretGroup'], message: `the regex has ${c.groups} capture group${c.groups === 1 ? '' : 's'}; secretGroup ${rule.secretGroup} does not exist` });
    return issues;
  }
  const parts: RuleParts = { rule, re: c.re };
  const keywords = rule.keywords.map((k) => k.toLowerCase());
  rule.examples?.match.forEach((text, i) => {
    const found = [...scan(parts, text)];
    if (found.length === 0) {
      issues.push({ path: ['examples', 'match', i], message: 'this match example does not match the rule (regex, secretGroup and minEntropy applied)' });
    } else if (!keywords.some((k) => text.toLowerCase().includes(k))) {
      issues.push({ path: ['keywords'], message: `match example ${i} contains none of the keywords, so the prefilter would never run the rule on it` });
    }
  });
  rule.examples?.ignore.forEach((text, i) => {
    if ([...scan(parts, text)].length > 0) issues.push({ path: ['examples', 'ignore', i], message: 'this ignore example matches the rule' });
  });
  return issues;
}

function formatPath(base: string, path: Array<string | number>): string {
  return base + path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
}

/**
 * Compile the configured custom rules into Detectors. Throws `TokenradiusError('CONFIG_INVALID')`
 * listing every problem with its path (`detect.customRules[2].regex`) when a rule is invalid or
 * two rules share an id.
 */
export function compileCustomRules(rules: readonly CustomRule[]): Detector[] {
  const issues: Array<{ path: string; message: string }> = [];
  const out: Detector[] = [];
  const seen = new Map<string, number>();
  rules.forEach((input, i) => {
    const base = `detect.customRules[${i}]`;
    // Normally already validated by the config schema; re-checked so a programmatic caller gets the same errors.
    if (!input || typeof input.id !== 'string' || !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(input.id)) {
      issues.push({ path: `${base}.id`, message: 'rule ids are kebab-case' });
      return;
    }
    if (typeof input.regex !== 'string' || input.regex.length === 0) {
      issues.push({ path: `${base}.regex`, message: 'a regex is required' });
      return;
    }
    if (!Array.isArray(input.keywords) || input.keywords.length === 0 || input.keywords.some((k) => typeof k !== 'string' || k.length < 2)) {
      issues.push({ path: `${base}.keywords`, message: 'at least one keyword of 2+ characters is required' });
      return;
    }
    const rule: CustomRule = { ...input, secretGroup: input.secretGroup ?? 0 };
    const prev = seen.get(rule.id);
    if (prev !== undefined) issues.push({ path: `${base}.id`, message: `duplicate rule id "${rule.id}" (also detect.customRules[${prev}])` });
    seen.set(rule.id, i);
    const ruleIssues = customRuleIssues(rule);
    for (const iss of ruleIssues) issues.push({ path: formatPath(base, iss.path), message: iss.message });
    if (ruleIssues.length > 0) return;
    const re = RE2JS.compile(rule.regex);
    const parts: RuleParts = { rule, re };
    out.push({
      id: rule.id,
      name: rule.name ?? `Custom rule ${rule.id}`,
      kind: 'credential',
      keywords: rule.keywords,
      ...(rule.docs ? { docs: rule.docs } : {}),
      reach: {
        privilege: rule.reach?.privilege ?? 'write',
        scope: rule.reach?.scope ?? `custom rule ${rule.id}`,
        lifetime: rule.reach?.lifetime ?? 'unbounded',
      },
      ...(rule.priority !== undefined ? { priority: rule.priority } : {}),
      find: guardedFind((text, found) => {
        for (const m of scan(parts, text)) found.push(m);
      }),
      examples: () => ({ match: [...(rule.examples?.match ?? [])], ignore: [...(rule.examples?.ignore ?? [])] }),
    });
  });
  if (issues.length > 0) {
    const lines = issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n');
    throw new TokenradiusError('CONFIG_INVALID', `custom rules have ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n${lines}`, { details: { issues } });
  }
  return out;
}
