/**
 * Child processes of the bench (the simulator, setup and density workers): started with tsx and the
 * orphan guard, tracked, bounded by a deadline, and all killed when the bench exits for any reason.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root (where node_modules/tsx is found). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ORPHAN_GUARD = pathToFileURL(path.join(REPO_ROOT, 'bench', 'orphan-guard.ts')).href;

const running = new Set<ChildProcess>();

/** Kills every child still running (SIGKILL: used on exit, when there is no time to be polite). */
export function killAllChildren(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  running.clear();
}
process.on('exit', killAllChildren);

export interface SpawnedNode {
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  readonly exited: Promise<number | string>;
}

/** Starts `node [nodeFlags] --import tsx --import orphan-guard script ...args` in the repo root. */
export function spawnNode(
  script: string,
  args: readonly string[],
  nodeFlags: readonly string[] = [],
  niceness = 0,
): SpawnedNode {
  const nodeArgs = [...nodeFlags, '--import', 'tsx', '--import', ORPHAN_GUARD, script, ...args];
  // Through nice(1), which execs node: the pid stays the child's, and every thread node starts
  // (V8's GC helpers among them) inherits the niceness, which Linux keeps per thread.
  const [command, commandArgs] =
    niceness > 0
      ? ['nice', ['-n', String(niceness), process.execPath, ...nodeArgs]]
      : [process.execPath, nodeArgs];
  const child = spawn(command, commandArgs, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  running.add(child);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', () => {
      running.delete(child);
      resolve('spawn-error');
    });
  });
  return { child, exited };
}

/** Forwards a child's stderr to ours with a prefix, at most `limit` lines (the rest are counted). */
export function forwardStderr(child: ChildProcess, prefix: string, limit = 60): void {
  if (!child.stderr) return;
  let lines = 0;
  const reader = createInterface({ input: child.stderr });
  reader.on('line', (line) => {
    lines++;
    if (lines <= limit) process.stderr.write(`${prefix} ${line}\n`);
    else if (lines === limit + 1) process.stderr.write(`${prefix} ... (further stderr lines suppressed)\n`);
  });
}

/** One JSON message a worker writes on its stdout. */
export type WorkerMessage =
  { type: 'progress'; [key: string]: unknown } | { type: 'result'; [key: string]: unknown };

export interface WorkerRun {
  script: string;
  args: readonly string[];
  nodeFlags?: readonly string[];
  deadlineMs: number;
  label: string;
  onProgress?: (message: Record<string, unknown>) => void;
}

/**
 * Runs a worker to completion and returns its `{"type":"result"}` message. The worker is killed at
 * the deadline; a missing result or a non-zero exit is an error.
 */
export async function runWorker(run: WorkerRun): Promise<Record<string, unknown>> {
  const { child, exited } = spawnNode(run.script, run.args, run.nodeFlags);
  forwardStderr(child, `[${run.label}]`);
  let result: Record<string, unknown> | undefined;
  const reader = createInterface({ input: child.stdout! });
  reader.on('line', (line) => {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      process.stderr.write(`[${run.label}] ${line}\n`);
      return;
    }
    const m = message as { type?: unknown };
    if (m.type === 'result') result = message as Record<string, unknown>;
    else if (m.type === 'progress') run.onProgress?.(message as Record<string, unknown>);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), run.deadlineMs);
  timer.unref();
  const status = await exited;
  clearTimeout(timer);
  if (status === 'SIGKILL' && !result)
    throw new Error(`${run.label} did not finish within ${run.deadlineMs} ms (killed)`);
  if (status !== 0) {
    const detail = result && typeof result.error === 'string' ? `: ${result.error}` : '';
    throw new Error(`${run.label} exited with ${status}${detail}`);
  }
  if (!result) throw new Error(`${run.label} exited without a result`);
  return result;
}

/** For workers: writes one JSON message to stdout (the parent reads one message per line). */
export function send(message: WorkerMessage): void {
  process.stdout.write(JSON.stringify(message) + '\n');
}
