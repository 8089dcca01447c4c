import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { startGatewayProcess } from '../support/gateway-process.js';

/** Every path under `dir` with its permission bits. */
function modes(dir: string): { path: string; mode: number; isDir: boolean }[] {
  const out: { path: string; mode: number; isDir: boolean }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isSymbolicLink()) continue;
    const path = join(entry.parentPath, entry.name);
    out.push({ path, mode: statSync(path).mode & 0o777, isDir: entry.isDirectory() });
  }
  return out;
}

/**
 * The embedded database and the master key are readable by the gateway's user only, even when the
 * process starts under a lax umask and over a data folder an older version left world-readable.
 */
describe('files at rest', () => {
  const parent = mkdtempSync(join(tmpdir(), 'zapgate-perm-'));
  after(() => rmSync(parent, { recursive: true, force: true }));

  test('DATA_DIR 0700, nothing in it readable or writable by group or others', async () => {
    const dataDir = join(parent, 'data');
    // An install from before: folders 0777 and a stray world-readable file.
    mkdirSync(join(dataDir, 'pglite'), { recursive: true });
    chmodSync(dataDir, 0o777);
    chmodSync(join(dataDir, 'pglite'), 0o777);
    writeFileSync(join(dataDir, 'pglite', 'stray'), 'x');
    chmodSync(join(dataDir, 'pglite', 'stray'), 0o666);

    const previous = process.umask(0); // the child inherits the laxest umask
    let gateway;
    try {
      gateway = await startGatewayProcess({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    } finally {
      process.umask(previous);
    }
    try {
      // Some writes after start, so files PGlite creates later are covered too.
      const created = await fetch(`${gateway.url}/v1/tenants`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Estúdio', timeZone: 'UTC' }),
      });
      assert.equal(created.status, 201);
    } finally {
      await gateway.stop();
    }

    assert.equal(statSync(dataDir).mode & 0o777, 0o700, 'DATA_DIR');
    assert.equal(statSync(join(dataDir, 'pglite')).mode & 0o777, 0o700, 'the database folder');
    assert.equal(statSync(join(dataDir, 'master.key')).mode & 0o777, 0o600, 'the master key');
    const all = modes(dataDir);
    assert.ok(all.length > 10, `PGlite's files are there (${all.length})`);
    const open = all.filter((f) => f.mode & 0o077);
    assert.deepEqual(
      open.map((f) => `${relative(dataDir, f.path)} ${f.mode.toString(8)}`),
      [],
      'files or folders open to group or others',
    );
  });
});
