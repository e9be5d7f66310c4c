/**
 * Fixed-window attempt counters in process memory, for console sign-in (per client IP and per API
 * key id). Memory is bounded: at most `maxKeys` counters; expired ones are swept first, then the
 * oldest are dropped (an attacker spraying keys can only make us forget counters, never grow).
 *
 * Pure apart from its own state: the caller passes the time.
 */
export interface RateLimitRule {
  max: number;
  windowSeconds: number;
}

export interface RateLimitVerdict {
  allowed: boolean;
  /** Seconds until the window resets (≥ 1 when refused). */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Count one attempt for `key` and say whether it is within the limit. */
  hit(key: string, nowMs: number): RateLimitVerdict;
  /** Number of live counters (tests, metrics). */
  size(): number;
}

export function createRateLimiter(rule: RateLimitRule, o: { maxKeys?: number } = {}): RateLimiter {
  const maxKeys = o.maxKeys ?? 10_000;
  const windowMs = rule.windowSeconds * 1000;
  const counters = new Map<string, { count: number; resetAt: number }>();

  function sweep(nowMs: number): void {
    for (const [k, c] of counters) if (c.resetAt <= nowMs) counters.delete(k);
    // Still full: forget the oldest (Map iterates in insertion order).
    for (const k of counters.keys()) {
      if (counters.size < maxKeys) break;
      counters.delete(k);
    }
  }

  return {
    hit(key, nowMs) {
      let c = counters.get(key);
      if (!c || c.resetAt <= nowMs) {
        if (c) counters.delete(key);
        if (counters.size >= maxKeys) sweep(nowMs);
        c = { count: 0, resetAt: nowMs + windowMs };
        counters.set(key, c);
      }
      c.count++;
      const retryAfterSeconds = Math.max(1, Math.ceil((c.resetAt - nowMs) / 1000));
      return { allowed: c.count <= rule.max, retryAfterSeconds };
    },
    size: () => counters.size,
  };
}
