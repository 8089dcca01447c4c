import { WA_CERT_DETAILS } from 'baileys';
// The module Baileys' Noise handler reads the root key from (lib/Utils imports ../Defaults/index.js).
import { WA_CERT_DETAILS as HANDSHAKE_CERT_DETAILS } from 'baileys/lib/Defaults/index.js';
import { AppError } from '../domain/errors.js';

/** A WhatsApp-compatible protocol server other than WhatsApp itself (the simulator, a test server). */
export interface ProtocolServer {
  /** WebSocket URL, e.g. ws://127.0.0.1:7070/ws/chat. */
  readonly url: string;
  /** Raw 32-byte Curve25519 public key of the server's certificate authority. */
  readonly rootPublicKey: Uint8Array;
}

const WHATSAPP_ROOT_PUBLIC_KEY = Buffer.from(HANDSHAKE_CERT_DETAILS.PUBLIC_KEY);

/**
 * Makes every Baileys socket in this process accept certificate chains rooted at `rootPublicKey`.
 * Baileys' root key is a process-wide setting (an exported, unfrozen object), so one process talks
 * to one protocol server at a time; call it only when a server is explicitly configured.
 */
export function trustProtocolServer(server: ProtocolServer): void {
  // The ESM binding cannot be reassigned, only the object's field; if two copies of Baileys were
  // loaded, setting one copy's key would silently not reach the handshake code.
  if (WA_CERT_DETAILS !== HANDSHAKE_CERT_DETAILS) {
    throw new AppError('internal', 'WhatsApp driver misconfigured.', {
      internalMessage: 'two instances of baileys are loaded: WA_CERT_DETAILS is not shared',
    });
  }
  if (server.rootPublicKey.length !== 32) {
    throw new AppError('invalid_input', 'The protocol server root public key must be 32 bytes.', {
      details: { length: server.rootPublicKey.length },
    });
  }
  HANDSHAKE_CERT_DETAILS.PUBLIC_KEY = Buffer.from(server.rootPublicKey);
}

/** Restores WhatsApp's own root key (for tests that switch between servers). */
export function trustWhatsAppOnly(): void {
  HANDSHAKE_CERT_DETAILS.PUBLIC_KEY = Buffer.from(WHATSAPP_ROOT_PUBLIC_KEY);
}
