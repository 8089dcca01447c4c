import {
  BufferJSON,
  proto,
  type AuthenticationCreds,
  type SignalDataSet,
  type SignalDataTypeMap,
} from 'baileys';

/** The kinds of Signal key material Baileys stores per linked device. */
export type SignalKeyType = keyof SignalDataTypeMap;

/**
 * Where one linked device's credentials and Signal keys live. Implementations serialise values
 * with Baileys' BufferJSON so every store round-trips Buffers and protobuf objects the same way.
 */
export interface AuthStateStore {
  /** Saved credentials, or undefined when this device was never saved. */
  loadCreds(): Promise<AuthenticationCreds | undefined>;
  /** Replaces the saved credentials with `creds` (Baileys mutates one creds object in place). */
  saveCreds(creds: AuthenticationCreds): Promise<void>;
  /** The stored values for `ids`; missing ids are absent from the result. */
  getKeys<T extends SignalKeyType>(type: T, ids: string[]): Promise<{ [id: string]: SignalDataTypeMap[T] }>;
  /** Writes values; a null value deletes that id. */
  setKeys(data: SignalDataSet): Promise<void>;
  /** Deletes the credentials and every key: the device is forgotten. */
  clear(): Promise<void>;
  /**
   * Optional: a snapshot of which keys exist now, so a cache in front of the store can answer
   * "absent" without asking (a new contact's session, device list, LID mapping and token are).
   */
  keyPresence?(): Promise<KeyPresence>;
}

/**
 * Which keys a store holds, possibly with false positives (never false negatives while every
 * write is noted): `mayExist` false means the key is certainly absent.
 */
export interface KeyPresence {
  mayExist(type: SignalKeyType, id: string): boolean;
  /** A write stored this key (a delete need not be noted: the answer stays "may exist"). */
  noteStored(type: SignalKeyType, id: string): void;
}

/** Serialises creds or a key value the way every store keeps it (Baileys' BufferJSON). */
export function serialiseAuthValue(value: unknown): string {
  return JSON.stringify(value, BufferJSON.replacer);
}

export function reviveCreds(raw: string): AuthenticationCreds {
  return JSON.parse(raw, BufferJSON.reviver) as AuthenticationCreds;
}

/** Revives a stored key value; Baileys reads app-state keys as protobuf objects (as its own file store does). */
export function reviveKey<T extends SignalKeyType>(type: T, raw: string): SignalDataTypeMap[T] {
  const value = JSON.parse(raw, BufferJSON.reviver) as unknown;
  if (type === 'app-state-sync-key') {
    return proto.Message.AppStateSyncKeyData.fromObject(value as object) as unknown as SignalDataTypeMap[T];
  }
  return value as SignalDataTypeMap[T];
}
