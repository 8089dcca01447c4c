import type { Logger } from 'pino';
import type { ReportedStatus } from './dispatch-store.js';

/** Most statuses recorded in one transaction. */
const STATUS_BATCH_MAX = 500;

export interface StatusBatcherOptions {
  /** Records statuses in one transaction, in order (DispatchStore.markStatuses). */
  readonly record: (reports: readonly ReportedStatus[]) => Promise<unknown>;
  /** After each batch was recorded (or failed to be, one by one): what waited for it may go on. */
  readonly afterBatch: (batch: readonly ReportedStatus[]) => Promise<void>;
  /** A status that could not be recorded even alone. */
  readonly onError: (err: unknown, report: ReportedStatus) => void;
  readonly logger: Logger;
}

/**
 * The dispatcher's group commit: statuses the channels report (acks and receipts of many channels
 * arrive together) are recorded in batches, and those that arrive while a batch is being written go
 * together in the next one. A batch that fails is recorded again one status at a time, so one bad
 * status cannot lose the others.
 */
export class StatusBatcher {
  /** Reported and not yet being recorded; `flushing` is the loop recording them. */
  private readonly pending: ReportedStatus[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly o: StatusBatcherOptions) {}

  add(report: ReportedStatus): void {
    this.pending.push(report);
    this.flushing ??= this.flush();
  }

  /** Resolves once every status added so far has been recorded (or failed to be). */
  async drained(): Promise<void> {
    await this.flushing;
  }

  private async flush(): Promise<void> {
    // Let everything that arrives in this event-loop turn join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, STATUS_BATCH_MAX);
        try {
          await this.o.record(batch);
        } catch (err) {
          if (batch.length > 1)
            this.o.logger.warn(
              { err, statuses: batch.length },
              'recording statuses together failed; one by one',
            );
          for (const report of batch)
            await this.o.record([report]).catch((e: unknown) => this.o.onError(e, report));
        }
        await this.o.afterBatch(batch);
      }
    } finally {
      this.flushing = undefined;
    }
  }
}
