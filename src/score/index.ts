/**
 * Blast-radius scoring, public API:
 * - `buildProfile(input, opts)`: decoded JWT header + masked claims → `TokenProfile`;
 * - `scoreFinding(input, opts, now)`: profile or credential reach + liveness + exposures → `BlastRadius`;
 * - `ScoreOptionsSchema` (`score:` in the config) and `defaultScoreOptions()`.
 */
export { buildProfile, type BuildProfileInput } from './profile.js';
export { scoreFinding, severityFor, bandCeiling, isPrivateHost, type ScoreInput } from './score.js';
export { ScoreOptionsSchema, defaultScoreOptions, type ScoreOptions, type ScoreOptionsInput } from './options.js';
export { renderFactors, factorBar } from './explain.js';
export { redactFlagged } from './enrichment.js';
export { issuerFamilies } from './issuers/index.js';
