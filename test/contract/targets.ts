// What the contract suite runs against. Each target gives Icarus endpoints for the nodes of one
// cluster, a file:// bucket, and a way to put rows into a table and read them back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedCluster, type Row } from '../../src/icarus/simulator/cluster.js';

export interface ContractNode {
  url: string;
  cluster: string;
  dc: string;
  hostId: string;
}

export interface ContractTarget {
  name: string;
  nodes: ContractNode[];
  /** A file:///dir/bucket location every node can write. */
  bucket: string;
  /** Local path of that bucket, to look at what was written. */
  bucketDir: string;
  dataDirs: string[];
  cassandraDirectory: string;
  downloadDir: string;
  schemaVersion(): Promise<string>;
  /** Replaces the rows of a table on every node (creating it). */
  putRows(table: string, rows: Row[]): Promise<void>;
  rows(table: string): Promise<Row[]>;
  /** Loses the rows (what a restore must bring back): TRUNCATE in Cassandra. */
  loseRows(table: string): Promise<void>;
  stop(): Promise<void>;
}

export async function simulatorTarget(): Promise<ContractTarget & { cluster: SimulatedCluster }> {
  const root = mkdtempSync(join(tmpdir(), 'icarus-contract-'));
  const cluster = new SimulatedCluster({
    name: 'contract',
    datacenters: { dc1: 2 },
    storageRoot: join(root, 'buckets'),
    port: 0,
    timing: { durationMs: 300, pendingMs: 20 },
  });
  await cluster.start();
  return {
    name: 'simulator',
    cluster,
    nodes: cluster.nodes.map((n) => ({
      url: n.simulator.url,
      cluster: n.identity.cluster,
      dc: n.identity.dc,
      hostId: n.identity.hostId,
    })),
    bucket: `file://${root}/buckets/bucket`,
    bucketDir: join(root, 'buckets', 'bucket'),
    dataDirs: ['/var/lib/cassandra/data'],
    cassandraDirectory: '/var/lib/cassandra',
    downloadDir: 'file:///var/lib/cassandra/downloadedsstables',
    schemaVersion: () => Promise.resolve(cluster.schemaVersion),
    putRows: (table, rows) => {
      cluster.nodes.forEach((n, i) =>
        n.data.set(
          table,
          rows.filter((_, j) => j % cluster.nodes.length === i),
        ),
      );
      return Promise.resolve();
    },
    rows: (table) => Promise.resolve(cluster.nodes.flatMap((n) => n.data.get(table) ?? [])),
    loseRows: (table) => {
      cluster.truncate(table);
      return Promise.resolve();
    },
    stop: async () => {
      await cluster.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The target named by ICARUS_CONTRACT_TARGET (default: the simulator). */
export async function contractTarget(): Promise<ContractTarget> {
  const name = process.env.ICARUS_CONTRACT_TARGET ?? 'simulator';
  if (name === 'simulator') return simulatorTarget();
  throw new Error(
    `ICARUS_CONTRACT_TARGET=${name} is not available yet: the real tier (Cassandra 5.0 from cassandra-all + the node sidecar in tools/) is still open work, see docs/icarus.md`,
  );
}
