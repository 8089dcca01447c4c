import { createHash } from 'node:crypto';
import type { AuthenticationCreds, SignalDataSet, SignalDataTypeMap } from 'baileys';
import {
  reviveCreds,
  reviveKey,
  serialiseAuthValue,
  type AuthStateStore,
  type KeyPresence,
  type SignalKeyType,
} from './auth-state-store.js';
import type { Database } from '../store/database.js';
import type { SecretBox } from '../store/secret-box.js';

/**
 * A linked device's credentials and Signal keys in the database, sealed with the master key.
 * Nothing readable is stored: values are AES-256-GCM sealed, key names are HMAC references.
 */
export class ChannelAuthStore implements AuthStateStore {
  /**
   * A digest of the credentials as the database holds them (serialised), once read or written
   * here: a save of the same is skipped. Every login re-emits unchanged credentials; at 10,000
   * restores that was a seal and an upsert each for nothing. A digest, not the text: no second
   * copy of the private keys kept for the session's life.
   */
  private storedCreds: string | undefined;

  constructor(
    private readonly db: Database,
    private readonly secrets: SecretBox,
    private readonly channelId: string,
  ) {}

  private context(name: string): string {
    return `channel:${this.channelId}:${name}`;
  }

  async loadCreds(): Promise<AuthenticationCreds | undefined> {
    const [row] = await this.db.query<{ sealed: Uint8Array }>(
      'select sealed from channel_credentials where channel_id = $1',
      [this.channelId],
    );
    if (!row) {
      this.storedCreds = undefined;
      return undefined;
    }
    const serialised = this.secrets.open(row.sealed, this.context('creds')).toString();
    this.storedCreds = digestOf(serialised);
    return reviveCreds(serialised);
  }

  async saveCreds(creds: AuthenticationCreds): Promise<void> {
    const serialised = serialiseAuthValue(creds);
    const digest = digestOf(serialised);
    if (digest === this.storedCreds) return;
    const sealed = this.secrets.seal(Buffer.from(serialised), this.context('creds'));
    this.storedCreds = undefined; // unknown until the write is known to have landed
    await this.db.query(
      `insert into channel_credentials (channel_id, sealed, updated_at) values ($1, $2, now())
       on conflict (channel_id) do update set sealed = excluded.sealed, updated_at = now()`,
      [this.channelId, sealed],
    );
    this.storedCreds = digest;
  }

  /**
   * The channel's key references as they are now, kept as 30-bit prefixes of the HMAC (a few
   * bytes per key; a prefix collision only costs a query, never a wrong "absent").
   */
  async keyPresence(): Promise<KeyPresence> {
    const rows = await this.db.query<{ key_ref: string }>(
      'select key_ref from channel_signal_keys where channel_id = $1',
      [this.channelId],
    );
    const prefixes = new Set(rows.map((row) => refPrefix(row.key_ref)));
    const prefixOf = (type: SignalKeyType, id: string): number => refPrefix(this.keyRef(type, id));
    return {
      mayExist: (type, id) => prefixes.has(prefixOf(type, id)),
      noteStored: (type, id) => void prefixes.add(prefixOf(type, id)),
    };
  }

  private keyRef(type: SignalKeyType, id: string): string {
    return this.secrets.reference(`${this.channelId}\u0000${type}\u0000${id}`);
  }

  async getKeys<T extends SignalKeyType>(
    type: T,
    ids: string[],
  ): Promise<{ [id: string]: SignalDataTypeMap[T] }> {
    const result: { [id: string]: SignalDataTypeMap[T] } = {};
    if (ids.length === 0) return result;
    const refs = ids.map((id) => this.secrets.reference(`${this.channelId}\u0000${type}\u0000${id}`));
    const rows = await this.db.query<{ key_ref: string; sealed: Uint8Array }>(
      'select key_ref, sealed from channel_signal_keys where channel_id = $1 and key_ref = any($2)',
      [this.channelId, refs],
    );
    const byRef = new Map(rows.map((row) => [row.key_ref, row.sealed]));
    ids.forEach((id, index) => {
      const sealed = byRef.get(refs[index]!);
      if (!sealed) return;
      result[id] = reviveKey(type, this.secrets.open(sealed, this.context(refs[index]!)).toString());
    });
    return result;
  }

  async setKeys(data: SignalDataSet): Promise<void> {
    const writes: Array<{ ref: string; sealed: Buffer | null }> = [];
    for (const type of Object.keys(data) as SignalKeyType[]) {
      for (const [id, value] of Object.entries(data[type] ?? {})) {
        const ref = this.secrets.reference(`${this.channelId}\u0000${type}\u0000${id}`);
        writes.push({
          ref,
          sealed:
            value === null || value === undefined
              ? null
              : this.secrets.seal(Buffer.from(serialiseAuthValue(value)), this.context(ref)),
        });
      }
    }
    if (writes.length === 0) return;
    // One transaction per batch: Baileys writes a session and its pre-key removal together.
    await this.db.transaction(async (tx) => {
      const deletes = writes.filter((w) => w.sealed === null).map((w) => w.ref);
      const upserts = writes.filter((w): w is { ref: string; sealed: Buffer } => w.sealed !== null);
      if (deletes.length)
        await tx.query('delete from channel_signal_keys where channel_id = $1 and key_ref = any($2)', [
          this.channelId,
          deletes,
        ]);
      for (let i = 0; i < upserts.length; i += 500) {
        const chunk = upserts.slice(i, i + 500);
        await tx.query(
          `insert into channel_signal_keys (channel_id, key_ref, sealed)
           select $1, r, s from unnest($2::text[], $3::bytea[]) as t(r, s)
           on conflict (channel_id, key_ref) do update set sealed = excluded.sealed`,
          [this.channelId, chunk.map((w) => w.ref), chunk.map((w) => w.sealed)],
        );
      }
    });
  }

  async clear(): Promise<void> {
    this.storedCreds = undefined;
    await this.db.transaction(async (tx) => {
      await tx.query('delete from channel_signal_keys where channel_id = $1', [this.channelId]);
      await tx.query('delete from channel_credentials where channel_id = $1', [this.channelId]);
    });
  }
}

/** What `storedCreds` keeps of serialised credentials. */
function digestOf(serialised: string): string {
  return createHash('sha256').update(serialised).digest('base64');
}

/** The first 30 bits of a key reference (base64url HMAC), as a small integer. */
function refPrefix(ref: string): number {
  return Buffer.from(ref.slice(0, 8), 'base64url').readUInt32BE(0) >>> 2;
}
