import type { AuthenticationCreds, SignalDataSet, SignalDataTypeMap, SignalKeyStore } from 'baileys';

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
}

/** Adapts a store to the key-store shape Baileys expects in `auth.keys`. */
export function signalKeyStoreFor(store: AuthStateStore): SignalKeyStore {
  return {
    get: (type, ids) => store.getKeys(type, ids),
    set: (data) => store.setKeys(data),
    clear: () => store.clear(),
  };
}
