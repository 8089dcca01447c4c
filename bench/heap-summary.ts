/**
 * What a heap snapshot holds, by constructor: `tsx bench/heap-summary.ts file.heapsnapshot [N] [top]`
 * prints the largest groups by self size (and count), divided by N when N (the number of open
 * sessions) is given, to see what each idle session costs. Used on the snapshots that
 * `npm run bench -- --parts scale --scale-profile-dir DIR` writes.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

const [file, sessionsArg, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/heap-summary.ts file.heapsnapshot [sessions] [top]');
  process.exit(2);
}
const sessions = Number(sessionsArg ?? 1) || 1;
const top = Number(topArg ?? 40) || 40;
const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
const fields = snap.snapshot.meta.node_fields;
const types = snap.snapshot.meta.node_types[0];
const width = fields.length;
const typeAt = fields.indexOf('type');
const nameAt = fields.indexOf('name');
const sizeAt = fields.indexOf('self_size');
const groups = new Map<string, { size: number; count: number }>();
let total = 0;
for (let i = 0; i < snap.nodes.length; i += width) {
  const type = types[snap.nodes[i + typeAt]!]!;
  const size = snap.nodes[i + sizeAt]!;
  total += size;
  // Strings, code and numbers are grouped by kind; objects and closures by constructor / name.
  const name =
    type === 'object' || type === 'closure' || type === 'native'
      ? `${type}:${snap.strings[snap.nodes[i + nameAt]!]}`
      : type;
  const group = groups.get(name) ?? { size: 0, count: 0 };
  group.size += size;
  group.count++;
  groups.set(name, group);
}
console.log(
  `total self size ${(total / 1048576).toFixed(1)} MB; per session ${(total / sessions / 1024).toFixed(1)} KB`,
);
console.log('group | KB per session | objects per session');
for (const [name, g] of [...groups].sort((a, b) => b[1].size - a[1].size).slice(0, top))
  console.log(
    `${name.slice(0, 80)} | ${(g.size / sessions / 1024).toFixed(2)} | ${(g.count / sessions).toFixed(1)}`,
  );
