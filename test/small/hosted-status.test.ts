import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import { ManualClock } from '../../src/clock.js';
import type { ChannelChanges } from '../../src/channels/channel-changes.js';
import type { ChannelDriver } from '../../src/channels/channel-driver.js';
import { HostedStatus, type HostedChannel, type StatusHost } from '../../src/channels/hosted-status.js';
import type { QueueGates } from '../../src/channels/queue-gates.js';
import type { ChannelsRepository } from '../../src/store/channels-repository.js';

/** Lets pending promise chains run (the status writes are chained per channel). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function hostedStatusWith(gatesRead: () => Promise<unknown>) {
  const clock = new ManualClock(new Date('2026-03-02T10:00:00Z'));
  const written: string[] = [];
  const hosted: HostedChannel = {
    tenantId: 't1',
    channelId: 'c1',
    driver: {} as ChannelDriver,
    fence: undefined,
    writes: Promise.resolve(),
    lastStatus: 'reconnecting',
    linkedAt: undefined,
    newChatCap: undefined,
    cancelRestrictionEnd: undefined,
  };
  const host: StatusHost = {
    isCurrent: () => true,
    forget: () => undefined,
    dispose: async () => undefined,
    linking: () => undefined,
    traffic: () => undefined,
    armRestrictionEnd: () => undefined,
  };
  const status = new HostedStatus({
    host,
    channels: {
      changeStatus: async (_tenant: string, _channel: string, next: string) => {
        written.push(next);
        return true;
      },
    } as unknown as ChannelsRepository,
    gates: { read: gatesRead } as unknown as QueueGates,
    changes: { publish: () => undefined } as unknown as ChannelChanges,
    clock,
    logger: pino({ level: 'silent' }),
  });
  return { clock, hosted, status, written };
}

const open = {
  status: 'open' as const,
  account: { phone: '15550001111', platform: 'smba', business: true },
};

describe('HostedStatus: a database that does not answer while a session opens', () => {
  test('never rejects, and records the open session once the database answers again', async () => {
    let reads = 0;
    const { clock, hosted, status, written } = hostedStatusWith(async () => {
      reads += 1;
      if (reads === 1) throw new Error('timeout exceeded when trying to connect');
      return { paused: undefined, restriction: undefined };
    });
    // An unhandled rejection here killed the gateway at ~5,000 sessions (pg-pool timeout in onOpen).
    const done = status.driverState(hosted, open);
    await settle();
    assert.deepEqual(written, [], 'nothing is recorded while the read fails');
    clock.advance(2_000);
    await done;
    await hosted.writes;
    assert.deepEqual(written, ['connected']);
    assert.equal(reads, 2);
  });

  test('gives up after a bounded number of attempts, still without rejecting', async () => {
    let reads = 0;
    const { clock, hosted, status, written } = hostedStatusWith(async () => {
      reads += 1;
      throw new Error('the database is gone');
    });
    const done = status.driverState(hosted, open);
    for (let i = 0; i < 10; i++) {
      await settle();
      clock.advance(20_000);
    }
    await done;
    assert.equal(reads, 5);
    assert.deepEqual(written, []);
  });
});
