import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Metrics } from '../../src/metrics.js';
import { openDatabase, type Database, type DatabaseTimings } from '../../src/store/database.js';
import { TEST_POSTGRES_URL, dropTestSchema } from '../support/databases.js';

/** Every timing the database reported, by kind, in seconds. */
class RecordedTimings implements DatabaseTimings {
  readonly waits: number[] = [];
  readonly statements: number[] = [];
  readonly transactions: number[] = [];
  connectionWait(seconds: number): void {
    this.waits.push(seconds);
  }
  statement(seconds: number): void {
    this.statements.push(seconds);
  }
  transaction(seconds: number): void {
    this.transactions.push(seconds);
  }
}

/**
 * Where an API request's database time goes (the pool's wait, a statement, a transaction) is
 * reported as it happens and shown on /metrics: the figures an operator needs to tell a slow
 * server from a starved pool.
 */
describe('database timings on PostgreSQL', () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const timings = new RecordedTimings();
  let db: Database;

  before(async () => {
    // One connection: a second transaction must wait for the first.
    db = await openDatabase({ url: TEST_POSTGRES_URL, schema, poolSize: 1, timings });
  });
  after(async () => {
    await db.close();
    await dropTestSchema(schema);
  });

  test('a transaction waiting for the only connection reports its wait; each reports its length', async () => {
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const first = db.transaction(async (tx) => {
      held();
      await tx.query('select pg_sleep(0.2)');
    });
    await holding;
    const second = db.transaction((tx) => tx.query('select 1'));
    // The second caller is queued behind the first, and the pool says so.
    assert.deepEqual(db.poolCounts?.(), { open: 1, idle: 0, waiting: 1 });
    await Promise.all([first, second]);

    assert.equal(timings.waits.length, 2);
    assert.equal(timings.transactions.length, 2);
    const [, secondWait] = timings.waits;
    const [firstLength] = timings.transactions;
    // The server slept 0.2 s inside the first; the second waited for most of it.
    assert.ok(firstLength! >= 0.2, `first transaction ${firstLength} s`);
    assert.ok(secondWait! >= 0.1, `second waited ${secondWait} s`);
    assert.deepEqual(db.poolCounts?.(), { open: 1, idle: 1, waiting: 0 });
  });

  test('a statement on its own reports its time; a failed one reports nothing', async () => {
    const before = timings.statements.length;
    await db.query('select pg_sleep(0.05)');
    assert.equal(timings.statements.length, before + 1);
    assert.ok(timings.statements.at(-1)! >= 0.05);
    await assert.rejects(db.query('select * from no_such_table'));
    assert.equal(timings.statements.length, before + 1);
  });

  test('/metrics shows the histograms and the pool it watches', async () => {
    const metrics = new Metrics();
    const watched = await openDatabase({
      url: TEST_POSTGRES_URL,
      schema,
      poolSize: 2,
      timings: metrics.databaseTimings,
    });
    try {
      metrics.watchPool(watched.poolCounts);
      await watched.transaction((tx) => tx.query('select 1'));
      await watched.query('select 1');
      const text = await metrics.registry.metrics();
      assert.match(text, /^zapgate_db_transaction_seconds_count 1$/m);
      assert.match(text, /^zapgate_db_connection_wait_seconds_count 1$/m);
      assert.match(text, /^zapgate_db_statement_seconds_count 1$/m);
      assert.match(text, /^zapgate_db_pool_connections\{state="open"\} [12]$/m);
      assert.match(text, /^zapgate_db_pool_connections\{state="waiting"\} 0$/m);
    } finally {
      await watched.close();
    }
  });
});
