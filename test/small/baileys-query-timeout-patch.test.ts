import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Boom } from '@hapi/boom';
import { promiseTimeout } from 'baileys/lib/Utils/generics.js';

// patches/baileys+7.0.0-rc14.patch: Baileys' query timeout keeps its caller's stack unformatted
// until a timeout is reported (formatting it for every query and keep-alive cost ~8 % of the
// gateway's CPU during a restore). A timeout must still say where the query came from.
test("a query that times out still reports its caller's stack; one that answers costs no formatted trace", async () => {
  async function askTheServer(): Promise<unknown> {
    return promiseTimeout(20, () => undefined); // never answered
  }
  const err = (await askTheServer().catch((e: unknown) => e)) as Boom<{ stack: string }>;
  assert.equal(err.message, 'Timed Out');
  assert.equal(typeof err.data?.stack, 'string');
  assert.match(err.data!.stack, /askTheServer/);
  assert.equal(await promiseTimeout(1_000, (resolve) => resolve('answer')), 'answer');
});

test('a settled query leaves no timer behind, and its own rejection comes through unchanged', async () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  const pending = promiseTimeout(60_000, (resolve) => setImmediate(() => resolve('late answer')));
  assert.equal(timers(), before + 1, 'the timeout is armed while the query waits');
  assert.equal(await pending, 'late answer');
  assert.equal(timers(), before, 'and cleared once it is answered');
  const refused = new Error('item-not-found');
  await assert.rejects(
    promiseTimeout(60_000, (_, reject) => reject(refused)),
    (err) => err === refused,
  );
  assert.equal(timers(), before);
});
