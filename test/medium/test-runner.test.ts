import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// `npm test` force-exits each test file's process (Baileys leaves timers behind). Node's runner
// then drops verdicts still queued on the child's stdout pipe (nodejs/node#64833): CI once counted
// 668 of 679 tests and lost a failure's details. This runs our runner on many quick files that each
// leave a timer behind, as a login does, and counts what it reports.
test('the test runner reports every test of every file, even when each file leaves a timer behind', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'zapgate-runner-'));
  try {
    const files: string[] = [];
    const perFile = 60;
    for (let f = 0; f < 24; f++) {
      const lines = ["import { test } from 'node:test';"];
      // Long names make each verdict big, so the pipe is still full when the file ends.
      for (let t = 0; t < perFile; t++) lines.push(`test('f${f} t${t} ${'x'.repeat(400)}', () => {});`);
      lines.push('setTimeout(() => undefined, 60_000);');
      const file = path.join(dir, `f${f}.test.ts`);
      writeFileSync(file, lines.join('\n'));
      files.push(file);
    }
    for (let run = 0; run < 3; run++) {
      const out = spawnSync(process.execPath, ['scripts/run-tests.mjs', ...files], {
        cwd: root,
        // Inside a test process this variable makes a nested runner speak to its parent instead.
        env: { ...process.env, NODE_TEST_CONTEXT: undefined },
        encoding: 'utf8',
        timeout: 60_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      assert.equal(out.status, 0, out.stderr);
      const counted = /^ℹ tests (\d+)$/m.exec(out.stdout)?.[1];
      assert.equal(Number(counted), files.length * perFile, `run ${run + 1}: verdicts lost on the way`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
