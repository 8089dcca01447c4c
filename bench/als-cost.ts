/**
 * Does a patch of Baileys' per-socket AsyncLocalStorage (Baileys #2806, PRs #2722/#2807) still earn
 * its place? Baileys creates one `AsyncLocalStorage` per socket (addTransactionCapability) and enters
 * it on every key transaction. This measures what that does to every other async operation in the
 * process: the time of 50,000 (argument) awaited promise hops with 0, 1,000 and 10,000 such stores entered,
 * as a ratio to 0, on the Node that runs it.
 *
 *   node --import tsx bench/als-cost.ts            (the Node 24 of `npm run`)
 *   /usr/bin/node --import tsx bench/als-cost.ts   (the system's Node 20, side by side)
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const HOPS = Number(process.argv[2] ?? 50_000);
const SIZES = [0, 1_000, 10_000];
const stores: AsyncLocalStorage<unknown>[] = [];

async function hops(): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < HOPS; i++) await Promise.resolve(i);
  return performance.now() - started;
}

async function measure(): Promise<number> {
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) runs.push(await hops());
  runs.sort((a, b) => a - b);
  return runs[2]!;
}

const results: { stores: number; ms: number; ratio: number }[] = [];
let base = 0;
await measure(); // warm-up: the first runs include compilation
for (const size of SIZES) {
  while (stores.length < size) {
    const store = new AsyncLocalStorage<unknown>();
    // As Baileys does in a key transaction: the store is entered, which enables it for the process.
    store.enterWith({ socket: stores.length });
    stores.push(store);
  }
  const ms = await measure();
  if (size === 0) base = ms;
  results.push({ stores: size, ms: Math.round(ms * 10) / 10, ratio: Math.round((ms / base) * 100) / 100 });
}
console.log(JSON.stringify({ node: process.version, hops: HOPS, results }));
