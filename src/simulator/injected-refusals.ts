import type { Directory } from './directory.js';

/** Faults an operator or a test can inject into the running network. */
export type Fault =
  | { kind: 'drop'; phone?: string | undefined }
  | { kind: 'silence'; phone: string }
  | { kind: 'replace'; phone: string }
  /**
   * The next `count` messages from `phone` are refused with `code`. A 463 is a reach-out timelock
   * unless `timelock` is false (then it stands for a missing trusted-contact token): the account's
   * timelock is set, as WhatsApp's timelock query then reports it.
   */
  | {
      kind: 'error-ack';
      phone: string;
      code: 463 | 479;
      count?: number | undefined;
      timelock?: boolean | undefined;
    }
  | { kind: 'refuse-logins'; phone: string; enabled: boolean; reason?: number | undefined };

/** How long an injected 463's timelock lasts: WhatsApp's usual day. */
const TIMELOCK_MS = 24 * 3_600_000;

/** The refusals a test injected: error acks for a phone's next messages, refused logins. */
export class InjectedRefusals {
  private readonly errorAcks = new Map<string, { code: number; remaining: number; timelock: boolean }>();
  private readonly refusedLogins = new Map<string, number>();

  constructor(
    private readonly directory: Directory,
    private readonly now: () => number,
  ) {}

  inject(fault: Extract<Fault, { kind: 'error-ack' | 'refuse-logins' }>): void {
    if (fault.kind === 'error-ack') {
      this.errorAcks.set(fault.phone, {
        code: fault.code,
        remaining: fault.count ?? 1,
        timelock: fault.timelock ?? true,
      });
    } else if (fault.enabled) this.refusedLogins.set(fault.phone, fault.reason ?? 503);
    else this.refusedLogins.delete(fault.phone);
  }

  /** The stream-error reason a login of this phone is refused with, if logins are refused. */
  loginRefusal(phone: string): number | undefined {
    return this.refusedLogins.get(phone);
  }

  /** The injected error for this phone's next message, if any (a 463 also starts its timelock). */
  takeErrorAck(phone: string): number | undefined {
    const pending = this.errorAcks.get(phone);
    if (!pending) return undefined;
    pending.remaining--;
    if (pending.remaining <= 0) this.errorAcks.delete(phone);
    if (pending.code === 463 && pending.timelock) {
      const account = this.directory.find(phone);
      const until = this.now() + TIMELOCK_MS;
      if (account && !account.timelocked(this.now())) {
        account.reachoutTimelockUntil = until;
        account.reachoutTimelockEndSaid = false;
      }
    }
    return pending.code;
  }
}
