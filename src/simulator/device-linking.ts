import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { Curve, getBinaryNodeChild, proto, type BinaryNode } from 'baileys';
import {
  SERVER_JID,
  firstChild,
  node,
  notImplemented,
  unixSeconds,
  type ClientConnection,
} from './client-connection.js';
import type { CompanionDevice, SimulatedAccount } from './directory.js';
import { SimulatorError } from './errors.js';
import { PairingCodes } from './pairing-code.js';
import { Registration, type LinkOutcome } from './registration.js';

export { Registration, type LinkOutcome } from './registration.js';

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
  private readonly codes: PairingCodes;

  constructor(
    private readonly timing: QrTiming,
    private readonly now: Clock,
  ) {
    this.codes = new PairingCodes(now, (account, registration, advSecret) =>
      this.pair(account, registration, advSecret),
    );
  }

  /** The client asked for a pairing code (`companion_hello`). */
  onCompanionHello(registration: Registration, request: BinaryNode): void {
    this.codes.onCompanionHello(registration, request);
  }

  /** The client's `companion_finish` after the phone's notification. */
  onCompanionFinish(registration: Registration, request: BinaryNode): void {
    this.codes.onCompanionFinish(registration, request);
  }

  /** The phone's user typed `code` under "Link with phone number instead". */
  enterCode(account: SimulatedAccount, code: string): Promise<LinkOutcome> {
    return this.codes.enterCode(account, code);
  }

  /** A stanza on a registration socket: keep-alive pings and the pairing-code stages. */
  onRegistrationNode(registration: Registration, stanza: BinaryNode): void {
    if (stanza.tag !== 'iq') return;
    const child = firstChild(stanza);
    if (stanza.attrs.xmlns === 'w:p') return registration.connection.reply(stanza);
    if (child?.tag === 'link_code_companion_reg') {
      if (child.attrs.stage === 'companion_hello') return this.onCompanionHello(registration, stanza);
      if (child.attrs.stage === 'companion_finish') return this.onCompanionFinish(registration, stanza);
    }
    notImplemented(registration.connection, stanza);
  }

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
    this.codes.forget(registration);
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

/** The registration a socket starts when it presents no credentials (its keys, its platform's name). */
export function registrationOf(
  connection: ClientConnection,
  noiseKey: Buffer,
  payload: proto.ClientPayload,
): Registration {
  const pairing = payload.devicePairingData!;
  let display = 'Browser';
  if (pairing.deviceProps) {
    const props = proto.DeviceProps.decode(pairing.deviceProps);
    const type =
      props.platformType !== null && props.platformType !== undefined
        ? proto.DeviceProps.PlatformType[props.platformType]
        : undefined;
    display = `${titleCase(type ?? 'browser')} (${props.os ?? 'unknown'})`;
  }
  return new Registration(
    randomBytes(8).toString('hex'),
    connection,
    noiseKey,
    Buffer.from(pairing.eIdent ?? []),
    display,
  );
}

function titleCase(value: string): string {
  return value.charAt(0) + value.slice(1).toLowerCase();
}
