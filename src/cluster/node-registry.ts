/**
 * The gateway nodes sharing one PostgreSQL. Every time is the database's (`now()`), so nodes whose
 * clocks disagree still agree on who is live: a node is live while its heartbeat is younger than
 * the lease TTL.
 */
import type { PlacementNode } from '../domain/placement.js';
import type { Queryable } from '../store/database.js';

export interface GatewayNode extends PlacementNode {
  readonly address: string | null;
  readonly startedAt: Date;
  readonly heartbeatAt: Date;
}

interface NodeRow {
  node_id: string;
  address: string | null;
  started_at: Date;
  heartbeat_at: Date;
  draining: boolean;
  live: boolean;
}

export class NodeRegistry {
  constructor(
    private readonly db: Queryable,
    /** How long a heartbeat keeps a node live (the lease TTL). */
    private readonly ttlMs: number,
  ) {}

  /** Enters this node (again, after a restart with the same id): live, not draining. */
  async register(nodeId: string, address: string | null): Promise<void> {
    await this.db.query(
      `insert into gateway_nodes (node_id, address, started_at, heartbeat_at, draining)
       values ($1, $2, now(), now(), false)
       on conflict (node_id) do update
         set address = excluded.address, started_at = now(), heartbeat_at = now(), draining = false`,
      [nodeId, address],
    );
  }

  /** Says this node is still alive; false when its row is gone (removed by an operator). */
  async heartbeat(nodeId: string): Promise<boolean> {
    const rows = await this.db.query(
      'update gateway_nodes set heartbeat_at = now() where node_id = $1 returning node_id',
      [nodeId],
    );
    return rows.length === 1;
  }

  /** From now on the node takes nothing and hands everything over (SIGTERM). */
  async setDraining(nodeId: string, draining: boolean): Promise<void> {
    await this.db.query('update gateway_nodes set draining = $2 where node_id = $1', [nodeId, draining]);
  }

  /** A node that stopped cleanly leaves the list. */
  async remove(nodeId: string): Promise<void> {
    await this.db.query('delete from gateway_nodes where node_id = $1', [nodeId]);
  }

  /** Every node known, with whether it is live on the database's clock. */
  async list(): Promise<GatewayNode[]> {
    const rows = await this.db.query<NodeRow>(
      `select node_id, address, started_at, heartbeat_at, draining,
              heartbeat_at > now() - $1 * interval '1 millisecond' as live
         from gateway_nodes order by node_id`,
      [this.ttlMs],
    );
    return rows.map((row) => ({
      nodeId: row.node_id,
      address: row.address,
      startedAt: row.started_at,
      heartbeatAt: row.heartbeat_at,
      draining: row.draining,
      live: row.live,
    }));
  }
}
