/**
 * A lower CPU priority for the calling thread alone (issue 9): the session threads' keep-alives and
 * collections can wait a few milliseconds, the API's requests should not wait for them when the
 * cores are all busy. On Linux each thread is its own schedulable task, and setpriority() on a
 * thread's id changes that thread only (its process and the threads it already has keep theirs).
 * Elsewhere nothing changes.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import path from 'node:path';

/** This thread's kernel id: /proc/thread-self is a link to /proc/<pid>/task/<tid>. */
export function currentThreadId(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  return Number(path.basename(readlinkSync('/proc/thread-self')));
}

/**
 * Runs the calling thread at `niceness` (0–19) unless it is already lower; raising a priority needs
 * privileges, so this never tries. Returns the niceness the thread runs at, or undefined where
 * threads cannot be told apart.
 */
export function lowerThreadPriority(niceness: number): number | undefined {
  const tid = currentThreadId();
  if (tid === undefined) return undefined;
  const now = getPriority(tid);
  if (niceness > now) setPriority(tid, niceness);
  return Math.max(now, niceness);
}
