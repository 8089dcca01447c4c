import { proto } from 'baileys';
import libsignal from 'libsignal';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { routeLibsignalConsoleUnlessRouted } from '../whatsapp/libsignal-console.js';

// libsignal prints whole session records (private ratchet and root keys) with console.info when a
// session closes: hundreds of them in a test run. Its words go to a logger, text only.
routeLibsignalConsoleUnlessRouted(() => pino({ name: 'simulator', level: process.env.LOG_LEVEL ?? 'warn' }));

// libsignal ships CommonJS without full typings for these helpers.
const { keyhelper, ProtocolAddress, SessionBuilder, SessionCipher, SessionRecord } = libsignal as unknown as {
  keyhelper: {
    generateIdentityKeyPair(): SignalKeyPair;
    generateRegistrationId(): number;
    generateSignedPreKey(
      identity: SignalKeyPair,
      id: number,
    ): { keyId: number; keyPair: SignalKeyPair; signature: Buffer };
    generatePreKey(id: number): { keyId: number; keyPair: SignalKeyPair };
  };
  ProtocolAddress: typeof libsignal.ProtocolAddress;
  SessionBuilder: typeof libsignal.SessionBuilder;
  SessionCipher: typeof libsignal.SessionCipher;
  SessionRecord: typeof libsignal.SessionRecord;
};

/** libsignal's key pair shape: 33-byte public key (0x05 prefix), 32-byte private key. */
interface SignalKeyPair {
  pubKey: Buffer;
  privKey: Buffer;
}

/** A key pair as a state file keeps it (base64). */
export interface SavedKeyPair {
  readonly pub: string;
  readonly priv: string;
}

/** A SignalParty as a state file keeps it. */
export interface SavedSignalParty {
  readonly identity: SavedKeyPair;
  readonly registrationId: number;
  readonly signedPreKey: { keyId: number; keyPair: SavedKeyPair; signature: string };
  readonly preKeys: ReadonlyArray<readonly [number, SavedKeyPair]>;
  readonly sessions: Readonly<Record<string, unknown>>;
  readonly nextPreKeyId: number;
}

const savedPair = (keyPair: SignalKeyPair): SavedKeyPair => ({
  pub: Buffer.from(keyPair.pubKey).toString('base64'),
  priv: Buffer.from(keyPair.privKey).toString('base64'),
});
const pair = (saved: SavedKeyPair): SignalKeyPair => ({
  pubKey: Buffer.from(saved.pub, 'base64'),
  privKey: Buffer.from(saved.priv, 'base64'),
});

/** A pre-key bundle as the server hands it out (public keys without the 0x05 prefix). */
export interface PreKeyBundle {
  readonly registrationId: number;
  readonly identityKey: Buffer;
  readonly signedPreKey: { keyId: number; publicKey: Buffer; signature: Buffer };
  readonly preKey?: { keyId: number; publicKey: Buffer } | undefined;
}

export type SignalMessageType = 'pkmsg' | 'msg';

const withPrefix = (key: Uint8Array): Buffer =>
  key.length === 33 ? Buffer.from(key) : Buffer.concat([Buffer.from([5]), key]);
const withoutPrefix = (key: Uint8Array): Buffer => Buffer.from(key.length === 33 ? key.subarray(1) : key);

/**
 * The Signal identity of a simulated user's primary phone (device 0), with an in-memory store.
 * It decrypts what linked devices send it and encrypts what the user sends to them, for real.
 */
export class SignalParty {
  private readonly identity: SignalKeyPair;
  readonly registrationId: number;
  private readonly signedPreKey: { keyId: number; keyPair: SignalKeyPair; signature: Buffer };
  private readonly preKeys: Map<number, SignalKeyPair>;
  private readonly sessions: Map<string, Uint8Array>;
  private nextPreKeyId: number;

  /** A new identity, or the one a state file kept (see `saved`). */
  constructor(saved?: SavedSignalParty) {
    this.identity = saved ? pair(saved.identity) : keyhelper.generateIdentityKeyPair();
    this.registrationId = saved?.registrationId ?? keyhelper.generateRegistrationId();
    this.signedPreKey = saved
      ? {
          keyId: saved.signedPreKey.keyId,
          keyPair: pair(saved.signedPreKey.keyPair),
          signature: Buffer.from(saved.signedPreKey.signature, 'base64'),
        }
      : keyhelper.generateSignedPreKey(this.identity, 1);
    this.preKeys = new Map((saved?.preKeys ?? []).map(([id, keyPair]) => [id, pair(keyPair)]));
    this.sessions = new Map(
      Object.entries(saved?.sessions ?? {}).map(([id, record]) => [id, record as Uint8Array]),
    );
    this.nextPreKeyId = saved?.nextPreKeyId ?? 1;
  }

  /** Everything needed to go on as the same party after a restart (plain JSON). */
  saved(): SavedSignalParty {
    return {
      identity: savedPair(this.identity),
      registrationId: this.registrationId,
      signedPreKey: {
        keyId: this.signedPreKey.keyId,
        keyPair: savedPair(this.signedPreKey.keyPair),
        signature: Buffer.from(this.signedPreKey.signature).toString('base64'),
      },
      preKeys: [...this.preKeys].map(([id, keyPair]) => [id, savedPair(keyPair)]),
      // libsignal's serialized session records are plain JSON objects already.
      sessions: Object.fromEntries(this.sessions),
      nextPreKeyId: this.nextPreKeyId,
    };
  }

  /** The storage interface libsignal calls back into. */
  private readonly storage = {
    loadSession: async (id: string) => {
      const bytes = this.sessions.get(id);
      return bytes ? SessionRecord.deserialize(bytes) : undefined;
    },
    storeSession: async (id: string, record: libsignal.SessionRecord) => {
      this.sessions.set(id, record.serialize());
    },
    // The simulator's phones trust on first use, as the real app does for new contacts.
    isTrustedIdentity: () => true,
    loadPreKey: async (id: number | string) => this.preKeys.get(Number(id)),
    removePreKey: (id: number) => {
      this.preKeys.delete(id);
    },
    loadSignedPreKey: () => this.signedPreKey.keyPair,
    getOurRegistrationId: () => this.registrationId,
    getOurIdentity: () => this.identity,
  };

  get identityPublicKey(): Buffer {
    return withoutPrefix(this.identity.pubKey);
  }

  /** Hands out a fresh one-time pre-key bundle, as the server does on a key fetch. */
  issueBundle(): PreKeyBundle {
    const id = this.nextPreKeyId++;
    const preKey = keyhelper.generatePreKey(id);
    this.preKeys.set(id, preKey.keyPair);
    return {
      registrationId: this.registrationId,
      identityKey: this.identityPublicKey,
      signedPreKey: {
        keyId: this.signedPreKey.keyId,
        publicKey: withoutPrefix(this.signedPreKey.keyPair.pubKey),
        signature: this.signedPreKey.signature,
      },
      preKey: { keyId: id, publicKey: withoutPrefix(preKey.keyPair.pubKey) },
    };
  }

  /** Decrypts a `pkmsg`/`msg` from a peer device and returns the `proto.Message` inside. */
  async decrypt(
    peerId: string,
    peerDevice: number,
    type: SignalMessageType,
    ciphertext: Uint8Array,
  ): Promise<proto.IMessage> {
    const cipher = new SessionCipher(this.storage, new ProtocolAddress(peerId, peerDevice));
    const padded =
      type === 'pkmsg'
        ? await cipher.decryptPreKeyWhisperMessage(ciphertext)
        : await cipher.decryptWhisperMessage(ciphertext);
    return proto.Message.decode(unpad(padded));
  }

  hasSession(peerId: string, peerDevice: number): boolean {
    return this.sessions.has(new ProtocolAddress(peerId, peerDevice).toString());
  }

  /** Encrypts a message to a peer device, building the session from `bundle` when there is none. */
  async encrypt(
    peerId: string,
    peerDevice: number,
    message: proto.IMessage,
    bundle: () => PreKeyBundle | undefined,
  ): Promise<{ type: SignalMessageType; ciphertext: Buffer }> {
    const address = new ProtocolAddress(peerId, peerDevice);
    if (!this.sessions.has(address.toString())) {
      const b = bundle();
      if (!b) throw new Error(`no pre-key bundle for ${address.toString()}`);
      await new SessionBuilder(this.storage, address).initOutgoing({
        registrationId: b.registrationId,
        identityKey: withPrefix(b.identityKey),
        signedPreKey: { ...b.signedPreKey, publicKey: withPrefix(b.signedPreKey.publicKey) },
        preKey: b.preKey ? { ...b.preKey, publicKey: withPrefix(b.preKey.publicKey) } : (undefined as never),
      });
    }
    const { type, body } = await new SessionCipher(this.storage, address).encrypt(
      pad(proto.Message.encode(message).finish()),
    );
    return { type: type === 3 ? 'pkmsg' : 'msg', ciphertext: Buffer.from(body, 'binary') };
  }
}

/** WhatsApp's random padding (1–16 bytes, each holding the pad length). */
function pad(bytes: Uint8Array): Buffer {
  const length = (randomBytes(1)[0]! & 0x0f) + 1;
  return Buffer.concat([bytes, Buffer.alloc(length, length)]);
}

function unpad(bytes: Uint8Array): Uint8Array {
  const length = bytes[bytes.length - 1] ?? 0;
  if (length === 0 || length > bytes.length) throw new Error('bad message padding');
  return bytes.subarray(0, bytes.length - length);
}

/** The text a message carries, looking through the device-sent wrapper a sender's own phone gets. */
export function messageText(message: proto.IMessage): string | undefined {
  const inner = message.deviceSentMessage?.message ?? message;
  return inner.conversation ?? inner.extendedTextMessage?.text ?? undefined;
}
