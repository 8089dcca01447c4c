/** The simulator's control API over HTTP (127.0.0.1 only), with a deadline on every request. */

export interface LinkedDeviceInfo {
  readonly device: number;
  readonly platform: string;
  readonly linkedAt: number;
  readonly online: boolean;
}

export class ControlClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 20_000,
  ) {}

  async createPhone(spec: { phone: string; name?: string; business?: boolean }): Promise<void> {
    await this.#request('POST', '/phones', spec);
  }

  /** The phone scans `qr` (Linked devices → Link a device); resolves once the device is linked. */
  async scan(phone: string, qr: string): Promise<{ device: number }> {
    return (await this.#request('POST', `/phones/${phone}/scan`, { qr })) as { device: number };
  }

  async linkedDevices(phone: string): Promise<LinkedDeviceInfo[]> {
    return (await this.#request('GET', `/phones/${phone}/linked-devices`)) as LinkedDeviceInfo[];
  }

  /** Writes the simulator's state file now (it must have been started with one). */
  async saveState(): Promise<{ accounts: number; devices: number }> {
    return (await this.#request('POST', '/state/save')) as { accounts: number; devices: number };
  }

  /** Keep-alive pings the simulator answered per second in [fromMs, toMs), and its own loop delay. */
  async keepAlivePace(
    fromMs: number,
    toMs: number,
  ): Promise<{ at: number; pings: number; loopMaxMs: number }[]> {
    const query = new URLSearchParams({ from: String(Math.floor(fromMs)), to: String(Math.ceil(toMs)) });
    const answer = (await this.#request('GET', `/stats/keep-alive?${query.toString()}`)) as {
      seconds: { at: number; pings: number; loopMaxMs: number }[];
    };
    return answer.seconds;
  }

  async #request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  }
}
