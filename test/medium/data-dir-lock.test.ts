import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from '../../src/store/data-dir-lock.js';

/** The data folder's lock: one holder, and a holder that is gone never keeps it. */
describe('data folder lock', () => {
  const parent = mkdtempSync(join(tmpdir(), 'zapgate-lock-'));
  after(() => rmSync(parent, { recursive: true, force: true }));
  let n = 0;
  const freshDir = () => {
    const dir = join(parent, String(++n));
    mkdirSync(dir);
    return dir;
  };
  const writeLock = (dir: string, holder: object) =>
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(holder), { mode: 0o600 });
  const holderOf = (dir: string) => JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as { pid: number };
  /** A pid no process has: one that ran and exited. */
  const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid;

  test('one holder at a time; released, it can be taken again', () => {
    const dir = freshDir();
    const lock = lockDataDir(dir);
    assert.equal(holderOf(dir).pid, process.pid);
    assert.equal(statSync(lock.path).mode & 0o777, 0o600);
    assert.throws(
      () => lockDataDir(dir),
      (error: unknown) =>
        error instanceof DataDirLockedError &&
        error.pid === process.pid &&
        error.message.includes(dir) &&
        error.message.includes(`pid ${process.pid}`),
    );
    lock.release();
    assert.ok(!existsSync(lock.path));
    lock.release(); // twice is harmless
    lockDataDir(dir).release();
  });

  test('a live process holding it is named; its lock is left alone', () => {
    const dir = freshDir();
    // The parent process (the test runner) is alive and is not this process.
    writeLock(dir, { pid: process.ppid, token: 'theirs' });
    assert.throws(
      () => lockDataDir(dir),
      (error: unknown) => error instanceof DataDirLockedError && error.pid === process.ppid,
    );
    assert.equal(holderOf(dir).pid, process.ppid);
  });

  test('stale locks are taken over: a dead pid, our pid from an earlier life, a reused pid, a damaged file', () => {
    for (const holder of [
      { pid: deadPid(), token: 'killed' },
      { pid: process.pid, token: 'an earlier process with our pid' },
      // The parent's pid, but started at another time: another program has that pid now.
      ...(existsSync('/proc/self/stat') ? [{ pid: process.ppid, started: '1', token: 'reused' }] : []),
    ]) {
      const dir = freshDir();
      writeLock(dir, holder);
      const lock = lockDataDir(dir);
      assert.equal(holderOf(dir).pid, process.pid, JSON.stringify(holder));
      lock.release();
    }
    const dir = freshDir();
    writeFileSync(join(dir, LOCK_FILE), '');
    lockDataDir(dir).release();
  });

  test('a release never removes a lock another holder took', () => {
    const dir = freshDir();
    const lock = lockDataDir(dir);
    writeLock(dir, { pid: process.ppid, token: 'someone else' });
    lock.release();
    assert.equal(holderOf(dir).pid, process.ppid);
  });
});
