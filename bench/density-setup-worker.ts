/**
 * Density setup, in its own process: links `count` fresh devices ONCE (raw Baileys, one new
 * business phone each) and saves each device's auth state to a file, so the density workers can
 * log in from saved credentials (no scan, no pre-key upload). Prints progress and one result line.
 *
 *   node --import tsx bench/density-setup-worker.ts --dir D --from I --count N --phone-prefix P
 *     --concurrency C --protocol-url U --control-url U --root-public-key K
 *
 * Devices I .. I+N-1 are linked; the bench runs it in batches because every socket Baileys ever
 * opened in a process slows all later async work in it (one AsyncLocalStorage per socket, never
 * disabled; see the report).
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { newRawAuth } from '../test/support/raw-baileys-client.js';
import { send } from './child-processes.js';
import { ControlClient } from './control-client.js';
import { forEachLimited, pollUntil } from './deadline.js';
import { linkDevice } from './link-device.js';
import { saveDevice } from './saved-state.js';
import { RawBenchSession } from './sessions.js';
import { ENDPOINT_OPTIONS, endpointFrom, positiveInteger } from './worker-args.js';

const LINK_TIMEOUT_MS = 60_000;
const ATTEMPTS = 3;

const { values } = parseArgs({
  options: {
    ...ENDPOINT_OPTIONS,
    dir: { type: 'string' },
    from: { type: 'string' },
    count: { type: 'string' },
    concurrency: { type: 'string' },
    'phone-prefix': { type: 'string' },
  },
});

try {
  const endpoint = endpointFrom(values);
  const dir = values.dir;
  const prefix = values['phone-prefix'];
  if (!dir || !prefix) throw new Error('--dir and --phone-prefix are required');
  const count = positiveInteger('count', values.count);
  const from = values.from === undefined ? 0 : Number(values.from);
  if (!Number.isInteger(from) || from < 0) throw new Error('--from must be a whole number');
  const concurrency = positiveInteger('concurrency', values.concurrency, 6);
  const control = new ControlClient(endpoint.controlUrl);
  const started = performance.now();
  let done = 0;
  let retries = 0;
  const indexes = Array.from({ length: count }, (_, i) => from + i);
  await forEachLimited(indexes, concurrency, async (index) => {
    for (let attempt = 1; ; attempt++) {
      // A fresh phone per attempt: a failed attempt may have left a half-linked device behind.
      const phone = `${prefix}${String(index).padStart(5, '0')}${attempt}`;
      const auth = newRawAuth();
      const session = new RawBenchSession(endpoint, auth);
      try {
        await control.createPhone({ phone, name: `Density ${index}`, business: true });
        const { device } = await linkDevice(session, control, phone, LINK_TIMEOUT_MS);
        // Baileys stores its own LID mapping and device list just after the open: keep them too.
        await pollUntil(
          () => auth.keys['device-list'] !== undefined,
          5_000,
          'the device list after open',
        ).catch(() => undefined);
        await session.stop();
        await saveDevice(dir, index, { phone, device, creds: auth.creds, keys: auth.keys });
        break;
      } catch (err) {
        await session.stop().catch(() => undefined);
        if (attempt >= ATTEMPTS)
          throw new Error(`linking device ${index} failed ${ATTEMPTS} times: ${String(err)}`, { cause: err });
        retries++;
        process.stderr.write(`device ${index} attempt ${attempt} failed: ${String(err)}; retrying\n`);
      }
    }
    done++;
    if (done % 50 === 0 || done === count) {
      send({ type: 'progress', linked: done, count, elapsedMs: Math.round(performance.now() - started) });
    }
  });
  send({ type: 'result', linked: done, retries, elapsedMs: Math.round(performance.now() - started) });
  process.exit(0);
} catch (err) {
  send({ type: 'result', error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}
