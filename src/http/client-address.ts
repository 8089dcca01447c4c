import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import ipaddr from 'ipaddr.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** Who is asking: the peer address, or the client a trusted proxy forwarded for (rate-limit key). */
    clientAddress: string;
    /** Cookies carry `Secure` (PUBLIC_URL is https, or the request came over TLS). */
    secureCookies: boolean;
  }
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parses addresses/CIDRs (already validated by the config) into ranges; a bare address is a /32 or /128. */
export function trustedRanges(list: readonly string[]): Range[] {
  return list.map((item) => {
    if (item.includes('/')) return ipaddr.parseCIDR(item);
    const address = ipaddr.process(item);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  });
}

/** An address in one spelling (IPv4-mapped IPv6 as IPv4); undefined when it is not an address. */
function canonical(value: string | undefined): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (!value) return undefined;
  const bare = value.trim().replace(/^\[(.*)\]$/, '$1');
  return ipaddr.isValid(bare) ? ipaddr.process(bare) : undefined;
}

const isTrusted = (address: ipaddr.IPv4 | ipaddr.IPv6, ranges: readonly Range[]): boolean =>
  ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));

/**
 * The client's address. The peer is the client unless it is a trusted proxy; then X-Forwarded-For is
 * read from the right (each proxy appends the address it saw), skipping trusted proxies, and the first
 * address not ours is the client. A header from anyone else is ignored: it costs nothing to forge.
 */
export function resolveClientAddress(
  peer: string | undefined,
  forwardedFor: string | undefined,
  ranges: readonly Range[],
): string {
  const peerAddress = canonical(peer);
  if (!peerAddress) return peer ?? 'unknown';
  if (!forwardedFor || !isTrusted(peerAddress, ranges)) return peerAddress.toString();
  let client = peerAddress;
  const hops = forwardedFor.split(',').map(canonical);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    // A garbled entry: stop there; the last address a trusted hop vouched for is who we know.
    if (!hop) break;
    client = hop;
    if (!isTrusted(hop, ranges)) break;
  }
  return client.toString();
}

/** The peer's address as the Node server saw it (undefined when the app is not served by Node). */
function peerAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

/** Sets `clientAddress` and `secureCookies` on every request (mounted first in app.ts). */
export function clientContext(o: {
  trustedProxies: readonly string[];
  secureCookies: boolean;
}): MiddlewareHandler {
  const ranges = trustedRanges(o.trustedProxies);
  return async (c, next) => {
    c.set('clientAddress', resolveClientAddress(peerAddress(c), c.req.header('x-forwarded-for'), ranges));
    c.set('secureCookies', o.secureCookies || new URL(c.req.url).protocol === 'https:');
    await next();
  };
}
