import { createCipheriv, createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import { Curve, NOISE_MODE, NOISE_WA_HEADER, proto } from 'baileys';
import { generateKeyPair, type KeyPair } from './certificate-authority.js';

const EMPTY = Buffer.alloc(0);

function gcmIv(counter: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(counter, 8);
  return iv;
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

function aesGcmEncrypt(plaintext: Uint8Array, key: Buffer, iv: Buffer, aad: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function aesGcmDecrypt(ciphertext: Uint8Array, key: Buffer, iv: Buffer, aad: Buffer): Buffer {
  const data = Buffer.from(ciphertext);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]);
}

function hkdf64(ikm: Uint8Array, salt: Buffer): [Buffer, Buffer] {
  const out = Buffer.from(hkdfSync('sha256', ikm, salt, EMPTY, 64));
  return [out.subarray(0, 32), out.subarray(32)];
}

/** What the client said in its `clientFinish`: its Noise static key and its `ClientPayload`. */
export interface ClientHandshakeResult {
  readonly clientStaticKey: Buffer;
  readonly payload: proto.ClientPayload;
}

/**
 * Server side of WhatsApp's Noise XX handshake (`Noise_XX_25519_AESGCM_SHA256`) and the transport
 * that follows. One instance per TCP/WebSocket connection.
 */
export class NoiseResponder {
  private hash: Buffer;
  private salt: Buffer;
  private key: Buffer;
  private counter = 0;
  private readonly ephemeral: KeyPair = generateKeyPair();
  private clientEphemeral: Buffer | undefined;
  private sendKey: Buffer | undefined;
  private recvKey: Buffer | undefined;
  private sendCounter = 0;
  private recvCounter = 0;

  constructor(
    private readonly serverStatic: KeyPair,
    private readonly certChain: Uint8Array,
  ) {
    const mode = Buffer.from(NOISE_MODE);
    this.hash = mode.length === 32 ? mode : sha256(mode);
    this.salt = this.hash;
    this.key = this.hash;
    this.authenticate(NOISE_WA_HEADER);
  }

  get ready(): boolean {
    return this.sendKey !== undefined;
  }

  private authenticate(data: Uint8Array): void {
    this.hash = sha256(Buffer.concat([this.hash, data]));
  }

  private mixIntoKey(ikm: Uint8Array): void {
    const [salt, key] = hkdf64(ikm, this.salt);
    this.salt = salt;
    this.key = key;
    this.counter = 0;
  }

  private encryptHandshake(plaintext: Uint8Array): Buffer {
    const out = aesGcmEncrypt(plaintext, this.key, gcmIv(this.counter++), this.hash);
    this.authenticate(out);
    return out;
  }

  private decryptHandshake(ciphertext: Uint8Array): Buffer {
    const out = aesGcmDecrypt(ciphertext, this.key, gcmIv(this.counter++), this.hash);
    this.authenticate(ciphertext);
    return out;
  }

  /** Answers the client's `clientHello` with the encoded `serverHello`. */
  respondToHello(helloBytes: Uint8Array): Buffer {
    const hello = proto.HandshakeMessage.decode(helloBytes).clientHello;
    if (!hello?.ephemeral || hello.ephemeral.length !== 32)
      throw new Error('clientHello without an ephemeral key');
    this.clientEphemeral = Buffer.from(hello.ephemeral);
    this.authenticate(this.clientEphemeral);
    this.authenticate(this.ephemeral.public);
    this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, this.clientEphemeral));
    const staticCiphertext = this.encryptHandshake(this.serverStatic.public);
    this.mixIntoKey(Curve.sharedKey(this.serverStatic.private, this.clientEphemeral));
    const payload = this.encryptHandshake(this.certChain);
    return Buffer.from(
      proto.HandshakeMessage.encode({
        serverHello: { ephemeral: this.ephemeral.public, static: staticCiphertext, payload },
      }).finish(),
    );
  }

  /** Reads `clientFinish`, switches to transport keys and returns who the client is. */
  receiveFinish(finishBytes: Uint8Array): ClientHandshakeResult {
    const finish = proto.HandshakeMessage.decode(finishBytes).clientFinish;
    if (!finish?.static || !finish.payload) throw new Error('clientFinish without static key or payload');
    const clientStaticKey = this.decryptHandshake(finish.static);
    this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, clientStaticKey));
    const payload = proto.ClientPayload.decode(this.decryptHandshake(finish.payload));
    // Client writes with the first half, reads with the second.
    const [clientToServer, serverToClient] = hkdf64(EMPTY, this.salt);
    this.recvKey = clientToServer;
    this.sendKey = serverToClient;
    return { clientStaticKey, payload };
  }

  encrypt(plaintext: Uint8Array): Buffer {
    if (!this.sendKey) throw new Error('transport not ready');
    return aesGcmEncrypt(plaintext, this.sendKey, gcmIv(this.sendCounter++), EMPTY);
  }

  decrypt(ciphertext: Uint8Array): Buffer {
    if (!this.recvKey) throw new Error('transport not ready');
    return aesGcmDecrypt(ciphertext, this.recvKey, gcmIv(this.recvCounter++), EMPTY);
  }
}

/** Splits a byte stream into WhatsApp frames (3-byte big-endian length + body), after the client's intro. */
export class FrameReader {
  private buffered: Buffer = EMPTY;
  private introSeen = false;

  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const frames: Buffer[] = [];
    if (!this.introSeen) {
      if (this.buffered.length < 4) return frames;
      if (this.buffered[0] === 0x45 && this.buffered[1] === 0x44) {
        // 'ED' routing intro: ED, 0, 1, 3-byte length, routing bytes, then the WA header.
        if (this.buffered.length < 7) return frames;
        const routingLength = this.buffered.readUIntBE(4, 3);
        if (this.buffered.length < 7 + routingLength + 4) return frames;
        this.buffered = this.buffered.subarray(7 + routingLength + 4);
      } else {
        this.buffered = this.buffered.subarray(4);
      }
      this.introSeen = true;
    }
    while (this.buffered.length >= 3) {
      const size = this.buffered.readUIntBE(0, 3);
      if (this.buffered.length < size + 3) break;
      frames.push(this.buffered.subarray(3, size + 3));
      this.buffered = this.buffered.subarray(size + 3);
    }
    return frames;
  }
}

/** Prefixes a server frame with its 3-byte length. */
export function frame(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(3 + data.length);
  out.writeUIntBE(data.length, 0, 3);
  out.set(data, 3);
  return out;
}
