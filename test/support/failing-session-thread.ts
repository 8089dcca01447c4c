// A session thread that fails on purpose (test/e2e/session-threads.test.ts): the real one, which
// then throws an uncaught error as soon as it is given a channel.
import { parentPort } from 'node:worker_threads';
import '../../src/channels/session-thread.js';

parentPort!.on('message', (message: { t: string }) => {
  if (message.t === 'create') throw new Error('a session thread failed on purpose');
});
