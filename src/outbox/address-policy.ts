import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where webhooks may connect: public unicast addresses only, unless the operator lists a host or
 * network in CONSENTGATE_WEBHOOK_ALLOW (a deliberate internal receiver). Refused: loopback,
 * private (RFC 1918), carrier-grade NAT, link-local (cloud metadata at 169.254.169.254),
 * unique-local, multicast, broadcast, unspecified, documentation and other reserved ranges, and
 * IPv6 addresses that carry an IPv4 one (IPv4-mapped, -compatible, -translated, 6to4, Teredo,
 * NAT64 — the last allowed only when the IPv4 address inside is itself public, as DNS64 makes).
 *
 * Classification is ipaddr.js's (IANA special-purpose registries); spelling is the URL
 * parser's: `new URL()` turns 2130706433, 0x7f.1, 0177.0.0.1, 127.1 and `127.0.0.1.` into
 * 127.0.0.1 and refuses IPv6 zone ids, so a literal is checked in its one canonical form. Names
 * are checked after resolution, at delivery, and the connection goes to the very addresses that
 * were checked (the socket's own lookup), so a DNS answer cannot change in between (rebinding).
 */
export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number];
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96') as [ipaddr.IPv6, number];
const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96') as [ipaddr.IPv6, number];

/** Why an address may not receive webhooks (its range), or undefined when it is public. */
export function forbiddenRange(address: IpAddress): string | undefined {
  if (address.kind() === 'ipv4') {
    const range = (address as ipaddr.IPv4).range();
    return range === 'unicast' ? undefined : range;
  }
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  if (range === 'ipv4Mapped') return 'ipv4Mapped';
  if (range === 'rfc6052') {
    if (!v6.match(NAT64_WELL_KNOWN)) return 'nat64LocalUse';
    const inner = forbiddenRange(new ipaddr.IPv4(v6.toByteArray().slice(12)));
    return inner ? `nat64 of ${inner}` : undefined;
  }
  if (range !== 'unicast') return range;
  if (v6.match(IPV4_COMPATIBLE)) return 'ipv4Compatible';
  // Outside 2000::/3 nothing is assigned for unicast use.
  return v6.match(GLOBAL_UNICAST) ? undefined : 'reserved';
}

/** An address text (no brackets; a zone id is allowed here as ipaddr.js reads it), or undefined. */
export function parseAddress(text: string): IpAddress | undefined {
  return ipaddr.isValid(text) ? ipaddr.parse(text) : undefined;
}

/** A URL's hostname as an address when it is a literal (`127.0.0.1`, `[::1]`), else undefined. */
export function literalAddress(hostname: string): IpAddress | undefined {
  if (hostname.startsWith('[') && hostname.endsWith(']')) return parseAddress(hostname.slice(1, -1));
  // After the URL parser, an IPv4 literal is always four dotted decimals; anything else is a name.
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) ? parseAddress(hostname) : undefined;
}

/** A webhook was about to reach an address it may not: the delivery fails with this reason. */
export class ForbiddenAddressError extends Error {
  override readonly name = 'ForbiddenAddressError';
  readonly code = 'WEBHOOK_ADDRESS_FORBIDDEN';
}

/** Resolves a host name to every address (tests inject their own; production asks the system resolver). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

export interface AddressPolicyOptions {
  /** CONSENTGATE_WEBHOOK_ALLOW entries: host names, addresses and CIDR networks. */
  readonly allow?: readonly string[];
  readonly resolver?: Resolver;
}

export class WebhookAddressPolicy {
  private readonly hosts = new Set<string>();
  private readonly networks: Array<[IpAddress, number]> = [];
  private readonly resolver: Resolver;

  constructor(opts: AddressPolicyOptions = {}) {
    for (const entry of opts.allow ?? []) {
      const parsed = parseAllowEntry(entry);
      if (parsed.kind === 'host') this.hosts.add(parsed.host);
      else this.networks.push(parsed.network);
    }
    this.resolver = opts.resolver ?? systemResolver;
  }

  /** The operator listed this host name (exactly; a trailing dot and case do not matter). */
  hostAllowed(hostname: string): boolean {
    return this.hosts.has(normaliseHost(hostname));
  }

  /** Why `address` may not be reached for `hostname`, or undefined when it may. */
  refusal(address: IpAddress, hostname: string): string | undefined {
    const range = forbiddenRange(address);
    if (range === undefined || this.hostAllowed(hostname) || this.inAllowedNetwork(address)) return undefined;
    return `${address.toString()} is ${range}; list it in CONSENTGATE_WEBHOOK_ALLOW to deliver there deliberately`;
  }

  /**
   * The socket's lookup for a delivery to `hostname`: resolves, refuses if any address is
   * forbidden, and hands the checked addresses to the socket — which connects to them and to
   * nothing else, so the answer checked is the answer used.
   */
  lookupFor(hostname: string): LookupFunction {
    return (name, options, callback) => {
      this.resolver(name).then(
        (addresses) => {
          if (addresses.length === 0) return callback(Object.assign(new Error(`no address for ${name}`), { code: 'ENOTFOUND' }), '', 4);
          for (const a of addresses) {
            const parsed = parseAddress(a.address);
            const why = parsed ? this.refusal(parsed, hostname) : `${a.address} is not an IP address`;
            if (why) return callback(new ForbiddenAddressError(`${name} resolves to ${why}`), '', 4);
          }
          const family = options.family === 4 || options.family === 6 ? options.family : 0;
          const usable = family ? addresses.filter((a) => a.family === family) : addresses;
          if (usable.length === 0) return callback(Object.assign(new Error(`no IPv${family} address for ${name}`), { code: 'ENOTFOUND' }), '', 4);
          if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
          callback(null, usable[0]!.address, usable[0]!.family);
        },
        (err: unknown) => callback(err as NodeJS.ErrnoException, '', 4),
      );
    };
  }

  private inAllowedNetwork(address: IpAddress): boolean {
    const candidates: IpAddress[] = [address];
    // An IPv4-mapped address is the IPv4 address it carries: an allowed network covers both forms.
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) candidates.push((address as ipaddr.IPv6).toIPv4Address());
    return candidates.some((a) => this.networks.some(([net, bits]) => net.kind() === a.kind() && a.match(net, bits)));
  }
}

const normaliseHost = (h: string) => h.toLowerCase().replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1');

/** One CONSENTGATE_WEBHOOK_ALLOW entry: `hooks.internal`, `10.1.2.3`, `10.0.0.0/8`, `fd00::/8`, `[::1]`. Throws on nonsense. */
export function parseAllowEntry(raw: string): { kind: 'host'; host: string } | { kind: 'network'; network: [IpAddress, number] } {
  const entry = normaliseHost(raw.trim());
  if (entry.includes('/')) {
    try {
      return { kind: 'network', network: ipaddr.parseCIDR(entry) };
    } catch {
      throw new Error(`"${raw}" is not a CIDR network`);
    }
  }
  const address = parseAddress(entry);
  if (address) return { kind: 'network', network: [address, address.kind() === 'ipv4' ? 32 : 128] };
  if (!/^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/.test(entry)) {
    throw new Error(`"${raw}" is neither a host name, an IP address nor a CIDR network`);
  }
  return { kind: 'host', host: entry };
}

/** The CONSENTGATE_WEBHOOK_ALLOW value: comma- or space-separated entries. */
export function parseAllowList(value: string | undefined): string[] {
  const entries = (value ?? '').split(/[\s,]+/).filter((e) => e !== '');
  for (const e of entries) parseAllowEntry(e);
  return entries;
}
