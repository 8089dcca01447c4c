import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { makePrivateDir, openDatabase, type Database, type DatabaseTimings } from './database.js';
import { lockDataDir } from './data-dir-lock.js';
import { migrate } from './migrations.js';
import { SecretBox, loadMasterKey } from './secret-box.js';

/** The gateway's open, migrated database and its secrets; `release` closes it and frees DATA_DIR. */
export interface GatewayStore {
  readonly db: Database;
  readonly secrets: SecretBox;
  readonly release: () => Promise<void>;
}

/**
 * Opens the configured database (or uses `given`, which the caller closes), migrates it and loads
 * the master key. With the embedded database it holds DATA_DIR's lock until `release` (a second
 * process is refused with DataDirLockedError). Anything that fails half-way is released first.
 */
export async function openGatewayStore(
  config: Pick<Config, 'databaseUrl' | 'masterKey' | 'dataDir' | 'database'>,
  logger: Logger,
  given?: Database,
  timings?: DatabaseTimings,
): Promise<GatewayStore> {
  // DATA_DIR holds the embedded database and the master key file: this user's eyes only.
  // A folder this user does not own (a mounted volume) cannot be narrowed: said, not fatal.
  const permissionProblem = (problem: string) =>
    logger.warn({ problem }, 'the data folder is readable by other users: make it 0700');
  const dataDirProblem =
    !config.databaseUrl || !config.masterKey ? makePrivateDir(config.dataDir) : undefined;
  if (dataDirProblem) permissionProblem(dataDirProblem);
  // Two processes must never open one PGlite folder (it has no server to arbitrate).
  const lock = !config.databaseUrl && !given ? lockDataDir(config.dataDir) : undefined;
  let db: Database | undefined;
  const release = async () => {
    try {
      if (!given) await db?.close();
    } finally {
      lock?.release();
    }
  };
  try {
    db =
      given ??
      (await openDatabase({
        url: config.databaseUrl,
        dataDir: join(config.dataDir, 'pglite'),
        ...config.database,
        onPermissionProblem: permissionProblem,
        timings,
      }));
    const applied = await migrate(db);
    if (applied.length) logger.info({ applied }, 'database migrated');
    const secrets = new SecretBox(loadMasterKey(config.masterKey, join(config.dataDir, 'master.key')));
    return { db, secrets, release };
  } catch (error) {
    await release().catch(() => undefined);
    throw error;
  }
}
