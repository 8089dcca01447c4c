#!/usr/bin/env node
// Runs the test suite with Node's built-in test runner in ONE invocation.
//
//   node scripts/run-tests.mjs [small|medium|e2e] [extra node --test args...]
//
// Test files: test/<size>/**/*.test.ts. Node 20's --test does not expand globs,
// so files are collected here and passed explicitly. Nothing is printed after
// the runner exits, so the output ends with the runner's own summary.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SIZES = ['small', 'medium', 'e2e'];
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const args = process.argv.slice(2);
let size;
if (args[0] !== undefined && !args[0].startsWith('-') && !args[0].endsWith('.test.ts')) {
  if (!SIZES.includes(args[0])) {
    console.error(`run-tests: unknown test size "${args[0]}" (expected one of: ${SIZES.join(', ')})`);
    process.exit(2);
  }
  size = args.shift();
}
// Test files named on the command line (`npm test -- test/e2e/x.test.ts`) run alone.
const named = args.filter((a) => a.endsWith('.test.ts'));
const extraArgs = args.filter((a) => !a.endsWith('.test.ts'));

const folders = size === undefined ? SIZES : [size];
const files = [...named];
for (const folder of named.length > 0 ? [] : folders) {
  const dir = path.join(root, 'test', folder);
  if (!existsSync(dir)) continue;
  const found = readdirSync(dir, { recursive: true, withFileTypes: false })
    .map((f) => String(f))
    .filter((f) => f.endsWith('.test.ts') && !f.split(path.sep).includes('node_modules'))
    .map((f) => path.posix.join('test', folder, f.split(path.sep).join('/')))
    .sort();
  files.push(...found);
}

if (files.length === 0) {
  const where = folders.map((f) => `test/${f}/**/*.test.ts`).join(', ');
  console.error(`run-tests: no test files found (looked for ${where})`);
  process.exit(1);
}

const hasConcurrency = extraArgs.some((a) => a.startsWith('--test-concurrency'));
const hasReporter = extraArgs.some((a) => a.startsWith('--test-reporter'));
const nodeArgs = [
  '--import',
  'tsx',
  // Keeps --test-force-exit from dropping verdicts that are still on their way (see the file).
  '--import',
  './scripts/test-stdout-blocking.mjs',
  '--test',
  ...(hasReporter ? [] : ['--test-reporter=spec']),
  ...(hasConcurrency ? [] : ['--test-concurrency=2']),
  // Baileys leaves a 30 s pre-key upload timer behind after every login; without this each test
  // file would idle until it fires. Tests still clean up everything of their own.
  '--test-force-exit',
  // A hung scenario fails instead of stalling CI.
  '--test-timeout=120000',
  ...extraArgs,
  ...files,
];

const child = spawn(process.execPath, nodeArgs, {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test' },
});

const forward = (signal) => {
  child.kill(signal);
};
process.on('SIGINT', forward);
process.on('SIGTERM', forward);

child.on('error', (err) => {
  console.error(`run-tests: failed to start node: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeListener('SIGINT', forward);
    process.removeListener('SIGTERM', forward);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
