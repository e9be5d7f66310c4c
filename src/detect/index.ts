/**
 * The detection entry point: the default detector set (JWT + credential rules + the user's custom
 * rules, minus disabled ones) and the engine over it.
 *
 * Order matters only for listing; overlaps are resolved by the engine's policy (see engine.ts).
 */
import { compileCustomRules } from './custom.js';
import { createEngine, type Engine, type EngineOptions } from './engine.js';
import { jwtDetector } from './jwt/detector.js';
import type { DetectOptions } from './options.js';
import { credentialRules } from './rules/index.js';
import type { Detector } from './types.js';

export { createEngine, resolveOverlaps, type Engine, type EngineOptions } from './engine.js';
export { jwtDetector, findJwts } from './jwt/detector.js';
export { decodeJwt, decodeJwtStrict } from './jwt/decode.js';
export type { Detector, Match, DecodedJwt, RuleExamples, CredentialReach } from './types.js';

/**
 * Every detector the options define — built-in and custom, disabled ones included — for listing
 * rules (`enabled` says whether the engine runs it).
 */
export function allDetectors(opts: Partial<DetectOptions> = {}): Array<{ detector: Detector; enabled: boolean; custom: boolean }> {
  const disabled = new Set(opts.disabledRules ?? []);
  const builtin: Detector[] = [jwtDetector, ...credentialRules];
  const custom = compileCustomRules(opts.customRules ?? []);
  return [
    ...builtin.map((detector) => ({ detector, enabled: !disabled.has(detector.id), custom: false })),
    ...custom.map((detector) => ({ detector, enabled: !disabled.has(detector.id), custom: true })),
  ];
}

/** The detectors `createDefaultEngine` runs. */
export function enabledDetectors(opts: Partial<DetectOptions> = {}): Detector[] {
  return allDetectors(opts)
    .filter((d) => d.enabled)
    .map((d) => d.detector);
}

/**
 * The engine over JWT + `credentialRules` + `compileCustomRules(opts.customRules)` minus
 * `opts.disabledRules`. Build it once per process (custom rules compile here; an invalid custom
 * rule throws the rules module's configuration error).
 */
export function createDefaultEngine(opts: Partial<DetectOptions> = {}, engineOpts: EngineOptions = {}): Engine {
  return createEngine(enabledDetectors(opts), engineOpts);
}
