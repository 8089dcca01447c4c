/** One HTTP POST of a webhook, behind an interface so tests and other runtimes can swap it. */
export interface WebhookTransport {
  post(request: {
    url: string;
    headers: Record<string, string>;
    body: string;
    signal: AbortSignal;
  }): Promise<{ status: number; bodyExcerpt: string }>;
}

const EXCERPT_BYTES = 512;

/** Reads at most the first `limit` bytes of a response body (for the delivery log), then lets go. */
async function readExcerpt(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
      if (done || !value) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** Node's fetch; redirects are not followed (a 3xx is a failed attempt, as Standard Webhooks advises). */
export const fetchTransport: WebhookTransport = {
  async post({ url, headers, body, signal }) {
    const response = await fetch(url, { method: 'POST', headers, body, signal, redirect: 'manual' });
    return { status: response.status, bodyExcerpt: await readExcerpt(response, EXCERPT_BYTES) };
  },
};
