/**
 * IP address classification for the outbound SSRF guard. Pure functions, no I/O.
 *
 * Contract:
 * - `parseIp` accepts the textual forms `net.isIP` accepts (dotted IPv4, any IPv6 form including an
 *   embedded dotted IPv4 tail) and returns the address bytes; anything else (zone ids included) is
 *   `undefined`.
 * - `classifyIp` says whether an address may be contacted by default. Only public unicast space is
 *   `public`; IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by
 *   the embedded IPv4 address, so `::ffff:127.0.0.1` is loopback.
 * - Metadata-service addresses are flagged `metadata: true`: they stay blocked even where private
 *   addresses are allowed by configuration.
 */
import { isIP } from 'node:net';

export interface ParsedIp {
  family: 4 | 6;
  bytes: Uint8Array;
}

export type IpClass =
  | { kind: 'public'; family: 4 | 6 }
  | { kind: 'blocked'; family: 4 | 6; range: string; metadata: boolean; embeddedV4?: string };

export interface Cidr {
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
  text: string;
}

function parseV4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseV6(text: string): Uint8Array | undefined {
  if (text.includes('%')) return undefined; // zone ids name an interface: never a remote target
  let head = text;
  let v4Tail: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    v4Tail = parseV4(text.slice(lastColon + 1));
    if (!v4Tail) return undefined;
    head = text.slice(0, lastColon + 1) + '0:0'; // placeholder groups, overwritten below
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const gs = s.split(':');
    const out: number[] = [];
    for (const g of gs) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = toGroups(halves[0] as string);
  const right = halves.length === 2 ? toGroups(halves[1] as string) : [];
  if (!left || !right) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - left.length - right.length;
    if (fill < 1) return undefined;
    groups = [...left, ...new Array<number>(fill).fill(0), ...right];
  } else {
    groups = left;
  }
  if (groups.length !== 8) return undefined;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  if (v4Tail) out.set(v4Tail, 12);
  return out;
}

/** Parse an IP address literal (no brackets, no zone id). */
export function parseIp(text: string): ParsedIp | undefined {
  const t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const fam = isIP(t);
  if (fam === 4) {
    const b = parseV4(t);
    return b ? { family: 4, bytes: b } : undefined;
  }
  if (fam === 6) {
    const b = parseV6(t);
    return b ? { family: 6, bytes: b } : undefined;
  }
  return undefined;
}

export function formatIp(ip: ParsedIp): string {
  if (ip.family === 4) return Array.from(ip.bytes).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((ip.bytes[i] as number) << 8) | (ip.bytes[i + 1] as number)).toString(16));
  return groups.join(':');
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, len, extra] = text.trim().split('/');
  if (addr === undefined || extra !== undefined) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  const prefix = len === undefined ? max : /^[0-9]{1,3}$/.test(len) ? Number(len) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return undefined;
  return { family: ip.family, bytes: ip.bytes, prefix, text: `${formatIp(ip)}/${prefix}` };
}

function inPrefix(bytes: Uint8Array, net: Uint8Array, prefix: number): boolean {
  const full = Math.floor(prefix / 8);
  for (let i = 0; i < full; i++) if (bytes[i] !== net[i]) return false;
  const rest = prefix % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((bytes[full] as number) & mask) === ((net[full] as number) & mask);
}

export function cidrContains(cidr: Cidr, ip: ParsedIp): boolean {
  if (cidr.family !== ip.family) {
    // An IPv4 rule also covers the IPv4-mapped IPv6 form of its addresses.
    const v4 = ip.family === 6 ? embeddedV4(ip.bytes) : undefined;
    return cidr.family === 4 && v4 !== undefined && inPrefix(v4, cidr.bytes, cidr.prefix);
  }
  return inPrefix(ip.bytes, cidr.bytes, cidr.prefix);
}

const cidr = (text: string): Cidr => {
  const c = parseCidr(text);
  if (!c) throw new Error(`bad built-in CIDR ${text}`);
  return c;
};

// Everything here is refused by default. Sources: IANA IPv4/IPv6 special-purpose registries.
const V4_BLOCKED: ReadonlyArray<[Cidr, string]> = [
  [cidr('0.0.0.0/8'), 'this-network (0.0.0.0/8)'],
  [cidr('10.0.0.0/8'), 'private (RFC 1918)'],
  [cidr('100.64.0.0/10'), 'carrier-grade NAT (RFC 6598)'],
  [cidr('127.0.0.0/8'), 'loopback'],
  [cidr('169.254.0.0/16'), 'link-local'],
  [cidr('172.16.0.0/12'), 'private (RFC 1918)'],
  [cidr('192.0.0.0/24'), 'IETF protocol assignments'],
  [cidr('192.0.2.0/24'), 'documentation'],
  [cidr('192.88.99.0/24'), '6to4 relay anycast'],
  [cidr('192.168.0.0/16'), 'private (RFC 1918)'],
  [cidr('198.18.0.0/15'), 'benchmarking'],
  [cidr('198.51.100.0/24'), 'documentation'],
  [cidr('203.0.113.0/24'), 'documentation'],
  [cidr('224.0.0.0/4'), 'multicast'],
  [cidr('240.0.0.0/4'), 'reserved / broadcast'],
];

// Cloud instance-metadata endpoints: blocked even when private ranges are allowed by config.
// 168.63.129.16 (Azure wireserver) sits in public space, so it needs its own entry.
const METADATA: ReadonlyArray<Cidr> = [
  cidr('169.254.169.254/32'),
  cidr('169.254.170.2/32'),
  cidr('168.63.129.16/32'),
  cidr('100.100.100.200/32'),
  cidr('fd00:ec2::254/128'),
];

const V6_BLOCKED: ReadonlyArray<[Cidr, string]> = [
  [cidr('64:ff9b:1::/48'), 'local-use NAT64'],
  [cidr('100::/64'), 'discard-only'],
  [cidr('2001::/32'), 'Teredo tunnel'],
  [cidr('2001:10::/28'), 'ORCHID'],
  [cidr('2001:20::/28'), 'ORCHIDv2'],
  [cidr('2001:db8::/32'), 'documentation'],
  [cidr('3fff::/20'), 'documentation'],
  [cidr('5f00::/16'), 'segment routing SIDs'],
];
const V6_GLOBAL = cidr('2000::/3');
const V6_NAMED: ReadonlyArray<[Cidr, string]> = [
  [cidr('::/128'), 'unspecified'],
  [cidr('::1/128'), 'loopback'],
  [cidr('fc00::/7'), 'unique local (ULA)'],
  [cidr('fe80::/10'), 'link-local'],
  [cidr('fec0::/10'), 'site-local (deprecated)'],
  [cidr('ff00::/8'), 'multicast'],
];

/** The IPv4 address embedded in an IPv6 address (mapped, compatible, translated, NAT64, 6to4). */
function embeddedV4(b: Uint8Array): Uint8Array | undefined {
  const zero = (from: number, to: number): boolean => {
    for (let i = from; i < to; i++) if (b[i] !== 0) return false;
    return true;
  };
  // ::ffff:a.b.c.d (mapped)
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return b.slice(12, 16);
  // ::ffff:0:a.b.c.d (SIIT translated)
  if (zero(0, 8) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0) return b.slice(12, 16);
  // ::a.b.c.d (deprecated compatible), excluding :: and ::1 themselves
  if (zero(0, 12) && !(zero(12, 15) && ((b[15] as number) === 0 || (b[15] as number) === 1))) return b.slice(12, 16);
  // 64:ff9b::a.b.c.d (well-known NAT64 prefix)
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)) return b.slice(12, 16);
  // 2002:aabb:ccdd::/48 (6to4)
  if (b[0] === 0x20 && b[1] === 0x02) return b.slice(2, 6);
  return undefined;
}

function isMetadata(ip: ParsedIp): boolean {
  return METADATA.some((c) => cidrContains(c, ip));
}

function classifyV4(bytes: Uint8Array): { range: string } | undefined {
  const ip: ParsedIp = { family: 4, bytes };
  for (const [c, name] of V4_BLOCKED) if (cidrContains(c, ip)) return { range: name };
  return undefined;
}

/** Whether an address may be contacted by default, and if not, which special range it is in. */
export function classifyIp(ip: ParsedIp): IpClass {
  const metadata = isMetadata(ip);
  if (ip.family === 4) {
    const hit = classifyV4(ip.bytes);
    if (hit) return { kind: 'blocked', family: 4, range: hit.range, metadata };
    if (metadata) return { kind: 'blocked', family: 4, range: 'cloud metadata service', metadata };
    return { kind: 'public', family: 4 };
  }
  for (const [c, name] of V6_NAMED) if (cidrContains(c, ip)) return { kind: 'blocked', family: 6, range: name, metadata };
  const v4 = embeddedV4(ip.bytes);
  if (v4) {
    const v4ip: ParsedIp = { family: 4, bytes: v4 };
    const inner = classifyIp(v4ip);
    // Judged by the IPv4 address inside: DNS64 hands out 64:ff9b::<public v4> for ordinary hosts on
    // IPv6-only networks, while ::ffff:127.0.0.1 must stay loopback.
    if (inner.kind === 'public' && !metadata) return { kind: 'public', family: 6 };
    return {
      kind: 'blocked',
      family: 6,
      range: inner.kind === 'blocked' ? `IPv4-embedding IPv6 form of ${inner.range}` : 'cloud metadata service',
      metadata: metadata || (inner.kind === 'blocked' && inner.metadata),
      embeddedV4: formatIp(v4ip),
    };
  }
  if (!cidrContains(V6_GLOBAL, ip)) return { kind: 'blocked', family: 6, range: 'not global unicast', metadata };
  for (const [c, name] of V6_BLOCKED) if (cidrContains(c, ip)) return { kind: 'blocked', family: 6, range: name, metadata };
  if (metadata) return { kind: 'blocked', family: 6, range: 'cloud metadata service', metadata };
  return { kind: 'public', family: 6 };
}

/** Host names that must never be resolved, whatever DNS says (metadata services, localhost). */
export function isBlockedHostname(hostname: string): string | undefined {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return 'localhost';
  if (h === 'metadata.google.internal' || h === 'metadata' || h === 'metadata.goog' || h === 'instance-data' || h === 'instance-data.ec2.internal') {
    return 'cloud metadata service';
  }
  return undefined;
}
