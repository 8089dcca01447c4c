import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Simulator, VirtualPhone } from '../../src/simulator/index.js';
import {
  linkNewBusiness,
  processApi,
  startGatewayProcess,
  startProcessWorld,
  type GatewayProcess,
  type ProcessWorld,
} from '../support/gateway-process.js';
import { waitUntil } from '../support/wait-for.js';

/**
 * A stop (SIGTERM) takes a few seconds whatever is in flight — sends under way, a restore still
 * spacing out its reconnects — and loses nothing: after the next start every accepted message
 * reaches its chat exactly once.
 */
const CHANNELS = 3;
const MESSAGES = 240;
const STOP_BUDGET_MS = 5_000;
/** Starting a process is slow on a loaded 2-core machine; the stop is what is timed here. */
const START_MS = 90_000;

let world: ProcessWorld;
let sim: Simulator;
let gateway: GatewayProcess | undefined;
let env: Record<string, string>;

before(async () => {
  world = await startProcessWorld('shutdown');
  ({ sim, env } = world);
  gateway = await startGatewayProcess(env, START_MS);
});
after(async () => {
  await gateway?.kill().catch(() => undefined);
  await world?.stop();
});

const api = processApi(() => gateway!.url);

/** SIGTERM, and how long the process took to exit (and with which code). */
async function timedStop(process: GatewayProcess): Promise<{ ms: number; code: number | null }> {
  const started = performance.now();
  const exited = new Promise<number | null>((resolve) => process.child.once('exit', (code) => resolve(code)));
  process.child.kill('SIGTERM');
  const code = await exited;
  return { ms: performance.now() - started, code };
}

test(
  'SIGTERM mid-send and mid-restore: the process exits within seconds and nothing is lost',
  { timeout: 240_000 },
  async () => {
    const adminKey = gateway!.adminKey!;
    const businesses: Array<{ channelId: string; apiKey: string }> = [];
    for (let i = 0; i < CHANNELS; i++) {
      const phone = sim.createPhone({ phone: `5541700${String(i).padStart(4, '0')}`, business: true });
      businesses.push(await linkNewBusiness(api, adminKey, `Studio ${i}`, phone));
    }
    const recipients: VirtualPhone[] = Array.from({ length: 6 }, (_, i) =>
      sim.createPhone({ phone: `5541600${String(i).padStart(4, '0')}` }),
    );
    const perBusiness = MESSAGES / CHANNELS;
    for (const [b, business] of businesses.entries()) {
      const messages = Array.from({ length: perBusiness }, (_, n) => ({
        to: `+${recipients[(n + b) % recipients.length]!.phone}`,
        text: `Visit ${b}-${n}`,
        idempotencyKey: `s-${b}-${n}`,
      }));
      assert.equal((await api('POST', '/v1/messages/batch', business.apiKey, { messages })).status, 200);
    }
    const arrived = () => recipients.reduce((sum, r) => sum + r.inbox().length, 0);

    // 1. Sends under way.
    await waitUntil(() => arrived() >= MESSAGES * 0.2, {
      what: 'a fifth delivered',
      timeoutMs: 60_000,
      intervalMs: 5,
    });
    const midSend = await timedStop(gateway!);
    assert.ok(midSend.ms < STOP_BUDGET_MS, `stop mid-send took ${Math.round(midSend.ms)} ms`);
    assert.equal(midSend.code, 0);

    // 2. A restore still spacing out its reconnects (4 s apart): the stop does not wait for it.
    gateway = await startGatewayProcess(
      { ...env, RESTORE_STAGGER_MS: '4000', RESTORE_CONCURRENCY: '1' },
      START_MS,
    );
    const midRestore = await timedStop(gateway);
    assert.ok(midRestore.ms < STOP_BUDGET_MS, `stop mid-restore took ${Math.round(midRestore.ms)} ms`);
    assert.equal(midRestore.code, 0);

    // 3. Nothing lost, nothing twice in a chat.
    gateway = await startGatewayProcess(env, START_MS);
    await waitUntil(() => arrived() >= MESSAGES, { what: 'every message in a chat', timeoutMs: 120_000 });
    const texts = recipients.flatMap((r) => r.inbox().map((m) => m.text));
    assert.equal(texts.length, MESSAGES);
    assert.equal(new Set(texts).size, MESSAGES, 'each text once in its chat');
  },
);
