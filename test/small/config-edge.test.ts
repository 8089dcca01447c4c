import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('config: body limits and database timeouts', () => {
  test('defaults', () => {
    const config = loadConfig({});
    assert.deepEqual(config.bodyLimits, { defaultBytes: 1_048_576, batchBytes: 8_388_608 });
    assert.deepEqual(config.database, {
      connectTimeoutMs: 5_000,
      statementTimeoutMs: 10_000,
      queryTimeoutMs: 12_000,
      poolSize: 20,
    });
  });

  test('set, the query timeout following the statement timeout unless set itself', () => {
    const config = loadConfig({
      MAX_BODY_BYTES: '65536',
      MAX_BATCH_BODY_BYTES: '2097152',
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      DATABASE_STATEMENT_TIMEOUT_MS: '3000',
      DATABASE_POOL_SIZE: '8',
    });
    assert.deepEqual(config.bodyLimits, { defaultBytes: 65_536, batchBytes: 2_097_152 });
    assert.deepEqual(config.database, {
      connectTimeoutMs: 1_000,
      statementTimeoutMs: 3_000,
      queryTimeoutMs: 5_000,
      poolSize: 8,
    });
    assert.equal(loadConfig({ DATABASE_QUERY_TIMEOUT_MS: '700' }).database.queryTimeoutMs, 700);
  });

  test('nonsense is refused at start, naming the variable', () => {
    assert.throws(
      () => loadConfig({ MAX_BODY_BYTES: 'lots' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /MAX_BODY_BYTES/);
        return true;
      },
    );
    assert.throws(() => loadConfig({ DATABASE_CONNECT_TIMEOUT_MS: '0' }), /DATABASE_CONNECT_TIMEOUT_MS/);
    assert.throws(() => loadConfig({ DATABASE_POOL_SIZE: '1' }), /DATABASE_POOL_SIZE/);
  });
});
