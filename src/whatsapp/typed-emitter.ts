/** A listener for one event of map M. */
export type Listener<M, K extends keyof M> = (payload: M[K]) => void;

/**
 * A minimal typed event emitter. A listener that throws does not break the emitter or the other
 * listeners: the error goes to `onListenerError` (the session logs it), since events are emitted
 * from inside the WhatsApp socket's handlers.
 */
export class TypedEmitter<M extends object> {
  readonly #listeners = new Map<keyof M, Set<(payload: never) => void>>();
  readonly #onListenerError: (event: keyof M, err: unknown) => void;

  constructor(onListenerError: (event: keyof M, err: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof M>(event: K, listener: Listener<M, K>): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<K extends keyof M>(event: K, listener: Listener<M, K>): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    set.delete(listener);
    if (set.size === 0) this.#listeners.delete(event);
  }

  /** Subscribes for one emission only. */
  once<K extends keyof M>(event: K, listener: Listener<M, K>): () => void {
    const off = this.on(event, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  protected emit<K extends keyof M>(event: K, payload: M[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set] as Listener<M, K>[]) {
      try {
        listener(payload);
      } catch (err) {
        this.#onListenerError(event, err);
      }
    }
  }
}
