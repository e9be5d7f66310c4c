/**
 * Run budgets for the property-based fuzz tests. CI runs the defaults (a few hundred runs per
 * property, each property stopped after `timeLimitMs` — reaching the limit ends the run as a pass,
 * it is a budget, not an assertion). `TR_FUZZ_SCALE=10 npx vitest run test/fuzz` digs deeper.
 *
 * `perRunTimeoutMs` is the hang bound of async properties: a run that has not settled by then
 * FAILS the property (fast-check's `timeout`), so "never hangs" is asserted, not assumed.
 */
const scale = Math.max(1, Number(process.env.TR_FUZZ_SCALE ?? '1') || 1);

export function budget(runs: number, timeLimitMs = 15_000): { numRuns: number; interruptAfterTimeLimit: number; markInterruptAsFailure: false } {
  return { numRuns: Math.round(runs * scale), interruptAfterTimeLimit: timeLimitMs * scale, markInterruptAsFailure: false };
}

export function asyncBudget(runs: number, perRunTimeoutMs: number, timeLimitMs = 20_000): ReturnType<typeof budget> & { timeout: number } {
  return { ...budget(runs, timeLimitMs), timeout: perRunTimeoutMs };
}

/** Vitest timeout for a property test: its budget plus room for setup on a loaded machine. */
export function testTimeout(timeLimitMs = 20_000): number {
  return timeLimitMs * scale + 60_000;
}
