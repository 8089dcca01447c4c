import type { DriverEvents } from './channel-driver.js';

/**
 * A driver's listeners by event: each is called in turn, and one that throws is reported and does
 * not keep the others from hearing it.
 */
export class DriverListeners {
  private readonly byEvent = new Map<keyof DriverEvents, Set<(payload: never) => void>>();

  constructor(private readonly threw: (err: unknown, event: keyof DriverEvents) => void) {}

  on<K extends keyof DriverEvents>(event: K, listener: (payload: DriverEvents[K]) => void): () => void {
    let set = this.byEvent.get(event);
    if (!set) this.byEvent.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof DriverEvents>(event: K, payload: DriverEvents[K]): void {
    for (const listener of [...(this.byEvent.get(event) ?? [])] as Array<(p: DriverEvents[K]) => void>) {
      try {
        listener(payload);
      } catch (err) {
        this.threw(err, event);
      }
    }
  }
}
