interface Waiter<T> {
  resolve(value: T): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** Callers waiting for one future value, each with its own deadline; settled all at once. */
export class DeadlineWaiters<T> {
  readonly #waiters = new Set<Waiter<T>>();

  /** A promise for the next settled value; rejects with `onTimeout()` after `timeoutMs`. */
  wait(timeoutMs: number, onTimeout: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(onTimeout());
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  resolveAll(value: T): void {
    for (const w of this.#take()) w.resolve(value);
  }

  rejectAll(err: Error): void {
    for (const w of this.#take()) w.reject(err);
  }

  #take(): Waiter<T>[] {
    const all = [...this.#waiters];
    this.#waiters.clear();
    for (const w of all) clearTimeout(w.timer);
    return all;
  }
}
