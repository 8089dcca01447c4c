import { lookup as dnsLookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** One address a host name resolves to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to all its addresses (the system resolver by default; tests inject one). */
export type HostResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/**
 * Which hosts webhooks may be sent to. By default only public unicast addresses: a business key
 * must not make the gateway reach the operator's own network (cloud metadata at 169.254.169.254,
 * databases on loopback, the LAN, CGNAT, ULA). Self-hosters whose receivers live on their own
 * network allow private addresses (WEBHOOK_ALLOW_PRIVATE=true).
 */
export interface WebhookDestinationPolicy {
  readonly allowPrivate: boolean;
  readonly resolve: HostResolver;
}

/** Thrown when a webhook destination is refused: the URL's host is (or resolves to) a non-public address. */
export class DestinationRefusedError extends Error {
  override readonly name = 'DestinationRefusedError';
  readonly code = 'EDESTINATIONREFUSED';
}

const RESOLVE_TIMEOUT_MS = 5_000;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), every address, with a time limit. */
export const systemResolver: HostResolver = (hostname) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`resolving ${hostname} took longer than ${RESOLVE_TIMEOUT_MS} ms`)),
      RESOLVE_TIMEOUT_MS,
    );
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })));
    });
  });

/** The default policy: public addresses only, the system resolver. */
export const publicOnly = (resolve: HostResolver = systemResolver): WebhookDestinationPolicy => ({
  allowPrivate: false,
  resolve,
});

/**
 * Whether an IP address is public unicast. IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is judged as the
 * IPv4 address it carries; anything ipaddr.js files under a special range (loopback, private,
 * link-local, CGNAT, ULA, multicast, reserved, NAT64, 6to4, Teredo, …) is not public.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

/** The URL's host as an address when it is an IP literal (WHATWG URL has already normalised `127.1`, `0x7f000001`, …). */
function literalAddress(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : undefined;
}

const REFUSED =
  'must reach a public address; private, loopback, link-local and other reserved addresses are refused (an operator can allow them with WEBHOOK_ALLOW_PRIVATE=true)';

/**
 * Why the URL's destination is refused by the policy, or undefined when it may be used. Host names
 * are resolved and every address must be public (one private answer is enough to refuse: the
 * connection could pick it). Checked at registration; the transport checks again at connect time.
 */
export async function destinationProblem(
  url: URL,
  policy: WebhookDestinationPolicy,
): Promise<string | undefined> {
  if (policy.allowPrivate) return undefined;
  const literal = literalAddress(url.hostname);
  if (literal !== undefined) return isPublicAddress(literal) ? undefined : REFUSED;
  let addresses: readonly ResolvedAddress[];
  try {
    addresses = await policy.resolve(url.hostname);
  } catch {
    return `host ${url.hostname} does not resolve`;
  }
  if (addresses.length === 0) return `host ${url.hostname} does not resolve`;
  return addresses.every((a) => isPublicAddress(a.address)) ? undefined : REFUSED;
}

/** Refuses (throws) before connecting when the URL's host is a non-public IP literal. */
export function assertPublicLiteral(url: URL, policy: WebhookDestinationPolicy): void {
  if (policy.allowPrivate) return;
  const literal = literalAddress(url.hostname);
  if (literal !== undefined && !isPublicAddress(literal))
    throw new DestinationRefusedError('refused: the URL points to a private or reserved address');
}

/**
 * A `lookup` for `net.connect` that resolves through the policy and refuses non-public answers,
 * so the connection goes to the very address that was checked (no second resolution a DNS
 * rebinding could answer differently). Host names only: Node does not call it for IP literals.
 */
export function guardedLookup(policy: WebhookDestinationPolicy): LookupFunction {
  return (hostname, options, callback) => {
    policy.resolve(hostname).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = wanted ? addresses.filter((a) => a.family === wanted) : [...addresses];
        const first = usable[0];
        if (!first) {
          const err = Object.assign(new Error(`host ${hostname} does not resolve`), { code: 'ENOTFOUND' });
          callback(err, '', 4);
        } else if (!policy.allowPrivate && !addresses.every((a) => isPublicAddress(a.address))) {
          callback(
            new DestinationRefusedError(`refused: ${hostname} resolves to a private or reserved address`),
            '',
            4,
          );
        } else if (options.all) {
          callback(
            null,
            usable.map((a) => ({ address: a.address, family: a.family })),
          );
        } else {
          callback(null, first.address, first.family);
        }
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, '', 4),
    );
  };
}
