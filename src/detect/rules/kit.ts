/**
 * Building blocks for credential rules: `patternRule` turns a declarative spec (keywords, one
 * linear regex, a verifier) into a `Detector` that is pure, synchronous, bounded and never throws.
 *
 * Every candidate goes through the same gate, in order:
 *   regex → not cut short by a redaction mark (`…`, `***`) → generic false-positive filters on the
 *   random part (known public example, placeholder, redaction, entropy) → the rule's own `verify`
 *   (checksum, neighbourhood) → Match.
 *
 * Performance notes (the engine budget is ≥ 300 MB/s with every rule): V8 scans a regex that starts
 * with a literal at GB/s, but one that starts with a character class crawls at ~40 MB/s. Rules
 * whose distinctive literal sits inside the token (`Q~`, `:APA91b`, `.atlasv1.`) use `anchor`:
 * `indexOf` finds the literal and the regex runs only on a small slice around it.
 */
import { falsePositiveReason, isTruncatedAt } from '../filters.js';
import type { CredentialReach, Detector, Match, RuleExamples } from '../types.js';
import { placements, randomBody, redactedForms } from './gen.js';

/** At most this many matches per rule per `find` call: a chunk of token-shaped garbage cannot flood the output. */
export const MAX_MATCHES_PER_RULE = 500;

export type Context = Record<string, string>;

export interface AnchorSpec {
  /** A literal that every token contains (case-sensitive). */
  literal: string;
  /** How far before the literal a match may start. */
  before: number;
  /** How far after the literal's end a match may end. */
  after: number;
}

export interface PatternRuleSpec {
  id: string;
  name: string;
  docs: string;
  keywords: string[];
  reach: CredentialReach;
  window?: Detector['window'];
  priority?: number;
  /** A regex with the `g` flag. Literal start, bounded quantifiers: it runs on hostile input. */
  pattern: RegExp;
  /** The capture group holding the secret (0 = whole match). */
  group?: number;
  /** Run `pattern` only on slices around each occurrence of this literal (see module notes). */
  anchor?: AnchorSpec;
  /** The random part of the secret, for placeholder and entropy checks. Default: the secret minus a leading keyword. */
  body?: (secret: string) => string;
  /** Minimum Shannon entropy of the body (default: by length, see `defaultMinEntropy`). */
  minEntropy?: number;
  /** The body legitimately contains runs/sequences (DER, counters): only template/filler checks apply. */
  structured?: boolean;
  /**
   * The rule's own verdict after the generic filters: `false` drops the candidate, an object adds
   * context (never a secret). `text` is the whole slice the rule was given, `start`/`end` the
   * secret's span in it, for neighbourhood checks.
   */
  verify?: (secret: string, text: string, start: number, end: number) => boolean | Context;
  /** The token as a client would send it (e.g. JSON `\/` → `/`). Default: as found. */
  normalise?: (raw: string) => string;
  examples: () => RuleExamples;
}

// Bounded run: a megabyte of backslashes must stay linear (JSON nests rarely more than 3 deep).
const ESCAPED_BREAK = /\\{1,8}[nrt]/g;
const UNESCAPED: Record<string, string> = { n: '\n', r: '\r', t: '\t' };

/**
 * `text` with every `\n`, `\r` and `\t` escape turned into spaces and the character it stands
 * for: same length, so offsets hold. A token pasted on its own line inside a JSON string (a Jira
 * issue or Slack export: `…{code}\nghp_…\n{code}…`) directly follows the escape's letter, which a
 * `(?<![A-Za-z0-9_])` boundary took for the end of a longer word, and a value read up to the end
 * of its line ran on through the escape into the next one. Rules match on this view (a run of backslashes
 * before the letter goes too: `\\n` is a line break in JSON inside a JSON string) and read secrets
 * from spans that never cover a replaced escape.
 */
export function lineBreaksUnescaped(text: string): string {
  return text.indexOf('\\') === -1 ? text : text.replace(ESCAPED_BREAK, (e) => ' '.repeat(e.length - 1) + UNESCAPED[e[e.length - 1]!]!);
}

/** The `find` of a Detector, guarded: exceptions are swallowed (keeping what was found) and output is bounded. */
export function guardedFind(run: (text: string, out: Match[]) => void): (text: string) => Match[] {
  return (text: string): Match[] => {
    const out: Match[] = [];
    if (typeof text !== 'string' || text.length === 0) return out;
    try {
      run(text, out);
    } catch {
      // A rule bug must never take a scan down; what was found before the failure stands.
    }
    return out.length > MAX_MATCHES_PER_RULE ? out.slice(0, MAX_MATCHES_PER_RULE) : out;
  };
}

function stripKeyword(secret: string, keywords: readonly string[]): string {
  const lower = secret.toLowerCase();
  let best = 0;
  for (const k of keywords) if (k.length > best && lower.startsWith(k.toLowerCase())) best = k.length;
  return secret.slice(best);
}

function withIndices(re: RegExp): RegExp {
  const flags = new Set(re.flags.split(''));
  flags.add('g');
  flags.add('d');
  flags.delete('y');
  return new RegExp(re.source, [...flags].join(''));
}

/** Build a credential Detector from a declarative spec. */
export function patternRule(spec: PatternRuleSpec): Detector {
  const group = spec.group ?? 0;
  const re = group > 0 ? withIndices(spec.pattern) : new RegExp(spec.pattern.source, spec.pattern.flags.includes('g') ? spec.pattern.flags : spec.pattern.flags + 'g');
  const bodyOf = spec.body ?? ((s: string) => stripKeyword(s, spec.keywords));

  const accept = (text: string, m: RegExpExecArray, out: Match[]): void => {
    // `m` comes from the lineBreaksUnescaped view of `text`: the secret is read from `text` itself.
    let start: number;
    let end: number;
    if (group === 0) {
      start = m.index;
      end = start + m[0].length;
    } else {
      const idx = m.indices?.[group];
      if (m[group] === undefined || !idx) return;
      [start, end] = idx;
    }
    const raw = text.slice(start, end);
    if (isTruncatedAt(text, start, end)) return;
    const secret = spec.normalise ? spec.normalise(raw) : raw;
    const reason = falsePositiveReason(secret, {
      body: bodyOf(secret),
      ...(spec.minEntropy !== undefined ? { minEntropy: spec.minEntropy } : {}),
      ...(spec.structured ? { structured: true } : {}),
    });
    if (reason !== null) return;
    let context: Context | undefined;
    if (spec.verify) {
      const v = spec.verify(secret, text, start, end);
      if (v === false) return;
      if (typeof v === 'object') context = v;
    }
    out.push({ ruleId: spec.id, kind: 'credential', secret, start, end, ...(context && Object.keys(context).length > 0 ? { context } : {}) });
  };

  const find = guardedFind((original, out) => {
    const text = lineBreaksUnescaped(original);
    if (!spec.anchor) {
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null && out.length < MAX_MATCHES_PER_RULE) {
        if (m[0].length === 0) re.lastIndex++;
        accept(original, m, out);
      }
      return;
    }
    const { literal, before, after } = spec.anchor;
    let from = 0;
    let coveredUntil = 0;
    while (out.length < MAX_MATCHES_PER_RULE) {
      const pos = text.indexOf(literal, from);
      if (pos === -1) break;
      from = pos + 1;
      if (pos < coveredUntil) continue;
      // A few characters of margin so boundary look-arounds see the real neighbours, not the slice edge.
      const ws = Math.max(0, pos - before - 8);
      const we = Math.min(text.length, pos + literal.length + after + 8);
      const slice = text.slice(ws, we);
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(slice)) !== null) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        const ms = ws + m.index;
        const me = ms + m[0].length;
        // Only the match that contains this occurrence of the literal: others belong to their own anchors.
        if (ms > pos || me < pos + literal.length) continue;
        // Re-run `accept` against the full text so offsets and neighbourhood checks are chunk-relative.
        const shifted = Object.assign([...m], { index: ms, input: original }) as unknown as RegExpExecArray;
        if (m.indices) {
          const indices = m.indices.map((p) => (p ? ([p[0] + ws, p[1] + ws] as [number, number]) : p));
          (shifted as { indices?: unknown }).indices = indices;
        }
        accept(original, shifted, out);
        coveredUntil = me;
        break;
      }
    }
  });

  return {
    id: spec.id,
    name: spec.name,
    kind: 'credential',
    keywords: spec.keywords,
    docs: spec.docs,
    reach: spec.reach,
    ...(spec.window !== undefined ? { window: spec.window } : {}),
    ...(spec.priority !== undefined ? { priority: spec.priority } : {}),
    find,
    examples: spec.examples,
  };
}

/**
 * The text around `[start, end)` (up to `before` chars before and `after` after), for rules whose
 * verdict depends on a nearby keyword or companion value.
 */
export function around(text: string, start: number, end: number, before: number, after: number): string {
  return text.slice(Math.max(0, start - before), Math.min(text.length, end + after));
}

/** Undo JSON string escapes that show up around tokens pasted into JSON (`\/`, `\\`). */
export function unescapeJsonSlashes(s: string): string {
  return s.includes('\\') ? s.replace(/\\\//g, '/') : s;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export interface PrefixedTokenSpec extends Omit<PatternRuleSpec, 'pattern' | 'examples' | 'keywords'> {
  /** Literal prefixes (each also a keyword unless `keywords` is given). */
  prefixes: string[];
  keywords?: string[];
  /** Regex character-class content of the body (`A-Za-z0-9_-`). */
  charset: string;
  /** Body length, exact or [min, max]. */
  length: number | [number, number];
  /** Alphabet for generated example bodies. */
  alphabet: string;
  /** Body length of generated examples (default: the maximum). */
  exampleLength?: number;
  /** Variable name used in generated examples (`NPM_TOKEN`). */
  envName: string;
  /** Build an example token from a prefix and a random body (default: prefix + body). */
  exampleToken?: (prefix: string, body: string) => string;
  /** Extra ignore examples (placeholders specific to the family). */
  moreIgnore?: () => string[];
}

/**
 * The common case: a literal prefix followed by a bounded run of one character class, bounded by
 * non-token characters on both sides. Examples are generated from the same description.
 */
export function prefixedTokenRule(spec: PrefixedTokenSpec): Detector {
  const { prefixes, charset, length, alphabet, exampleLength, envName, exampleToken, moreIgnore, keywords, ...rest } = spec;
  const [min, max] = typeof length === 'number' ? [length, length] : length;
  const alternatives = prefixes.map(escapeRe).join('|');
  // A word character (or one of the body's own characters) on either side: part of something longer.
  const pattern = new RegExp(`(?<![A-Za-z0-9_${charset.includes('-') ? '\\-' : ''}])(?:${alternatives})[${charset}]{${min},${max}}(?![${charset}])`, 'g');
  const n = exampleLength ?? max;
  const make = (prefix: string): string => (exampleToken ? exampleToken(prefix, randomBody(alphabet, n)) : prefix + randomBody(alphabet, n));
  return patternRule({
    ...rest,
    keywords: keywords ?? prefixes,
    pattern,
    examples: () => {
      const tokens = prefixes.map(make);
      const first = tokens[0]!;
      const p0 = prefixes[0]!;
      return {
        match: [...placements(first, envName), ...tokens.slice(1).map((t) => `${envName}=${t}`)],
        ignore: [
          ...redactedForms(first, p0.length),
          `${envName}=${p0}${'x'.repeat(n)}`,
          `${envName}=${p0}your-${envName.toLowerCase().replace(/_/g, '-')}`,
          `glued${first}`,
          ...(moreIgnore ? moreIgnore() : []),
        ],
      };
    },
  });
}

/**
 * One rule made of several detectors of the same family (a prefixed form and a keyword-context
 * form): keywords, finds and examples are unions; every match carries the combined id.
 */
export function combinedRule(meta: Pick<Detector, 'id' | 'name' | 'docs' | 'reach' | 'window' | 'priority'>, parts: readonly Detector[]): Detector {
  const keywords = [...new Set(parts.flatMap((p) => p.keywords))];
  return {
    id: meta.id,
    name: meta.name,
    kind: 'credential',
    keywords,
    ...(meta.docs !== undefined ? { docs: meta.docs } : {}),
    ...(meta.reach !== undefined ? { reach: meta.reach } : {}),
    ...(meta.window !== undefined ? { window: meta.window } : {}),
    ...(meta.priority !== undefined ? { priority: meta.priority } : {}),
    find: guardedFind((text, out) => {
      const seen = new Set<string>();
      for (const p of parts) {
        for (const m of p.find(text)) {
          const key = `${m.start}:${m.end}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push({ ...m, ruleId: meta.id });
        }
      }
    }),
    examples: () => {
      const all = parts.map((p) => p.examples());
      return { match: all.flatMap((e) => e.match), ignore: all.flatMap((e) => e.ignore) };
    },
  };
}

/**
 * A value named by a keyword: `<provider>…<key>` then `:`/`=`/`=>` with optional quotes, then the
 * value (capture group 1). The name may be one identifier (`TWILIO_AUTH_TOKEN`, `twilioAuthToken`)
 * or a YAML section and its key (`twilio:` newline, indented `auth_token:`). Both parts are regex
 * sources; bounded quantifiers only.
 */
export function namedValuePattern(provider: string, key: string, value: string, flags = 'gi'): RegExp {
  return new RegExp(
    `(?:${provider})(?:[\\w.-]{0,20}?|["']?\\s{0,2}:[ \\t]{0,4}\\r?\\n[ \\t]{1,20}[\\w.-]{0,20}?)${key}["'\\]]?\\s{0,4}(?::|=|=>|:=|,)\\s{0,4}["'\\[]?(${value})(?![A-Za-z0-9_+/=-])`,
    flags,
  );
}
