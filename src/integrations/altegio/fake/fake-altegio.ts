/**
 * A fake ALTEGIO for tests and the sandbox, built from docs/altegio.md (nothing could be tried against
 * the live service). It serves the partner API we call (activation, channel availability, records,
 * delivery status callbacks), records every call it receives, can be told to fail, and can act as
 * ALTEGIO towards the gateway (operator requests, record webhooks, the registration URL).
 * No test-runner imports: usable from a sandbox process.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { sendRecordWebhook, signedRegistrationUrl } from './as-altegio.js';
import { fail } from './http-answers.js';
import { registerPartnerRoutes } from './partner-routes.js';
import { registerSandboxRoutes } from './sandbox-routes.js';
import { createFakeAltegioState } from './state.js';
import type { FakeAltegio, FakeAltegioOptions, RecordedCall } from './types.js';

export * from './types.js';
export * from './as-altegio.js';

/** Starts a fake ALTEGIO on 127.0.0.1 (a free port unless `port` is given). */
export async function startFakeAltegio(options: FakeAltegioOptions): Promise<FakeAltegio> {
  const state = createFakeAltegioState(options);

  const app = new Hono<{ Variables: { call: RecordedCall } }>();

  // Every request is recorded (and may be failed on purpose) before its handler runs.
  app.use('*', async (c, next) => {
    const rawBody = await c.req.text();
    let body: unknown = rawBody === '' ? undefined : rawBody;
    try {
      if (rawBody !== '') body = JSON.parse(rawBody);
    } catch {
      // Kept as text; handlers answer 422.
    }
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, key) => {
      headers[key.toLowerCase()] = value;
    });
    const call: RecordedCall = {
      method: c.req.method,
      path: c.req.path,
      query: { ...c.req.query() },
      headers,
      body,
      rawBody,
      status: 0,
      at: state.clock.now(),
    };
    c.set('call', call);
    state.recorded.push(call);
    const failure = state.failures.find((f) => f.remaining > 0 && call.path.startsWith(f.prefix));
    if (failure) {
      failure.remaining -= 1;
      call.status = failure.status;
      const response = c.json(
        { success: false, data: null, meta: { message: 'injected failure' } },
        failure.status as 500,
      );
      for (const waiter of [...state.waiters]) waiter.see(call);
      return response;
    }
    await next();
    call.status = c.res.status;
    for (const waiter of [...state.waiters]) waiter.see(call);
  });

  registerPartnerRoutes(app, state);
  registerSandboxRoutes(app, state);

  app.notFound((c) => fail(c, 404, 'Not found'));

  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve(
      { fetch: app.fetch, port: options.port ?? 0, hostname: options.host ?? '127.0.0.1' },
      () => resolve(s),
    ) as Server;
    s.once('error', reject);
  });
  const url = `http://${options.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  state.selfUrl = url;

  return {
    url,
    partnerToken: state.partnerToken,
    applicationId: state.applicationId,
    userToken: state.userToken,
    restUrl: `${url}/api/v1`,
    setInstallStatus: state.setInstallStatus,
    installStatus: (salonId) => state.installs.get(String(salonId))?.status,
    deliveryCallbackUrl: `${url}/smsprovider/status/callback/${state.partnerToken}`,
    calls: (pathPrefix) =>
      state.recorded.filter((call) => pathPrefix === undefined || call.path.startsWith(pathPrefix)),
    waitForCall(predicate, timeoutMs = 10_000) {
      const done = state.recorded.find((call) => call.status !== 0 && predicate(call));
      if (done) return Promise.resolve(done);
      return new Promise<RecordedCall>((resolve, reject) => {
        const waiter = {
          see(call: RecordedCall) {
            if (!predicate(call)) return;
            clearTimeout(timer);
            state.waiters.delete(waiter);
            resolve(call);
          },
          cancel() {
            clearTimeout(timer);
            state.waiters.delete(waiter);
            reject(new Error('fake ALTEGIO stopped while waiting for a call'));
          },
        };
        const timer = setTimeout(() => {
          state.waiters.delete(waiter);
          reject(new Error(`fake ALTEGIO: no matching call within ${timeoutMs} ms`));
        }, timeoutMs);
        state.waiters.add(waiter);
      });
    },
    stopFailing(prefix) {
      for (const failure of state.failures) if (failure.prefix === prefix) failure.remaining = 0;
    },
    failNext(prefix, count, status = 500) {
      state.failures.push({ prefix, remaining: count, status });
    },
    activations: state.activations,
    channels: state.channels,
    statusReports: () => [...state.reports],
    setSalon(salonId, salon) {
      if (salon) state.salons.set(String(salonId), salon);
      else state.salons.delete(String(salonId));
    },
    putRecord(record) {
      state.records.set(state.recordKey(record.company_id, record.id), record);
    },
    getRecord: (companyId, recordId) => state.records.get(state.recordKey(companyId, recordId)),
    registrationUrl(base, salonId, userData, signing) {
      const ids: readonly (string | number)[] = Array.isArray(salonId)
        ? (salonId as readonly (string | number)[])
        : [salonId as string | number];
      for (const id of ids)
        if (state.installs.get(String(id))?.status !== 'active') state.setInstallStatus(id, 'pending');
      return signedRegistrationUrl(base, salonId, state.partnerToken, userData, signing);
    },
    sendRecordWebhook: (target, envelope) => sendRecordWebhook(target, envelope, state.webhookBearer),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const waiter of [...state.waiters]) waiter.cancel();
    },
  };
}
