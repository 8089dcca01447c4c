import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type { ChannelDriver } from '../../src/channels/channel-driver.js';
import type { HostedChannel } from '../../src/channels/hosted-status.js';
import { LinkWindow } from '../../src/channels/link-window.js';
import type { SessionHost } from '../../src/channels/session-host.js';
import { ManualClock } from '../../src/clock.js';
import type { Channel, ChannelsRepository } from '../../src/store/channels-repository.js';

/**
 * A stall's cause follows what the driver learns after the stall was marked: with the sessions in a
 * thread (or a slow network), a refused connection can be reported after "Still connecting…".
 */
test('a stall already shown names a refusal learnt after it was marked', async () => {
  const clock = new ManualClock(new Date('2026-03-02T12:00:00Z'), { frozen: true });
  const hosted = {
    tenantId: 'ten_1',
    channelId: 'chn_1',
    driver: { open: () => Promise.resolve() } as unknown as ChannelDriver,
    fence: undefined,
    writes: Promise.resolve(),
    lastStatus: undefined,
    linkedAt: undefined,
    newChatCap: undefined,
    cancelRestrictionEnd: undefined,
  } satisfies HostedChannel;
  let published = 0;
  const host = {
    observeLinking: () => undefined,
    openForLinking: () => Promise.resolve(hosted),
    record: () => Promise.resolve(),
    publish: () => void published++,
    isCurrent: (h: HostedChannel) => h === hosted,
  } as unknown as SessionHost;
  const window = new LinkWindow({
    host,
    channels: {} as ChannelsRepository,
    logger: pino({ level: 'silent' }),
    clock,
    linkWindowMs: 600_000,
    slowLinkMs: 10_000,
    stuckLinkMs: 30_000,
  });
  await window.watch({ id: 'chn_1', tenantId: 'ten_1', status: 'not_linked', linkMode: 'qr' } as Channel);

  clock.advance(10_001);
  assert.deepEqual(window.linkState('chn_1').link?.stalled, { stage: 'slow', cause: 'no_answer' });
  const before = published;
  window.trouble(hosted, 'connection_refused');
  assert.deepEqual(window.linkState('chn_1').link?.stalled, { stage: 'slow', cause: 'unreachable' });
  assert.equal(published, before + 1, 'the viewers are told');
  window.trouble(hosted, 'timed_out');
  assert.equal(published, before + 1, 'the same cause in words: nothing new to tell');

  clock.advance(20_000);
  assert.deepEqual(window.linkState('chn_1').link?.stalled, { stage: 'stuck', cause: 'unreachable' });
});
