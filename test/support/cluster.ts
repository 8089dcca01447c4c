/**
 * Several gateway processes on one PostgreSQL (a fresh database of their own on 127.0.0.1) and the
 * simulator: the cluster e2e test and the failover bench start, kill and restart nodes through it.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { TEST_POSTGRES_URL } from './databases.js';
import { processApi, startGatewayProcess, type GatewayProcess, type ProcessApi } from './gateway-process.js';

/** A database created for one run and dropped after it (NOTIFY is per database: runs stay apart). */
export interface ScratchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `zg_cluster_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export interface ClusterNodeProcess {
  readonly nodeId: string;
  /** The running process (undefined while killed or stopped). */
  process: GatewayProcess | undefined;
  readonly api: ProcessApi;
  /** Everything every life of this node wrote (for a failure's message). */
  readonly output: string[];
}

export interface Cluster {
  readonly nodes: ClusterNodeProcess[];
  readonly adminKey: string;
  readonly database: ScratchDatabase;
  /** SIGKILL: nothing runs, as in a power cut. */
  kill(index: number): Promise<void>;
  /** SIGTERM: the node drains (hands its channels over) and exits. */
  stop(index: number): Promise<void>;
  start(index: number): Promise<void>;
  /** Stops every node (SIGKILL: a test's end needs no drain) and drops the database. */
  close(): Promise<void>;
}

export interface ClusterOptions {
  readonly size: number;
  /** The simulator the nodes talk to instead of WhatsApp (in this process or its own). */
  readonly sim: { readonly protocolUrl: string; readonly rootPublicKey: Uint8Array };
  /** Seconds (LEASE_TTL_SECONDS). */
  readonly leaseTtlSeconds: number;
  readonly env?: Record<string, string>;
}

/** Starts `size` gateway processes, one after the other (the first prints the admin key). */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const database = await createScratchDatabase();
  const env = (nodeId: string): Record<string, string> => ({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    MASTER_KEY: masterKey,
    NODE_ID: nodeId,
    LEASE_TTL_SECONDS: String(options.leaseTtlSeconds),
    WA_SERVER_URL: options.sim.protocolUrl,
    WA_SERVER_ROOT_KEY: Buffer.from(options.sim.rootPublicKey).toString('base64'),
    RESTORE_STAGGER_MS: '20',
    SHUTDOWN_TIMEOUT_MS: '60000',
    DATA_DIR: `/tmp/zapgate-cluster-${nodeId}-${randomBytes(3).toString('hex')}`,
    ...options.env,
  });
  const masterKey = randomBytes(32).toString('base64');
  const nodes: ClusterNodeProcess[] = Array.from({ length: options.size }, (_, i) => {
    const node: ClusterNodeProcess = {
      nodeId: `node-${String.fromCharCode(97 + i)}`,
      process: undefined,
      output: [],
      api: processApi(() => {
        if (!node.process) throw new Error(`${node.nodeId} is not running`);
        return node.process.url;
      }),
    };
    return node;
  });
  const start = async (index: number): Promise<void> => {
    const node = nodes[index]!;
    node.process = await startGatewayProcess(env(node.nodeId));
  };
  const ended = (node: ClusterNodeProcess): void => {
    if (node.process) node.output.push(node.process.output());
    node.process = undefined;
  };
  try {
    await start(0);
    const adminKey = nodes[0]!.process!.adminKey;
    if (!adminKey) throw new Error('the first node printed no admin key');
    for (let i = 1; i < options.size; i++) await start(i);
    return {
      nodes,
      adminKey,
      database,
      start,
      async kill(index) {
        const node = nodes[index]!;
        await node.process?.kill();
        ended(node);
      },
      async stop(index) {
        const node = nodes[index]!;
        await node.process?.stop();
        ended(node);
      },
      async close() {
        for (const node of nodes) {
          await node.process?.kill().catch(() => undefined);
          ended(node);
        }
        await database.drop();
      },
    };
  } catch (error) {
    for (const node of nodes) await node.process?.kill().catch(() => undefined);
    await database.drop().catch(() => undefined);
    throw error;
  }
}

/** A node's Prometheus text, parsed into name{labels} → value. */
export async function nodeMetrics(node: ClusterNodeProcess): Promise<Map<string, number>> {
  const response = await fetch(`${node.process!.url}/metrics`);
  const values = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

/** Writes each node's log (every life of it) to /tmp/zapgate-<name>-<node>.log, for reading after a run. */
export function keepNodeLogs(cluster: Cluster, name: string): void {
  for (const node of cluster.nodes)
    writeFileSync(
      `/tmp/zapgate-${name}-${node.nodeId}.log`,
      [...node.output, node.process?.output() ?? ''].join('\n'),
    );
}
