/**
 * Where a phone can open the gateway, said at start. The QR page and login links are built from
 * PUBLIC_URL (or HOST:PORT); a newcomer on a LAN otherwise learns only from a phone that cannot
 * connect. Pure: the caller passes the machine's addresses.
 */
export interface ReachabilityInput {
  /** The address links are built from (PUBLIC_URL, or http://HOST:PORT). */
  readonly url: string;
  /** HOST the server listens on. */
  readonly host: string;
  readonly port: number;
  /** This machine's non-internal IPv4 addresses (os.networkInterfaces()). */
  readonly lanAddresses: readonly string[];
}

const LOOPBACK = /^(127\.|localhost$|::1$|\[::1\]$)/i;

function isLoopback(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}

/** Lines for the start banner: which address a phone can open, and what will not work. */
export function reachabilityNotes(input: ReachabilityInput): string[] {
  const notes: string[] = [];
  const url = new URL(input.url);
  const example = input.lanAddresses[0];
  if (!isLoopback(url.hostname)) {
    // Links name a real address: a LAN address the server listens on, or a proxy in front of it.
    notes.push(`A phone can open ${input.url} (the QR page and login links use it).`);
  } else if (isLoopback(input.host)) {
    notes.push(
      `Only this computer can open ${input.url}: a phone cannot. To open the QR page or the panel ` +
        `from a phone on your network, start with HOST=0.0.0.0 PUBLIC_URL=http://` +
        `${example ?? '<this computer’s address>'}:${input.port}.`,
    );
  } else {
    notes.push(
      `The gateway listens on ${input.host}, but links point to ${input.url}, which a phone cannot ` +
        `open: set PUBLIC_URL${example ? ` (for example http://${example}:${input.port})` : ''}.`,
    );
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    notes.push(
      `${input.url} is not https: browsers treat the QR page there as not secure (no copy button or camera ` +
        'features, and cookies cannot be marked Secure). Put the gateway behind TLS and set PUBLIC_URL to its https address before sharing links outside your network.',
    );
  }
  return notes;
}
