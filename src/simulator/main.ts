/**
 * `npm run simulator`: runs the WhatsApp network simulator on its own and prints one JSON line with
 * the protocol URL, the control URL and the root public key, so any gateway can be pointed at it.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Curve } from 'baileys';
import { startSimulator } from './simulator.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'root-key-file': { type: 'string' },
    // The registry is kept in this file (SIMULATOR_STATE_FILE): linked devices survive a restart.
    'state-file': { type: 'string', default: process.env.SIMULATOR_STATE_FILE || undefined },
    'qr-first-ms': { type: 'string' },
    'qr-later-ms': { type: 'string' },
    'qr-refs': { type: 'string' },
    'delivery-delay-ms': { type: 'string' },
    'read-delay-ms': { type: 'string' },
    phone: { type: 'string', multiple: true },
  },
});

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    console.error(`--${name} must be a whole number of milliseconds or a count, got "${value}"`);
    process.exit(2);
  }
  return parsed;
}

/** Keeps the root key in a 0600 file so a restarted simulator is still trusted by configured gateways. */
function loadRootKey(file: string | undefined): Buffer | undefined {
  if (!file) return undefined;
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  const key = Buffer.from(Curve.generateKeyPair().private);
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}

const readDelay = values['read-delay-ms'];
const qr = {
  ...(values['qr-first-ms'] ? { firstRefTtlMs: integer('qr-first-ms', values['qr-first-ms'])! } : {}),
  ...(values['qr-later-ms'] ? { laterRefTtlMs: integer('qr-later-ms', values['qr-later-ms'])! } : {}),
  ...(values['qr-refs'] ? { refCount: integer('qr-refs', values['qr-refs'])! } : {}),
};
const simulator = await startSimulator({
  host: values.host,
  port: integer('port', values.port) ?? 0,
  rootPrivateKey: loadRootKey(values['root-key-file']),
  stateFile: values['state-file'],
  qr,
  receipts: {
    ...(values['delivery-delay-ms']
      ? { deliveryDelayMs: integer('delivery-delay-ms', values['delivery-delay-ms'])! }
      : {}),
    ...(readDelay
      ? { readDelayMs: readDelay === 'never' ? null : integer('read-delay-ms', readDelay)! }
      : {}),
  },
});
// Run on its own (as benchmarks do), it also watches its own event loop for GET /stats/keep-alive.
simulator.keepAlivePace.watchLoop();
// --phone 15550001111:business or --phone 15550002222 creates phones up front, for scripted sandboxes.
for (const spec of values.phone ?? []) {
  const [phone, flag] = spec.split(':');
  // A phone a loaded state file already holds is kept as it was.
  if (!simulator.network.directory.find(phone!))
    simulator.createPhone({ phone: phone!, business: flag === 'business' });
}
console.log(
  JSON.stringify({
    protocolUrl: simulator.protocolUrl,
    controlUrl: simulator.controlUrl,
    rootPublicKey: Buffer.from(simulator.rootPublicKey).toString('base64'),
    ...(simulator.stateAtStart ? { state: simulator.stateAtStart } : {}),
  }),
);
const shutdown = (): void => {
  // With a state file, stop() writes it: a 10,000-device registry takes a few seconds.
  void simulator.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`stopping the simulator failed: ${String(err)}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
