/**
 * The detector contract. A detector is pure and synchronous: text in, matches out. No I/O, no
 * clock, no exceptions — the engine runs it on hostile input (binary, megabyte lines, lone
 * surrogates) and a detector that throws is a bug the engine still contains.
 */
import type { FindingKind } from '../core/types.js';

/** A decoded JOSE object as found in text. Claims are NOT verified. */
export interface DecodedJwt {
  form: 'jws' | 'unsecured' | 'jwe' | 'sd-jwt';
  header: Record<string, unknown>;
  /** Absent for JWE (only the header is readable). */
  claims?: Record<string, unknown>;
  /** SD-JWT: number of `~` disclosures that decoded. */
  disclosures?: number;
}

export interface Match {
  /** Stable kebab-case rule id (`jwt`, `github-classic-pat`, …). */
  ruleId: string;
  kind: FindingKind;
  /**
   * The exact token string. Usually `text.slice(start, end)`; for a token found in mangled form
   * (percent-encoded, JSON `\/` escapes, Slack `&amp;`, wrapped across lines) it is the
   * normalised token a client would send, and `start`/`end` cover the mangled span.
   */
  secret: string;
  /** UTF-16 offsets into the scanned text. */
  start: number;
  end: number;
  /** JWT rules attach what they decoded so nothing decodes twice. */
  jwt?: DecodedJwt;
  /**
   * Non-secret facts a rule read off the token or its neighbourhood that help scoring:
   * `{ pair: 'aws-secret-access-key' }`, `{ host: 'db.prod.internal' }`, `{ encrypted: 'true' }`.
   * Never a secret.
   */
  context?: Record<string, string>;
}

export interface RuleExamples {
  /** Text in which the rule must find at least one match (generated, never a live credential). */
  match: string[];
  /** Text in which the rule must find nothing (placeholders, checksum failures, public examples). */
  ignore: string[];
}

export interface Detector {
  /** Stable kebab-case id; appears in findings and config forever. */
  id: string;
  /** Human-readable name: "GitHub personal access token (classic)". */
  name: string;
  kind: FindingKind;
  /**
   * Literal strings, at least one of which must occur in a chunk for `find` to run (matched
   * ASCII-case-insensitively by the prefilter). Empty array = always run (avoid).
   */
  keywords: string[];
  /** Link to the provider's documentation of the format. */
  docs?: string;
  /** Scoring hints for non-JWT credentials: the reach of this family. */
  reach?: CredentialReach;
  /**
   * How much text `find` sees (the engine's windowing). Default: a window around each keyword
   * occurrence — at least `DEFAULT_WINDOW.before` chars before the keyword and
   * `DEFAULT_WINDOW.after` chars after it, widened to the nearest line break when one is close
   * (overlapping windows are merged; match offsets are mapped back to the chunk). A token must
   * therefore lie within `after` chars of its keyword (or `before` chars before it): rules whose
   * secret can sit far from the keyword (multi-line PEM blocks, key/secret pairs) set a larger
   * window or `'chunk'` (the whole chunk, the slow path). `find` must not assume the slice starts
   * at the start of the chunk.
   */
  window?: 'chunk' | { before: number; after: number };
  /**
   * Overlap tie-breaker (default 0). When two matches overlap, the engine keeps the one with the
   * higher priority; on equal priority a `jwt` match beats a `credential`, then the longer span,
   * then the earlier start, then the smaller rule id. Generic/context rules (entropy near a
   * keyword) should use a negative value; a rule that names a more specific family of a token
   * another detector also finds (a Supabase service key that is a JWT) a positive one.
   */
  priority?: number;
  find(text: string): Iterable<Match>;
  /** Examples proving the rule; `examples()` builds them at call time so no literal token is committed. */
  examples(): RuleExamples;
}

/** The window a detector gets when it does not declare one (see `Detector.window`). */
export const DEFAULT_WINDOW = { before: 256, after: 1024 } as const;

/** How much a non-JWT credential of this family can do, for the scorer. */
export interface CredentialReach {
  /** Highest privilege a token of this family can typically hold. */
  privilege: 'read' | 'write' | 'admin' | 'owner';
  /** What it opens, for the reason text: "an AWS account (IAM user)". */
  scope: string;
  /** Typical lifetime: 'hours', 'days', 'months', 'unbounded'. */
  lifetime: 'minutes' | 'hours' | 'days' | 'months' | 'unbounded';
  /** Meant to be public (publishable keys, Firebase web keys): score at most low. */
  publicByDesign?: string;
  /** Test/sandbox credentials (Stripe sk_test_). */
  testMode?: boolean;
}
