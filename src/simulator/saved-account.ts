/** A simulated account as the simulator's state file keeps it (see SimulatedAccount.saved). */
import { BufferJSON, type BinaryNode } from 'baileys';
import type { SavedSignalParty } from './signal-party.js';

export interface SavedAccount {
  readonly spec: {
    phone: string;
    name: string;
    business: boolean;
    hasWhatsApp: boolean;
    os: 'android' | 'ios';
    lidAddressed: boolean;
    historySync: boolean;
  };
  readonly lidUser: string;
  readonly accountKey: { public: string; private: string };
  readonly signal: SavedSignalParty | undefined;
  readonly companions: ReadonlyArray<{
    device: number;
    keyIndex: number;
    noiseKey: string;
    identityKey: string;
    platform: string;
    linkedAt: number;
    registrationId: number | undefined;
    signedPreKey: { keyId: number; publicKey: string; signature: string } | undefined;
    preKeys: ReadonlyArray<readonly [number, string]>;
    /** Stanzas waiting for the device, as JSON text (binary parts in base64). */
    offlineQueue: string;
  }>;
  readonly webDevices: ReadonlyArray<{ device: number; keyIndex: number; party: SavedSignalParty }>;
  readonly existingChats: ReadonlyArray<{ phone: string; lid?: string; tcToken: string; text?: string }>;
  readonly chats: readonly string[];
  readonly historySent: readonly number[];
  readonly reachoutTimelockUntil: number | undefined;
  readonly reachoutTimelockEndSaid: boolean;
  readonly newChatCap: { total: number; used: string[]; cycleEnd: number } | undefined;
  readonly companionRegRefresh: boolean;
  readonly passkeyRequired: boolean;
  readonly online: boolean;
  readonly nextDevice: number;
  readonly nextKeyIndex: number;
}

// Baileys' BufferJSON only here: its reviver turns any object with numeric keys into a Buffer.
export const encodeNodes = (nodes: readonly BinaryNode[]): string =>
  JSON.stringify(nodes, BufferJSON.replacer);
export const decodeNodes = (text: string): BinaryNode[] =>
  JSON.parse(text, BufferJSON.reviver) as BinaryNode[];
