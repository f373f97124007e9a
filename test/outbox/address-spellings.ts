import fc from 'fast-check';
import ipaddr from 'ipaddr.js';

/**
 * Addresses webhooks must never reach, and the many ways a URL can spell one — what an attacker
 * registering a webhook would try (issue 17 item 2). The ranges are written out here from the
 * RFCs, independently of the classification under test.
 */
const FORBIDDEN_V4 = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24',
  '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24',
  '224.0.0.0/4', '240.0.0.0/4', '255.255.255.255/32',
];
const FORBIDDEN_V6 = [
  '::/128', '::1/128', 'fe80::/10', 'fc00::/7', 'ff00::/8', '::ffff:0:0/96', '::/96', '64:ff9b:1::/48', '2002::/16',
  '2001::/32', '2001:db8::/32', '100::/64', 'fec0::/10', '3fff::/20',
];

const bytesIn = (cidr: string, random: Uint8Array): number[] => {
  const [net, bits] = ipaddr.parseCIDR(cidr);
  const base = net.toByteArray();
  return base.map((b, i) => {
    const fixed = Math.max(0, Math.min(8, bits - i * 8));
    const mask = (0xff << (8 - fixed)) & 0xff;
    return (b & mask) | (random[i]! & ~mask & 0xff);
  });
};

/** Octets of a forbidden IPv4 address. */
export const forbiddenV4 = fc.tuple(fc.constantFrom(...FORBIDDEN_V4), fc.uint8Array({ minLength: 4, maxLength: 4 })).map(([c, r]) => bytesIn(c, r));

/** Bytes of a forbidden IPv6 address (NAT64 of a forbidden IPv4 included). */
export const forbiddenV6 = fc.oneof(
  fc.tuple(fc.constantFrom(...FORBIDDEN_V6), fc.uint8Array({ minLength: 16, maxLength: 16 })).map(([c, r]) => bytesIn(c, r)),
  forbiddenV4.map((v4) => [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, ...v4]),
);

/** A public unicast IPv4 address (to show the check does not refuse everything). */
export const publicV4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => [...b]).filter((b) => ipaddr.fromByteArray(b).range() === 'unicast');
/** A global unicast IPv6 address outside every special block. */
export const publicV6 = fc.uint8Array({ minLength: 16, maxLength: 16 })
  .map((b) => [0x20 | (b[0]! & 0x0f), ...b.slice(1)])
  .filter((b) => {
    const a = ipaddr.fromByteArray(b) as ipaddr.IPv6;
    return a.range() === 'unicast' && !a.match(ipaddr.parseCIDR('2001::/23') as [ipaddr.IPv6, number]);
  });

type Base = 'dec' | 'hex' | 'HEX' | 'oct';
const inBase = (n: number, base: Base, zeros: number) =>
  base === 'dec' ? String(n) : base === 'oct' ? '0'.repeat(zeros + 1) + n.toString(8) : (base === 'HEX' ? '0X' + n.toString(16).toUpperCase() : '0x' + '0'.repeat(zeros) + n.toString(16));
const base = fc.constantFrom<Base>('dec', 'hex', 'HEX', 'oct');

/** An IPv4 host as a URL may spell it: 1 to 4 parts, each decimal, hex or octal; dots, trailing dot, %-escapes, full-width forms. */
export function v4Spelling(o: number[]): fc.Arbitrary<string> {
  const n = ((o[0]! << 24) >>> 0) + (o[1]! << 16) + (o[2]! << 8) + o[3]!;
  const parts = fc.constantFrom(
    [o[0]!, o[1]!, o[2]!, o[3]!],
    [o[0]!, o[1]!, (o[2]! << 8) + o[3]!],
    [o[0]!, (o[1]! << 16) + (o[2]! << 8) + o[3]!],
    [n],
  );
  return fc
    .tuple(parts, fc.array(base, { minLength: 4, maxLength: 4 }), fc.nat({ max: 3 }), fc.boolean(), fc.constantFrom('plain', 'percent', 'fullwidth'))
    .map(([ps, bases, zeros, trailingDot, dress]) => {
      const text = ps.map((p, i) => inBase(p, bases[i]!, zeros)).join('.') + (trailingDot ? '.' : '');
      if (dress === 'percent') return [...text].map((c, i) => (i % 2 === 0 && /[0-9]/.test(c) ? '%3' + c : c)).join('');
      if (dress === 'fullwidth') return [...text].map((c) => (/[0-9]/.test(c) ? String.fromCharCode(0xff10 + Number(c)) : c === '.' ? '\uff0e' : c)).join('');
      return text;
    });
}

/** An IPv6 literal in brackets: compressed, expanded, padded, upper-case, with a dotted IPv4 tail, or with a zone id. */
export function v6Spelling(b: number[]): fc.Arbitrary<string> {
  const a = ipaddr.fromByteArray(b) as ipaddr.IPv6;
  const groups = a.toNormalizedString().split(':');
  const v4tail = `${groups.slice(0, 6).join(':')}:${b.slice(12).join('.')}`;
  return fc
    .tuple(fc.constantFrom(a.toString(), a.toNormalizedString(), groups.map((g) => g.padStart(4, '0')).join(':'), v4tail), fc.boolean(), fc.constantFrom('', '', '%25eth0', '%251'))
    .map(([text, upper, zone]) => `[${upper ? text.toUpperCase() : text}${zone}]`);
}

export const urlAround = (host: string) => fc.tuple(fc.constantFrom('', ':443', ':5432', ':8080'), fc.constantFrom('/', '/hooks/consentgate', '/a?b=c')).map(([port, path]) => `https://${host}${port}${path}`);
