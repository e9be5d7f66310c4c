import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classifyIp, cidrContains, formatIp, isBlockedHostname, parseCidr, parseIp } from '../../../src/core/net/ip.js';

const cls = (text: string) => {
  const ip = parseIp(text);
  if (!ip) throw new Error(`unparseable ${text}`);
  return classifyIp(ip);
};

describe('IP classification (SSRF guard)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['169.254.10.10', 'link-local'],
    ['0.0.0.0', 'this-network'],
    ['255.255.255.255', 'reserved'],
    ['224.0.0.251', 'multicast'],
    ['198.18.0.1', 'benchmarking'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:0:7f00:1', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:7f00:1::1', 'loopback'],
    ['2001:db8::1', 'documentation'],
    ['2001:0:4136:e378::1', 'Teredo'],
  ])('%s is refused (%s)', (addr, range) => {
    const c = cls(addr);
    expect(c.kind).toBe('blocked');
    expect(c.kind === 'blocked' && c.range).toContain(range);
  });

  it.each(['169.254.169.254', 'fd00:ec2::254', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '168.63.129.16', '100.100.100.200', '169.254.170.2'])(
    '%s is flagged as a metadata address',
    (addr) => {
      const c = cls(addr);
      expect(c.kind).toBe('blocked');
      expect(c.kind === 'blocked' && c.metadata).toBe(true);
    },
  );

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700:4700::1111', '64:ff9b::808:808', '::ffff:8.8.8.8'])(
    '%s is public',
    (addr) => {
      expect(cls(addr).kind).toBe('public');
    },
  );

  it('parses only real address literals', () => {
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '0x7f.0.0.1', '2130706433', 'fe80::1%eth0', ':::', '1::2::3', 'example.com', '[::1', '1.2.3.4 ']) {
      expect(parseIp(bad)).toBeUndefined();
    }
    expect(parseIp('[::1]')?.family).toBe(6);
  });

  it('names that always point at the host or a metadata service are refused before DNS', () => {
    for (const h of ['localhost', 'LOCALHOST.', 'api.localhost', 'metadata.google.internal', 'metadata.google.internal.', 'metadata']) {
      expect(isBlockedHostname(h)).toBeDefined();
    }
    expect(isBlockedHostname('login.microsoftonline.com')).toBeUndefined();
  });

  it('CIDR ranges contain what they should, including IPv4-mapped forms of IPv4 ranges', () => {
    const c = parseCidr('10.20.0.0/16')!;
    expect(cidrContains(c, parseIp('10.20.255.1')!)).toBe(true);
    expect(cidrContains(c, parseIp('10.21.0.1')!)).toBe(false);
    expect(cidrContains(c, parseIp('::ffff:10.20.0.9')!)).toBe(true);
    expect(cidrContains(parseCidr('fd00::/8')!, parseIp('fd12::1')!)).toBe(true);
    expect(cidrContains(parseCidr('127.0.0.2')!, parseIp('127.0.0.3')!)).toBe(false);
    for (const bad of ['10.0.0.0/33', '10.0.0.0/-1', 'x/8', '::/129', '10.0.0.0/8/8', '10.0.0.0/0x8']) expect(parseCidr(bad)).toBeUndefined();
  });

  it('property: parseIp never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary-ascii' }), fc.string({ unit: fc.constantFrom(...'0123456789abcdef:.[]%/') })), (s) => {
        parseIp(s);
        parseCidr(s);
        isBlockedHostname(s);
      }),
    );
  });

  it('property: formatted addresses round-trip and the mapped form of an IPv4 address is never more permissive', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (b) => {
        const v4 = parseIp(formatIp({ family: 4, bytes: b }))!;
        expect(Array.from(v4.bytes)).toEqual(Array.from(b));
        const mapped = parseIp(`::ffff:${formatIp(v4)}`)!;
        if (classifyIp(v4).kind === 'blocked') expect(classifyIp(mapped).kind).toBe('blocked');
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        const v6 = parseIp(formatIp({ family: 6, bytes: b }))!;
        expect(Array.from(v6.bytes)).toEqual(Array.from(b));
        classifyIp(v6);
      }),
    );
  });
});
