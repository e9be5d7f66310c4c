/** Hardened outbound networking. See ./types.ts for the contract. */
export { createSafeFetch, parseRetryAfter, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS } from './safe-fetch.js';
export type { OutboundEvent, Resolver, SafeFetch, SafeFetchOptions, SafeRequest, SafeResponse } from './types.js';
export { classifyIp, parseIp, parseCidr, cidrContains, formatIp, isBlockedHostname, type IpClass, type ParsedIp, type Cidr } from './ip.js';
