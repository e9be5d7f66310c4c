/** The JWT part of detection: the detector, decoding, and masking of secret claim values. */
export { jwtDetector, findJwts, JWT_KEYWORDS } from './detector.js';
export { decodeJwt, decodeJwtStrict, JWT_LIMITS, TRUNCATED, signatureLengths } from './decode.js';
export { maskClaims, secretClaimName, MASK_MAX_DEPTH } from './mask.js';
export type { DecodedJwt } from '../types.js';
