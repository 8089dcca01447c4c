/**
 * The CPU one keep-alive round trip costs a Baileys client (issue 9): K raw Baileys sockets (the
 * Baileys this checkout installs, with its patch) linked to a simulator in its own process, pinging
 * every second; this process's CPU over three 15 s windows, divided by the pings the simulator
 * counted. Not part of `npm run bench`; to compare two Baileys patches, run it from two checkouts
 * one after the other on the same machine.
 *
 *   tsx bench/keep-alive-cost.ts [K=300]
 */
import { performance } from 'node:perf_hooks';
import { newRawAuth } from '../test/support/raw-baileys-client.js';
import { ControlClient } from './control-client.js';
import { forEachLimited, sleep } from './deadline.js';
import { linkDevice } from './link-device.js';
import { RawBenchSession } from './sessions.js';
import { startSimulatorProcess } from './simulator-process.js';
import { summarise } from './stats.js';

const sockets = Number(process.argv[2] ?? 300);
if (!Number.isInteger(sockets) || sockets < 1)
  throw new Error(`K must be a positive whole number, got ${process.argv[2]}`);
const INTERVAL_MS = 1_000;
const WINDOW_MS = 15_000;
const LINK_AT_ONCE = 10;

const sim = await startSimulatorProcess({});
const control = new ControlClient(sim.controlUrl, 60_000);
const sessions: RawBenchSession[] = [];
await forEachLimited(
  Array.from({ length: sockets }, (_, i) => `1555${String(7_000_000 + i)}`),
  LINK_AT_ONCE,
  async (phone) => {
    await control.createPhone({ phone, business: true });
    const session = new RawBenchSession(sim, newRawAuth(), { keepAliveIntervalMs: INTERVAL_MS });
    sessions.push(session);
    await linkDevice(session, control, phone, 30_000);
  },
);
// Past the logins' own traffic (pre-keys, app state): only pings from here on.
await sleep(8_000);
const perPing: number[] = [];
for (let window = 0; window < 3; window++) {
  const cpuBefore = process.cpuUsage();
  const from = Date.now();
  const t0 = performance.now();
  await sleep(WINDOW_MS);
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (performance.now() - t0) / 1000;
  const counted = await control.keepAlivePace(from, Date.now() - 1_000);
  const pingsPerSecond = counted.reduce((sum, s) => sum + s.pings, 0) / Math.max(1, counted.length);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const msPerPing = cpuMs / (pingsPerSecond * seconds);
  perPing.push(msPerPing);
  console.log(
    JSON.stringify({
      window: window + 1,
      open: sessions.filter((s) => s.isOpen).length,
      cores: +(cpuMs / 1000 / seconds).toFixed(4),
      pingsPerSecond: +pingsPerSecond.toFixed(1),
      cpuMsPerPing: +msPerPing.toFixed(4),
    }),
  );
}
console.log(
  `keep-alive cost: ${sockets} sockets, median ${summarise(perPing).p50.toFixed(4)} ms of CPU per round trip`,
);
await Promise.all(sessions.map((s) => s.stop()));
await sim.stop();
process.exit(0);
