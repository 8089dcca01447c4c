import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_RESTARTS_WITHOUT_OPEN, decideOnClose, type CloseFacts } from '../../src/domain/session-close.js';

const facts = (over: Partial<CloseFacts>): CloseFacts => ({
  statusCode: undefined,
  message: undefined,
  requestedByUs: false,
  restartsWithoutOpen: 0,
  ...over,
});

describe('decideOnClose', () => {
  test('a close we asked for is final, whatever the code', () => {
    assert.deepEqual(decideOnClose(facts({ requestedByUs: true, statusCode: 428 })), { kind: 'stopped' });
    assert.deepEqual(decideOnClose(facts({ requestedByUs: true, statusCode: 515 })), { kind: 'stopped' });
  });

  test('515 after pairing restarts at once', () => {
    assert.deepEqual(
      decideOnClose(facts({ statusCode: 515, message: 'Stream Errored (restart required)' })),
      { kind: 'restart' },
    );
  });

  test('515 over and over without ever opening becomes a failure with backoff', () => {
    assert.deepEqual(
      decideOnClose(facts({ statusCode: 515, restartsWithoutOpen: MAX_RESTARTS_WITHOUT_OPEN })),
      {
        kind: 'reconnect',
        cause: 'restart_loop',
      },
    );
  });

  test('401 never reconnects, and says why', () => {
    assert.deepEqual(decideOnClose(facts({ statusCode: 401, message: 'Stream Errored (conflict)' })), {
      kind: 'removed',
      reason: 'device_removed',
    });
    assert.deepEqual(decideOnClose(facts({ statusCode: 401, message: 'Connection Failure' })), {
      kind: 'removed',
      reason: 'login_refused',
    });
    assert.deepEqual(decideOnClose(facts({ statusCode: 401, message: 'Intentional Logout' })), {
      kind: 'removed',
      reason: 'logged_out',
    });
  });

  test('403 and 419 are unauthorised for good', () => {
    assert.deepEqual(decideOnClose(facts({ statusCode: 403 })), { kind: 'removed', reason: 'forbidden' });
    assert.deepEqual(decideOnClose(facts({ statusCode: 419 })), { kind: 'removed', reason: 'forbidden' });
  });

  test('440 means another connection took over: never reconnect', () => {
    assert.deepEqual(decideOnClose(facts({ statusCode: 440, message: 'Stream Errored (conflict)' })), {
      kind: 'replaced',
    });
  });

  test('the two kinds of 408 are told apart by message', () => {
    assert.deepEqual(decideOnClose(facts({ statusCode: 408, message: 'QR refs attempts ended' })), {
      kind: 'qr_expired',
    });
    assert.deepEqual(decideOnClose(facts({ statusCode: 408, message: 'Connection was lost' })), {
      kind: 'reconnect',
      cause: 'connection_lost',
    });
    assert.deepEqual(decideOnClose(facts({ statusCode: 408, message: 'Pre-key upload timeout' })), {
      kind: 'reconnect',
      cause: 'timed_out',
    });
  });

  test('transient closes reconnect with a cause', () => {
    const cases: Array<[number | undefined, string]> = [
      [428, 'connection_closed'],
      [503, 'service_unavailable'],
      [500, 'server_error'],
      [599, 'server_error'],
      [undefined, 'unknown'],
      [499, 'unknown'],
    ];
    for (const [statusCode, cause] of cases) {
      assert.deepEqual(
        decideOnClose(facts({ statusCode })),
        { kind: 'reconnect', cause },
        `code ${statusCode}`,
      );
    }
  });
});
