import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PartnerCallStore } from '../../src/integrations/altegio/partner-call-store.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { TenantsRepository } from '../../src/store/tenants-repository.js';
import { TEST_POSTGRES_URL, freshDatabase, type TestDatabase } from '../support/databases.js';

/**
 * Issue 14, background work safe with N nodes: two gateway nodes (two connection pools on one
 * PostgreSQL schema) race for the ALTEGIO partner-call outbox; no call is claimed by both, and a
 * leased call is not claimed again before its lease ends.
 */
describe('partner-call claims by two nodes on one PostgreSQL', () => {
  let t: TestDatabase;
  let other: Database;
  before(async () => {
    t = await freshDatabase('postgres');
    const [row] = await t.db.query<{ schema: string }>('select current_schema() as schema');
    other = await openDatabase({ url: TEST_POSTGRES_URL, schema: row!.schema });
  });
  after(async () => {
    await other?.close();
    await t?.dispose();
  });

  test('racing claimers never get the same call; every due call is claimed once; a lease holds', async () => {
    const tenant = await new TenantsRepository(t.db).create({
      name: 'Salon',
      timeZone: 'UTC',
      language: 'en',
    });
    const at = new Date('2026-03-01T10:00:00Z');
    const store = new PartnerCallStore(t.db);
    const ids: number[] = [];
    // 60 ordering keys (one visit each): every one is due at once.
    for (let i = 0; i < 60; i++)
      ids.push(
        await store.enqueueCall({
          tenantId: tenant.id,
          kind: 'attendance',
          orderingKey: `record:${i}`,
          method: 'PUT',
          url: `https://api.example.com/records/${i}`,
          body: { attendance: 1 },
          at,
          retryUntil: new Date(at.getTime() + 86_400_000),
        }),
      );
    const now = new Date(at.getTime() + 1_000);
    const lease = new Date(now.getTime() + 60_000);
    const nodes = [store, new PartnerCallStore(other)];
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, i) => nodes[i % 2]!.claimDue(now, lease, 8)),
    );
    const claimed = claims.flat().map((call) => call.id);
    assert.equal(new Set(claimed).size, claimed.length, 'a call was claimed twice');
    // 12 claims of 8 can take 96: all 60, each by one claimer.
    assert.deepEqual(
      [...claimed].sort((a, b) => a - b),
      ids,
    );
    assert.ok(
      claims.filter((c) => c.length > 0).length > 1,
      'the claims overlapped (several claimers got rows)',
    );
    assert.deepEqual(await nodes[1]!.claimDue(now, lease, 100), [], 'leased calls are not due again');
    const afterLease = await nodes[0]!.claimDue(
      new Date(lease.getTime() + 1),
      new Date(lease.getTime() + 60_000),
      100,
    );
    assert.equal(afterLease.length, 60, 'a claimer that died leaves its calls to be claimed again');
  });
});
