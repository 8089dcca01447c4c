/**
 * One process per embedded database: PGlite has no server to arbitrate, and two processes writing
 * one folder corrupt it. The gateway (and every CLI command) holds a lock file in DATA_DIR while it
 * has the database open. A process killed with SIGKILL cannot remove its lock, so a lock whose
 * process is gone (or whose pid now belongs to another program) is taken over.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The lock's file name inside DATA_DIR. */
export const LOCK_FILE = 'zapgate.lock';

/** Another live process holds the data folder. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The data folder ${dataDir} is in use by another Zapgate process (pid ${pid}${
        pid === process.pid ? ', this process' : ''
      }): the embedded database can be opened by one process at a time. Stop that process first, ` +
        'or make the change through its HTTP API (e.g. POST /v1/tenants with the admin key). ' +
        `If no such process runs, delete ${join(dataDir, LOCK_FILE)}.`,
    );
  }
}

/** A held lock; `release` is idempotent. */
export interface DataDirLock {
  readonly path: string;
  release(): void;
}

interface Holder {
  readonly pid: number;
  /** The process's start time in clock ticks since boot (Linux), telling a reused pid apart. */
  readonly started?: string | undefined;
  /** Random, so a release never removes a lock another holder took meanwhile. */
  readonly token: string;
}

/** Locks this process holds, removed when it exits (a crash with process.exit too). */
const held = new Map<string, string>();
let exitHookInstalled = false;

/** Takes the data folder's lock or throws DataDirLockedError naming the live holder. */
export function lockDataDir(dataDir: string): DataDirLock {
  const file = join(dataDir, LOCK_FILE);
  const me: Holder = {
    pid: process.pid,
    started: processStart(process.pid),
    token: randomBytes(12).toString('hex'),
  };
  for (let attempt = 0; attempt < 50; attempt++) {
    if (createExclusive(file, me)) {
      held.set(file, me.token);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.on('exit', () => {
          for (const [path, token] of held) removeIfOurs(path, token);
        });
      }
      return {
        path: file,
        release: () => {
          if (held.get(file) !== me.token) return;
          held.delete(file);
          removeIfOurs(file, me.token);
        },
      };
    }
    const holder = readHolder(file);
    if (holder === 'missing') continue; // released meanwhile: try again
    if (holder !== 'unreadable' && isAlive(file, holder)) throw new DataDirLockedError(dataDir, holder.pid);
    if (!breakStale(file, holder)) pause(20); // another process is breaking it: wait for its outcome
  }
  throw new Error(`Could not take the lock ${file}: it keeps changing hands`);
}

/**
 * Creates the lock with its whole content or not at all: written to a private file first, then
 * hard-linked into place (link fails if the name exists), so nobody ever reads a half-written lock.
 */
function createExclusive(file: string, holder: Holder): boolean {
  const temp = `${file}.${holder.pid}.${holder.token}`;
  writeFileSync(temp, JSON.stringify(holder), { mode: 0o600 });
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

function readHolder(file: string): Holder | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<Holder>;
    if (Number.isInteger(value.pid) && typeof value.token === 'string')
      return { pid: value.pid!, started: value.started, token: value.token };
  } catch {
    // an older or damaged file: nobody can hold it
  }
  return 'unreadable';
}

/** Whether the process that wrote `holder` still runs. */
function isAlive(file: string, holder: Holder): boolean {
  // Our own pid: held by this process only if we took it; otherwise it was written by an earlier
  // process that had the same pid (a container restarted: the gateway is pid 1 again).
  if (holder.pid === process.pid) return held.get(file) === holder.token;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // The pid runs, but a pid is reused: the same pid started at another time is another program.
  const started = processStart(holder.pid);
  return !(holder.started && started && holder.started !== started);
}

/**
 * Removes a stale lock, but only the very one judged stale: breakers take turns through a second
 * lock file, so one that judged the old lock stale cannot remove the new one a faster process just
 * created. Returns false when another process is breaking it now.
 */
function breakStale(file: string, seen: Holder | 'unreadable'): boolean {
  const guard = `${file}.break`;
  const me: Holder = {
    pid: process.pid,
    started: processStart(process.pid),
    token: randomBytes(12).toString('hex'),
  };
  if (!createExclusive(guard, me)) {
    // A breaker killed in the middle of its few lines leaves its guard: gone processes hold nothing.
    const other = readHolder(guard);
    if (other === 'unreadable' || (other !== 'missing' && !isAlive(guard, other)))
      removeIfOurs(guard, undefined);
    return false;
  }
  try {
    const now = readHolder(file);
    const same =
      now === 'unreadable'
        ? seen === 'unreadable'
        : now !== 'missing' && seen !== 'unreadable' && now.token === seen.token;
    if (same) unlinkSync(file);
  } finally {
    unlinkSync(guard);
  }
  return true;
}

/** Removes `file` if it holds `token` (any content when `token` is undefined). */
function removeIfOurs(file: string, token: string | undefined): void {
  try {
    const holder = readHolder(file);
    if (token === undefined || (typeof holder === 'object' && holder.token === token)) unlinkSync(file);
  } catch {
    // already gone
  }
}

/** The start time of a process in ticks since boot, from /proc (Linux); undefined elsewhere. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses); starttime is field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** A short synchronous wait (taking the lock happens once, at start). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
