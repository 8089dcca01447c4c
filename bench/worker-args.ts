/** The simulator endpoint as passed to workers on their command line. */
import type { SimulatorEndpoint } from './simulator-process.js';

export function endpointArgs(endpoint: SimulatorEndpoint): string[] {
  return [
    '--protocol-url',
    endpoint.protocolUrl,
    '--control-url',
    endpoint.controlUrl,
    '--root-public-key',
    Buffer.from(endpoint.rootPublicKey).toString('base64'),
  ];
}

export const ENDPOINT_OPTIONS = {
  'protocol-url': { type: 'string' },
  'control-url': { type: 'string' },
  'root-public-key': { type: 'string' },
} as const;

export function endpointFrom(values: {
  'protocol-url'?: string | undefined;
  'control-url'?: string | undefined;
  'root-public-key'?: string | undefined;
}): SimulatorEndpoint {
  const protocolUrl = values['protocol-url'];
  const controlUrl = values['control-url'];
  const key = values['root-public-key'];
  if (!protocolUrl || !controlUrl || !key)
    throw new Error('--protocol-url, --control-url and --root-public-key are required');
  return { protocolUrl, controlUrl, rootPublicKey: new Uint8Array(Buffer.from(key, 'base64')) };
}

export function positiveInteger(name: string, value: string | undefined, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new Error(`--${name} is required`);
    return fallback;
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`--${name} must be a positive whole number, got "${value}"`);
  return n;
}
