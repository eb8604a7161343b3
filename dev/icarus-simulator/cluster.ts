// A simulated Cassandra cluster: N Icarus simulators on their own loopback addresses, each node holding
// rows per table (what a test seeds and later checks), a cluster-wide schema version, and TRUNCATE that
// empties a table on every node of every datacenter, as Cassandra does.
import { randomInt, randomUUID } from 'node:crypto';
import { backupExecutor } from './backup.js';
import { IcarusSimulator } from './node.js';
import type { NodeIdentity } from './topology.js';
import type { Timing } from './operations.js';
import { removeBackupExecutor } from './remove-backup.js';
import { restoreExecutor } from './restore.js';
import { BucketStore } from './storage.js';
import type { NodeStorageAccess } from './storage-access.js';

export type Row = Record<string, unknown>;
/** Rows per table ("keyspace.table") on one node. */
export type NodeData = Map<string, Row[]>;

export interface ClusterOptions {
  name: string;
  /** Datacenters and their node count, e.g. { dc1: 3 }. */
  datacenters: Record<string, number>;
  /** Where every bucket lives (file:// locations use their own path; other protocols go under here). */
  storageRoot: string;
  /** First three octets of the nodes' loopback addresses; random by default so clusters never collide. */
  addressPrefix?: string;
  /** Icarus port of every node (4567 like the real one, so the operator's default finds them). */
  port?: number;
  timing?: Partial<Timing>;
  /** The nodes' clock for operation times and expiry (see SimulatorOptions.now). */
  now?: () => Date;
  /** Fixed identities, in node order (to restore a fixture written by other nodes): random otherwise. */
  identities?: { hostId: string; tokens: string[] }[];
  /** The cluster's schema version: random otherwise. */
  schemaVersion?: string;
  /** Buckets that exist from the start, as locations (`s3://bucket`): made beforehand, as a platform team would. */
  buckets?: string[];
}

export interface SimulatedNode {
  identity: NodeIdentity;
  simulator: IcarusSimulator;
  data: NodeData;
  /**
   * Cassandra's auto-snapshots of truncated tables (`snapshots/truncated-*`), each table's rows as
   * they were: kept until a restore's CLEANUP deletes every one on the node (unless noDeleteTruncates).
   */
  truncated: Map<string, Row[]>;
  /** The stores this node's storage client cannot use, and why (storage-access.ts); empty: all usable. */
  storageAccess: NodeStorageAccess;
}

export class SimulatedCluster {
  readonly nodes: SimulatedNode[] = [];
  schemaVersion: string;
  readonly storage: BucketStore;

  constructor(readonly opts: ClusterOptions) {
    this.schemaVersion = opts.schemaVersion ?? randomUUID();
    this.storage = new BucketStore(opts.storageRoot);
    for (const bucket of opts.buckets ?? []) this.storage.createBucket(bucket);
    const prefix = opts.addressPrefix ?? `127.${randomInt(1, 255)}.${randomInt(0, 255)}`;
    let n = 1;
    for (const [dc, count] of Object.entries(opts.datacenters)) {
      for (let i = 0; i < count; i++, n++) {
        const identity: NodeIdentity = {
          cluster: opts.name,
          dc,
          rack: `rack${(i % 3) + 1}`,
          hostId: opts.identities?.[n - 1]?.hostId ?? randomUUID(),
          address: `${prefix}.${n}`,
          tokens: opts.identities?.[n - 1]?.tokens ?? [
            String(BigInt(n) * 1_000_000_000n - 9_000_000_000_000_000_000n),
          ],
        };
        const data: NodeData = new Map();
        const node: SimulatedNode = {
          identity,
          data,
          truncated: new Map(),
          storageAccess: {},
          simulator: undefined as unknown as IcarusSimulator,
        };
        node.simulator = new IcarusSimulator({
          host: identity.address,
          port: opts.port ?? 4567,
          node: identity,
          topology: () => ({
            clusterName: opts.name,
            schemaVersion: this.schemaVersion,
            nodes: this.nodes.map((x) => x.identity),
          }),
          executors: {
            backup: backupExecutor(this, node),
            restore: restoreExecutor(this, node),
            'remove-backup': removeBackupExecutor(this),
          },
          timing: opts.timing,
          ...(opts.now ? { now: opts.now } : {}),
        });
        this.nodes.push(node);
      }
    }
  }

  async start(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.simulator.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.simulator.stop()));
  }

  /**
   * Cassandra's TRUNCATE: the table is emptied on every node, whatever datacenter asked, each node
   * keeping its rows in a truncated-* snapshot (auto_snapshot).
   */
  truncate(table: string): void {
    for (const node of this.nodes) {
      const rows = node.data.get(table) ?? [];
      if (rows.length) node.truncated.set(table, [...(node.truncated.get(table) ?? []), ...rows]);
      node.data.set(table, []);
    }
  }

  /** The cluster topology file Icarus writes at the bucket root with a backup. */
  topologyFile(timestamp = Date.now()): Record<string, unknown> {
    return {
      timestamp,
      clusterName: this.opts.name,
      schemaVersion: this.schemaVersion,
      topology: this.nodes.map((n) => ({
        hostname: n.identity.hostname ?? n.identity.address,
        cluster: n.identity.cluster,
        dc: n.identity.dc,
        rack: n.identity.rack,
        nodeId: n.identity.hostId,
        ipAddress: n.identity.address,
      })),
    };
  }
}
