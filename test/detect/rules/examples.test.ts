/**
 * One harness for every built-in credential rule: each rule must find something in each of its
 * own `match` examples (with the secret really in the text, found near a keyword the engine's
 * prefilter looks for) and nothing in its `ignore` examples. Examples are generated at call time,
 * so every run exercises fresh random bodies with real checksums.
 */
import { describe, expect, it } from 'vitest';
import { credentialRules } from '../../../src/detect/rules/index.js';
import { DEFAULT_WINDOW, type Detector, type Match } from '../../../src/detect/types.js';

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Letters and digits only, with JSON escapes (`\n`, `\/`) and Slack's `&amp;` removed: compares a normalised secret with the text it came from. */
const squash = (s: string): string => s.replace(/&amp;/g, '&').replace(/\\+[nrt/"]/g, '').replace(/[^A-Za-z0-9]/g, '');

function matchesOf(rule: Detector, text: string): Match[] {
  return [...rule.find(text)].filter((m) => m.ruleId === rule.id);
}

/** Does some keyword occurrence cover the match within the rule's window (what the engine's windowing promises)? */
function keywordCovers(rule: Detector, text: string, m: Match): boolean {
  if (rule.window === 'chunk') return rule.keywords.some((k) => text.toLowerCase().includes(k.toLowerCase()));
  const w = rule.window ?? DEFAULT_WINDOW;
  const lower = text.toLowerCase();
  for (const k of rule.keywords) {
    const kl = k.toLowerCase();
    for (let p = lower.indexOf(kl); p !== -1; p = lower.indexOf(kl, p + 1)) {
      if (m.start >= p - w.before && m.end <= p + kl.length + w.after) return true;
    }
  }
  return false;
}

describe('credential rule registry', () => {
  it('has at least 60 rules with unique kebab-case ids', () => {
    expect(credentialRules.length).toBeGreaterThanOrEqual(60);
    const ids = credentialRules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(KEBAB);
  });

  it.each(credentialRules.map((r) => [r.id, r] as const))('%s declares name, kind, keywords, docs and reach', (_id, rule) => {
    expect(rule.name.length).toBeGreaterThan(3);
    expect(rule.kind).toBe('credential');
    expect(rule.keywords.length).toBeGreaterThan(0);
    for (const k of rule.keywords) expect(k.length).toBeGreaterThanOrEqual(2);
    expect(rule.docs).toMatch(/^https:\/\/\S+$/);
    expect(rule.reach).toBeDefined();
    expect(['read', 'write', 'admin', 'owner']).toContain(rule.reach!.privilege);
  });
});

describe.each(credentialRules.map((r) => [r.id, r] as const))('%s', (_id, rule) => {
  const examples = rule.examples();

  it('has match and ignore examples', () => {
    expect(examples.match.length).toBeGreaterThan(0);
    expect(examples.ignore.length).toBeGreaterThan(0);
  });

  it.each(examples.match.map((t, i) => [i, t] as const))('finds a token in match example %i', (_i, text) => {
    const found = matchesOf(rule, text);
    expect(found.length, `no match in: ${text.slice(0, 80)}`).toBeGreaterThanOrEqual(1);
    for (const m of found) {
      expect(m.kind).toBe('credential');
      expect(m.start).toBeGreaterThanOrEqual(0);
      expect(m.end).toBeLessThanOrEqual(text.length);
      expect(m.end).toBeGreaterThan(m.start);
      // The secret is in the text: verbatim, or (normalised PEM blocks, JSON-escaped URLs) as the span's content.
      if (!text.includes(m.secret)) expect(squash(text.slice(m.start, m.end))).toBe(squash(m.secret));
      // The prefilter can never hide it: a keyword occurs in the text, close enough for the engine's window.
      expect(keywordCovers(rule, text, m), `keyword of ${rule.id} not near match`).toBe(true);
      // Context is for scoring and never repeats the secret.
      for (const v of Object.values(m.context ?? {})) expect(v.includes(m.secret)).toBe(false);
    }
  });

  it.each(examples.ignore.map((t, i) => [i, t] as const))('finds nothing in ignore example %i', (_i, text) => {
    expect(matchesOf(rule, text)).toEqual([]);
  });
});
