import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NewChatMessageCapInfo } from 'baileys';
import { parseNewChatCap } from '../../src/whatsapp/new-chat-cap.js';
import { classifyRefusal } from '../../src/whatsapp/refusal-cause.js';

const PN = '5541900000001@s.whatsapp.net';
const LID = '90001@lid';

describe('a 463 by its cause', () => {
  const facts = (o: {
    lid?: string;
    timelock?: { active: boolean; until?: number } | 'fails';
    address?: string;
  }) => ({
    address: o.address ?? PN,
    lidForPhone: () => Promise.resolve(o.lid),
    fetchTimelock: () =>
      o.timelock === 'fails' || o.timelock === undefined
        ? Promise.reject(new Error('no answer'))
        : Promise.resolve(o.timelock),
  });

  test('WhatsApp says timelock: timelock (with its end), whatever the address', async () => {
    assert.deepEqual(
      await classifyRefusal(facts({ lid: '90001', timelock: { active: true, until: 5_000 } })),
      {
        cause: 'timelock',
        until: 5_000,
        asked: true,
      },
    );
  });

  test('no timelock: a phone-number address whose LID is known is misaddressed; otherwise a missing token', async () => {
    assert.deepEqual(await classifyRefusal(facts({ lid: '90001', timelock: { active: false } })), {
      cause: 'misaddressed',
      lid: '90001',
      asked: true,
    });
    assert.deepEqual(await classifyRefusal(facts({ timelock: { active: false } })), {
      cause: 'no_token',
      asked: true,
    });
    assert.deepEqual(
      await classifyRefusal(facts({ address: LID, lid: '90001', timelock: { active: false } })),
      {
        cause: 'no_token',
        asked: true,
      },
    );
  });

  test('WhatsApp cannot be asked: misaddressed when the LID is known, otherwise held back as a timelock', async () => {
    assert.deepEqual(await classifyRefusal(facts({ lid: '90001', timelock: 'fails' })), {
      cause: 'misaddressed',
      lid: '90001',
      asked: false,
    });
    assert.deepEqual(await classifyRefusal(facts({ timelock: 'fails' })), {
      cause: 'timelock',
      asked: false,
    });
  });
});

describe('the new-chat cap as WhatsApp states it', () => {
  test('statuses, quota, used and the cycle end', () => {
    const info = {
      total_quota: 100,
      used_quota: 85,
      cycle_end_timestamp: '1800000000',
      capping_status: 'FIRST_WARNING',
    } as NewChatMessageCapInfo;
    assert.deepEqual(parseNewChatCap(info), {
      status: 'first_warning',
      total: 100,
      used: 85,
      cycleEndsAt: 1_800_000_000_000,
    });
  });

  test('used at or over the quota is the cap even when the status says otherwise; nothing usable is undefined', () => {
    const full = { total_quota: 10, used_quota: 10, capping_status: 'NONE' } as NewChatMessageCapInfo;
    assert.equal(parseNewChatCap(full)?.status, 'capped');
    assert.equal(parseNewChatCap({}), undefined);
    assert.equal(parseNewChatCap(undefined), undefined);
  });
});
