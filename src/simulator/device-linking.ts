import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  pbkdf2,
  randomBytes,
  randomInt,
} from 'node:crypto';
import { promisify } from 'node:util';
import { Curve, getBinaryNodeChild, getBinaryNodeChildBuffer, proto, type BinaryNode } from 'baileys';
import { SERVER_JID, node, type ClientConnection } from './client-connection.js';
import type { CompanionDevice, SimulatedAccount } from './directory.js';
import { SimulatorError } from './errors.js';

const pbkdf2Async = promisify(pbkdf2);
const QR_PREFIX = 'https://wa.me/settings/linked_devices#';
const ADV_ACCOUNT_PREFIX = Buffer.from([6, 0]);
const ADV_DEVICE_PREFIX = Buffer.from([6, 1]);

export interface QrTiming {
  /** Lifetime of the first ref; the real service and Baileys use 60 s. */
  readonly firstRefTtlMs: number;
  /** Lifetime of each later ref; 20 s for real. */
  readonly laterRefTtlMs: number;
  /** How many refs one registration socket gets; about 6 for real. */
  readonly refCount: number;
}

interface IssuedRef {
  readonly ref: string;
  validFrom: number;
  validUntil: number;
}

interface PendingCode {
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

type Clock = () => number;

/**
 * QR and pairing-code linking, as the real service and phone do it: refs with lifetimes, the
 * pair-success stanza signed with the account key, the device-signature check, then 515.
 */
export class DeviceLinking {
  private readonly registrations = new Map<string, Registration>();
  private readonly byRef = new Map<string, Registration>();
  /** Refs of finished registrations, so an old screenshot is told "expired", not "invalid". */
  private readonly retiredRefs = new Set<string>();
  private readonly pendingCodesByPhone = new Map<string, Registration>();
  private readonly codeWaiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly timing: QrTiming,
    private readonly now: Clock,
  ) {}

  /** Starts QR linking on a fresh registration socket: sends the refs and arms their schedule. */
  begin(registration: Registration): void {
    this.registrations.set(registration.id, registration);
    const refs: BinaryNode[] = [];
    for (let i = 0; i < this.timing.refCount; i++) {
      const ref = `2@${randomBytes(18).toString('base64')}`;
      registration.refs.push({ ref, validFrom: 0, validUntil: 0 });
      this.byRef.set(ref, registration);
      refs.push(node('ref', {}, Buffer.from(ref)));
    }
    const pairDevice = node('iq', { from: SERVER_JID, type: 'set', xmlns: 'md' }, [
      node('pair-device', {}, refs),
    ]);
    // The client starts its first QR timer when it gets the iq and answers at that moment, so the
    // schedule is re-anchored on the answer (a hair after the client's own clock, never before it).
    this.schedule(registration);
    registration.connection
      .query(pairDevice)
      .then(() => this.schedule(registration))
      .catch(() => undefined);
  }

  private schedule(registration: Registration): void {
    let start = this.now();
    registration.refs.forEach((issued, index) => {
      const ttl = index === 0 ? this.timing.firstRefTtlMs : this.timing.laterRefTtlMs;
      issued.validFrom = start;
      issued.validUntil = start + ttl;
      start += ttl;
    });
  }

  /** Forgets a registration socket that closed. */
  end(registration: Registration): void {
    this.registrations.delete(registration.id);
    for (const issued of registration.refs) {
      this.byRef.delete(issued.ref);
      this.retire(issued.ref);
    }
    if (registration.pendingCode) {
      const current = this.pendingCodesByPhone.get(registration.pendingCode.phone);
      if (current === registration) this.pendingCodesByPhone.delete(registration.pendingCode.phone);
    }
  }

  private retire(ref: string): void {
    this.retiredRefs.add(ref);
    if (this.retiredRefs.size > 100_000) {
      const oldest = this.retiredRefs.values().next();
      if (!oldest.done) this.retiredRefs.delete(oldest.value);
    }
  }

  /** The phone's camera read `qr`: validate it as the phone and service would, then link. */
  async scan(account: SimulatedAccount, qr: string): Promise<LinkOutcome> {
    const parts = qr.startsWith(QR_PREFIX) ? qr.slice(QR_PREFIX.length).split(',') : [];
    const [ref, noiseB64, identityB64, advB64] = parts;
    if (parts.length !== 5 || !ref || !noiseB64 || !identityB64 || !advB64) {
      throw new SimulatorError('qr_invalid', 'not a WhatsApp linking code');
    }
    const registration = this.byRef.get(ref);
    if (!registration) {
      throw this.retiredRefs.has(ref)
        ? new SimulatorError('qr_expired')
        : new SimulatorError('qr_invalid', 'unknown code');
    }
    if (
      !Buffer.from(noiseB64, 'base64').equals(registration.noiseKey) ||
      !Buffer.from(identityB64, 'base64').equals(registration.identityKey)
    ) {
      throw new SimulatorError('qr_invalid', 'the keys in the code do not match the device showing it');
    }
    const issued = registration.refs.find((r) => r.ref === ref);
    const now = this.now();
    if (!issued || now >= issued.validUntil) throw new SimulatorError('qr_expired');
    if (now < issued.validFrom) throw new SimulatorError('qr_invalid', 'this code has not been shown yet');
    const advSecret = Buffer.from(advB64, 'base64');
    if (advSecret.length !== 32) throw new SimulatorError('qr_invalid', 'malformed secret');
    if (registration.retiredAdvSecret === advB64)
      throw new SimulatorError('link_failed', 'the code shows a secret WhatsApp retired');
    if (account.companionRegRefresh && registration.retiredAdvSecret === undefined) {
      // WhatsApp (since mid-2026, for some accounts) retires the registration material the scanned
      // code advertises and tells the companion to show a fresh one; this scan does not link.
      registration.retiredAdvSecret = advB64;
      registration.connection.send(
        node(
          'notification',
          {
            from: SERVER_JID,
            type: 'companion_reg_refresh',
            id: registration.connection.nextId(),
            t: unixSeconds(now),
          },
          [node('companion_reg_refresh', {})],
        ),
      );
      throw new SimulatorError('link_failed', 'WhatsApp asked the device to refresh its code');
    }
    return this.pair(account, registration, advSecret);
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
    const previous = this.pendingCodesByPhone.get(phone);
    if (previous && previous !== registration) previous.pendingCode = undefined;
    registration.pendingCode = { phone, wrappedCompanionEphemeral: Buffer.from(wrapped), ref };
    this.pendingCodesByPhone.set(phone, registration);
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
      this.pendingCodesByPhone.get(account.phone) ?? (await this.awaitCodeRequest(account.phone, 2_000));
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
    this.pendingCodesByPhone.delete(account.phone);
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
        resolve(this.pendingCodesByPhone.get(phone));
      };
      const timer = setTimeout(wake, timeoutMs);
      waiters.add(wake);
    });
  }

  /** pair-success → the companion signs its identity → verify → register → 515. */
  private async pair(
    account: SimulatedAccount,
    registration: Registration,
    advSecret: Buffer,
  ): Promise<LinkOutcome> {
    if (!account.hasWhatsApp) throw new SimulatorError('no_whatsapp', account.phone);
    if (registration.linking) throw new SimulatorError('qr_expired', 'this device is already being linked');
    if (account.passkeyRequired) {
      // Since mid-2026 WhatsApp asks some accounts for a passkey (WebAuthn) check on the companion
      // before it links it: a challenge a headless client cannot answer. The phone says "Continue
      // on your other device"; no pair-success comes.
      registration.connection.send(
        node(
          'notification',
          {
            from: SERVER_JID,
            type: 'passkey_prologue_request',
            id: registration.connection.nextId(),
            t: unixSeconds(this.now()),
          },
          [
            node(
              'passkey_prologue_request',
              {},
              Buffer.from(
                JSON.stringify({
                  rpId: 'whatsapp.com',
                  challenge: randomBytes(32).toString('base64url'),
                  timeout: 600_000,
                }),
              ),
            ),
          ],
        ),
      );
      throw new SimulatorError('passkey_required');
    }
    registration.linking = true;
    const { device, keyIndex } = account.allocateDevice();
    const details = proto.ADVDeviceIdentity.encode({
      rawId: randomInt(1, 2 ** 31),
      timestamp: Math.floor(this.now() / 1000),
      keyIndex,
    }).finish();
    const accountSignature = Curve.sign(
      account.accountKey.private,
      Buffer.concat([ADV_ACCOUNT_PREFIX, details, registration.identityKey]),
    );
    const signed = proto.ADVSignedDeviceIdentity.encode({
      details,
      accountSignatureKey: account.accountKey.public,
      accountSignature,
    }).finish();
    const hmac = createHmac('sha256', advSecret).update(signed).digest();
    const deviceIdentity = proto.ADVSignedDeviceIdentityHMAC.encode({ details: signed, hmac }).finish();
    const children: BinaryNode[] = [
      node('device-identity', {}, deviceIdentity),
      node('platform', { name: account.platform }),
      node('device', {
        jid: `${account.phone}:${device}@s.whatsapp.net`,
        lid: `${account.lidUser}:${device}@lid`,
      }),
    ];
    if (account.business) children.push(node('biz', { name: account.name }));

    let answer: BinaryNode;
    try {
      answer = await registration.connection.query(
        node('iq', { from: SERVER_JID, type: 'set', t: unixSeconds(this.now()) }, [
          node('pair-success', {}, children),
        ]),
      );
    } catch {
      registration.linking = false;
      throw new SimulatorError('qr_expired', 'the device went away before linking finished');
    }
    const signNode = getBinaryNodeChild(getBinaryNodeChild(answer, 'pair-device-sign'), 'device-identity');
    const returned =
      signNode?.content instanceof Uint8Array
        ? proto.ADVSignedDeviceIdentity.decode(signNode.content)
        : undefined;
    const deviceMessage = Buffer.concat([
      ADV_DEVICE_PREFIX,
      details,
      registration.identityKey,
      account.accountKey.public,
    ]);
    if (
      !returned?.deviceSignature ||
      !Curve.verify(registration.identityKey, deviceMessage, returned.deviceSignature)
    ) {
      registration.connection.close();
      throw new SimulatorError('qr_invalid', 'the device did not sign its identity');
    }
    const companion: CompanionDevice = {
      device,
      keyIndex,
      noiseKey: registration.noiseKey,
      identityKey: registration.identityKey,
      platform: registration.platformDisplay,
      linkedAt: this.now(),
      preKeys: new Map(),
      offlineQueue: [],
    };
    account.companions.set(device, companion);
    // Without 515 the client would sit on the registration socket until its refs run out.
    registration.connection.endWithStreamError(node('stream:error', { code: '515' }));
    return { companion };
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

export function unixSeconds(ms: number): string {
  return String(Math.floor(ms / 1000));
}
