/** The liveness ladder: temporal → JWKS signature → RFC 7662 introspection. See ./checker.ts. */
export { createLivenessChecker, MAX_CHECKED_TOKEN_LENGTH, type LivenessChecker, type LivenessDeps, type LivenessInput } from './checker.js';
export { temporalLiveness, readTimeClaim, MILLISECONDS_THRESHOLD } from './temporal.js';
export {
  TrustOptionsSchema,
  TrustedIssuerSchema,
  ClientEndpointSchema,
  ASYMMETRIC_ALGORITHMS,
  type TrustOptions,
  type TrustOptionsInput,
  type TrustedIssuer,
  type ClientEndpoint,
} from './options.js';
export { expandTrustList, findTrustedIssuer, trustConfiguredUrls, sameOrigin, type ResolvedIssuer } from './trust-list.js';
export { createIssuerMetadata, type IssuerMetadata, type DiscoveryDocument } from './issuer-metadata.js';
export { introspect, clientAuthentication, type IntrospectionResponse } from './introspection.js';
export { verifyWithJwks, type SignatureResult } from './jwks-verify.js';
