import http from 'node:http';
import https from 'node:https';
import {
  assertPublicLiteral,
  guardedLookup,
  publicOnly,
  type WebhookDestinationPolicy,
} from './webhook-destinations.js';

/** One HTTP POST of a webhook, behind an interface so tests and other runtimes can swap it. */
export interface WebhookTransport {
  /**
   * Resolves with the receiver's status once its answer is in. Only the status is returned: the
   * body is read and dropped, so nothing a receiver (or an internal service reached by mistake)
   * says is ever shown back to the business.
   */
  post(request: {
    url: string;
    headers: Record<string, string>;
    body: string;
    signal: AbortSignal;
  }): Promise<{ status: number }>;
  /** Lets go of kept-alive connections (on stop). */
  close?(): void;
}

/** A receiver's answer beyond this is not waited for: the connection is closed instead of drained. */
const DRAIN_LIMIT_BYTES = 64 * 1024;

/**
 * POSTs over node:http(s) with the destination policy enforced where the connection is made:
 * IP-literal hosts are checked before connecting, host names through a `lookup` hook that refuses
 * private answers and hands the checked address to the socket (DNS rebinding gets no second
 * resolution). Redirects are not followed (a 3xx is a failed attempt, as Standard Webhooks advises).
 */
export function httpTransport(policy: WebhookDestinationPolicy = publicOnly()): WebhookTransport {
  const lookup = guardedLookup(policy);
  const agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  };
  return {
    post({ url, headers, body, signal }) {
      const target = new URL(url);
      if (target.protocol !== 'http:' && target.protocol !== 'https:')
        return Promise.reject(new Error(`unsupported protocol ${target.protocol}`));
      assertPublicLiteral(target, policy);
      const client = target.protocol === 'https:' ? https : http;
      return new Promise((resolve, reject) => {
        const request = client.request(
          target,
          {
            method: 'POST',
            headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
            agent: agents[target.protocol as 'http:' | 'https:'],
            lookup,
            signal,
          },
          (response) => {
            const status = response.statusCode ?? 0;
            let seen = 0;
            response.on('data', (chunk: Buffer) => {
              seen += chunk.length;
              if (seen > DRAIN_LIMIT_BYTES) {
                response.destroy();
                resolve({ status });
              }
            });
            response.on('end', () => resolve({ status }));
            response.on('error', reject);
            response.on('close', () => {
              if (!response.complete && seen <= DRAIN_LIMIT_BYTES)
                reject(new Error('the receiver closed the connection mid-answer'));
            });
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    },
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
