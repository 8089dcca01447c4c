import { createCipheriv, createDecipheriv, hkdfSync, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Curve, getBinaryNodeChild, getBinaryNodeChildBuffer, type BinaryNode } from 'baileys';
import { SERVER_JID, node, unixSeconds } from './client-connection.js';
import type { SimulatedAccount } from './directory.js';
import { SimulatorError } from './errors.js';
import type { LinkOutcome, Registration } from './registration.js';

const pbkdf2Async = promisify(pbkdf2);

/**
 * "Link with phone number instead": the device asks for a code (`companion_hello`), the phone's
 * user types it, both sides derive the ADV secret from it, then the same pair step as a QR scan.
 */
export class PairingCodes {
  private readonly pendingByPhone = new Map<string, Registration>();
  private readonly codeWaiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly now: () => number,
    private readonly pair: (
      account: SimulatedAccount,
      registration: Registration,
      advSecret: Buffer,
    ) => Promise<LinkOutcome>,
  ) {}

  /** Forgets the code of a registration socket that closed. */
  forget(registration: Registration): void {
    if (!registration.pendingCode) return;
    const current = this.pendingByPhone.get(registration.pendingCode.phone);
    if (current === registration) this.pendingByPhone.delete(registration.pendingCode.phone);
  }

  /** The client asked for a pairing code (`companion_hello`): remember it for the phone that will type it. */
  onCompanionHello(registration: Registration, request: BinaryNode): void {
    const reg = getBinaryNodeChild(request, 'link_code_companion_reg');
    const jid = reg?.attrs.jid ?? '';
    const wrapped = getBinaryNodeChildBuffer(reg, 'link_code_pairing_wrapped_companion_ephemeral_pub');
    if (!wrapped || wrapped.length !== 80 || !jid) {
      registration.connection.send(
        node('iq', { from: SERVER_JID, type: 'error', id: request.attrs.id ?? '' }, [
          node('error', { code: '400', text: 'bad-request' }),
        ]),
      );
      return;
    }
    const phone = jid.split('@')[0]!.split(':')[0]!;
    const ref = Buffer.from(`2@${randomBytes(12).toString('base64')}`);
    const previous = this.pendingByPhone.get(phone);
    if (previous && previous !== registration) previous.pendingCode = undefined;
    registration.pendingCode = { phone, wrappedCompanionEphemeral: Buffer.from(wrapped), ref };
    this.pendingByPhone.set(phone, registration);
    for (const wake of this.codeWaiters.get(phone) ?? []) wake();
    this.codeWaiters.delete(phone);
    registration.connection.reply(request, [
      node('link_code_companion_reg', {}, [node('link_code_pairing_ref', {}, ref)]),
    ]);
  }

  /** The client's `companion_finish` after the phone's notification. */
  onCompanionFinish(registration: Registration, request: BinaryNode): void {
    registration.connection.reply(request);
    const waiter = registration.pendingCode?.finishWaiter;
    if (waiter) waiter(request);
  }

  /** The phone's user typed `code` under "Link with phone number instead". */
  async enterCode(account: SimulatedAccount, code: string): Promise<LinkOutcome> {
    const registration =
      this.pendingByPhone.get(account.phone) ?? (await this.awaitCodeRequest(account.phone, 2_000));
    const pending = registration?.pendingCode;
    if (!registration || !pending || !registration.connection.isOpen)
      throw new SimulatorError('no_pending_code');
    const typed = code.replace(/[\s-]/g, '').toUpperCase();
    if (!/^[1-9A-HJ-NP-TV-Z]{8}$/.test(typed))
      throw new SimulatorError('code_wrong', 'a code has 8 letters and digits');

    const companionEphemeral = await unwrapKey(pending.wrappedCompanionEphemeral, typed);
    const primaryEphemeral = Curve.generateKeyPair();
    const finished = new Promise<BinaryNode>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new SimulatorError('code_wrong', 'the device did not answer')),
        30_000,
      );
      pending.finishWaiter = (finish) => {
        clearTimeout(timer);
        resolve(finish);
      };
    });
    registration.connection.send(
      node(
        'notification',
        {
          from: SERVER_JID,
          type: 'link_code_companion_reg',
          id: registration.connection.nextId(),
          t: unixSeconds(this.now()),
        },
        [
          node('link_code_companion_reg', {}, [
            node('link_code_pairing_ref', {}, pending.ref),
            node('primary_identity_pub', {}, account.accountKey.public),
            node(
              'link_code_pairing_wrapped_primary_ephemeral_pub',
              {},
              await wrapKey(Buffer.from(primaryEphemeral.public), typed),
            ),
          ]),
        ],
      ),
    );
    const finish = await finished;
    pending.finishWaiter = undefined;
    const reg = getBinaryNodeChild(finish, 'link_code_companion_reg');
    const bundle = getBinaryNodeChildBuffer(reg, 'link_code_pairing_wrapped_key_bundle');
    if (!bundle || bundle.length < 32 + 12 + 16 + 96) throw new SimulatorError('code_wrong');
    const shared = Curve.sharedKey(primaryEphemeral.private, companionEphemeral);
    const salt = bundle.subarray(0, 32);
    const key = Buffer.from(
      hkdfSync('sha256', shared, salt, 'link_code_pairing_key_bundle_encryption_key', 32),
    );
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, bundle.subarray(32, 44));
      decipher.setAuthTag(bundle.subarray(bundle.length - 16));
      plain = Buffer.concat([decipher.update(bundle.subarray(44, bundle.length - 16)), decipher.final()]);
    } catch {
      // The bundle only opens when both sides derived the same key, i.e. the typed code was the shown one.
      throw new SimulatorError('code_wrong');
    }
    const companionIdentity = plain.subarray(0, 32);
    const random = plain.subarray(64, 96);
    if (!companionIdentity.equals(registration.identityKey))
      throw new SimulatorError('code_wrong', 'identity mismatch');
    const identityShared = Curve.sharedKey(account.accountKey.private, companionIdentity);
    const advSecret = Buffer.from(
      hkdfSync('sha256', Buffer.concat([shared, identityShared, random]), Buffer.alloc(0), 'adv_secret', 32),
    );
    this.pendingByPhone.delete(account.phone);
    registration.pendingCode = undefined;
    return this.pair(account, registration, advSecret);
  }

  /**
   * The device's code request can still be in flight when a script types the code it was handed
   * (a person takes seconds): wait briefly for it rather than fail.
   */
  private awaitCodeRequest(phone: string, timeoutMs: number): Promise<Registration | undefined> {
    return new Promise((resolve) => {
      const waiters = this.codeWaiters.get(phone) ?? new Set<() => void>();
      this.codeWaiters.set(phone, waiters);
      const wake = (): void => {
        clearTimeout(timer);
        waiters.delete(wake);
        resolve(this.pendingByPhone.get(phone));
      };
      const timer = setTimeout(wake, timeoutMs);
      waiters.add(wake);
    });
  }
}

async function pairingKey(code: string, salt: Buffer): Promise<Buffer> {
  return pbkdf2Async(Buffer.from(code), salt, 2 << 16, 32, 'sha256');
}

/** salt(32) ‖ iv(16) ‖ AES-256-CTR(key), key from the code: how both sides hide their ephemeral keys. */
async function wrapKey(publicKey: Buffer, code: string): Promise<Buffer> {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-ctr', await pairingKey(code, salt), iv);
  return Buffer.concat([salt, iv, cipher.update(publicKey), cipher.final()]);
}

async function unwrapKey(wrapped: Buffer, code: string): Promise<Buffer> {
  const decipher = createDecipheriv(
    'aes-256-ctr',
    await pairingKey(code, wrapped.subarray(0, 32)),
    wrapped.subarray(32, 48),
  );
  return Buffer.concat([decipher.update(wrapped.subarray(48, 80)), decipher.final()]);
}
