import type { BinaryNode } from 'baileys';
import type { ClientConnection } from './client-connection.js';
import type { CompanionDevice } from './directory.js';

export interface IssuedRef {
  readonly ref: string;
  validFrom: number;
  validUntil: number;
}

/** A pairing code the device asked for, waiting for the phone's user to type it. */
export interface PendingCode {
  readonly phone: string;
  readonly wrappedCompanionEphemeral: Buffer;
  readonly ref: Buffer;
  finishWaiter?: ((finish: BinaryNode) => void) | undefined;
}

/** A socket that registered (no credentials yet) and is waiting to be linked by QR or code. */
export class Registration {
  readonly refs: IssuedRef[] = [];
  pendingCode: PendingCode | undefined;
  linking = false;
  /** The ADV secret the service retired with a companion_reg_refresh (a scan of it cannot link). */
  retiredAdvSecret: string | undefined;

  constructor(
    readonly id: string,
    readonly connection: ClientConnection,
    readonly noiseKey: Buffer,
    readonly identityKey: Buffer,
    readonly platformDisplay: string,
  ) {}
}

export interface LinkOutcome {
  readonly companion: CompanionDevice;
}
