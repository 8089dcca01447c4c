import type { AuthenticationCreds } from 'baileys';
import type { Logger } from 'pino';
import type { AuthStateStore } from './auth-state-store.js';

/**
 * Serialises writes of one device's credentials: Baileys fires creds.update in bursts (pre-key
 * uploads, pairing) on one mutable object, so saves coalesce into one write of the latest state,
 * and a wipe is ordered after every save queued before it.
 */
export class CredsWriter {
  readonly #store: AuthStateStore;
  readonly #log: Logger;
  #chain: Promise<void> = Promise.resolve();
  #saveQueued = false;

  constructor(store: AuthStateStore, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  /** Queues a save of whatever `current()` returns when the write runs (nothing if undefined). */
  save(current: () => AuthenticationCreds | undefined): void {
    if (this.#saveQueued) return;
    this.#saveQueued = true;
    this.#enqueue(async () => {
      this.#saveQueued = false;
      const creds = current();
      if (creds) await this.#store.saveCreds(creds);
    }, 'could not save WhatsApp credentials');
  }

  /** Deletes the credentials and keys once earlier writes are done. */
  wipe(): Promise<void> {
    this.#enqueue(() => this.#store.clear(), 'could not wipe WhatsApp credentials');
    return this.#chain;
  }

  /** Resolves when every queued write has finished (failures are logged, not thrown). */
  settled(): Promise<void> {
    return this.#chain;
  }

  #enqueue(write: () => Promise<void>, failure: string): void {
    this.#chain = this.#chain.then(write).catch((err: unknown) => this.#log.error({ err }, failure));
  }
}
