import type { ConnectAdmission, ConnectPriority, ConnectTicket } from './session-options.js';

/**
 * A session's place at the connection gate: asked before each socket opens, given back once that
 * socket's handshake is over (it opened, showed its first QR, closed) or the attempt is abandoned
 * (a stop). Without a gate every socket opens at once, as before.
 */
export class ConnectTurn {
  #ticket: ConnectTicket | undefined;

  constructor(private readonly gate: ConnectAdmission | undefined) {}

  /**
   * Runs `open` once the gate gives the turn. At once when a place is free: returns what `open`
   * returned (false: it failed). Otherwise returns true and runs `open` later if `stillWanted()`
   * then says so (the session was not stopped or overtaken meanwhile).
   */
  take(priority: ConnectPriority, open: () => boolean, stillWanted: () => boolean): boolean {
    this.end();
    if (!this.gate) return open();
    let asking = true;
    let atOnce = false;
    const ticket = this.gate.request(priority, () => {
      if (asking) atOnce = true;
      else if (this.#ticket === ticket && stillWanted()) open();
      else ticket.release();
    });
    asking = false;
    this.#ticket = ticket;
    return atOnce ? open() : true;
  }

  /** Gives the place back (or leaves the queue): the handshake is over, or nobody wants it now. */
  end(): void {
    this.#ticket?.release();
    this.#ticket = undefined;
  }
}
