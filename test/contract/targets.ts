// What the contract suite runs against. Each target gives Icarus endpoints for the nodes of one
// cluster, a file:// bucket, and a way to put rows into a table and read them back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { startCassandra } from '../../src/dev/real/cassandra.js';
import { startIcarusNode, type SidecarJvmOptions } from '../../src/dev/real/icarus-node.js';
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

/**
 * A real Cassandra 5.0 node (cassandra-all from Maven Central) with the Icarus-compatible sidecar of
 * tools/icarus-node next to it (the real sidecar-common REST layer and esop operations).
 */
export async function realTarget(sidecar: SidecarJvmOptions = {}): Promise<ContractTarget> {
  const workDir = mkdtempSync(join(tmpdir(), 'icarus-real-'));
  const node = await startCassandra({ workDir, clusterName: 'contract' });
  const icarus = await startIcarusNode({ workDir, jmxPort: node.jmxPort, ...sidecar }).catch(
    async (err: unknown) => {
      await node.stop();
      throw err;
    },
  );
  const cql = new cassandra.Client({
    contactPoints: [`127.0.0.1:${node.cqlPort}`],
    localDataCenter: 'datacenter1',
  });
  await cql.connect();
  const local = async () =>
    (
      await cql.execute('SELECT host_id, data_center, cluster_name, schema_version FROM system.local')
    ).first();
  const self = await local();
  const column = (t: string) => t.replace(/[^\w.]/g, '');
  return {
    name: 'real Cassandra 5.0.8 + Icarus API (esop 3.0.1, sidecar-common 2.0.0)',
    nodes: [
      {
        url: icarus.url,
        cluster: String(self.cluster_name),
        dc: String(self.data_center),
        hostId: String(self.host_id),
      },
    ],
    bucket: `file://${workDir}/buckets/bucket`,
    bucketDir: join(workDir, 'buckets', 'bucket'),
    dataDirs: [node.dataDir],
    cassandraDirectory: node.home,
    downloadDir: `file://${workDir}/downloads`,
    schemaVersion: async () => String((await local()).schema_version),
    putRows: async (table, rows) => {
      const [ks] = column(table).split('.');
      await cql.execute(
        `CREATE KEYSPACE IF NOT EXISTS ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      );
      await cql.execute(`CREATE TABLE IF NOT EXISTS ${column(table)} (id int PRIMARY KEY, v text)`);
      await cql.execute(`TRUNCATE ${column(table)}`);
      for (const r of rows)
        await cql.execute(`INSERT INTO ${column(table)} (id, v) VALUES (?, ?)`, [r.id, r.v], {
          prepare: true,
        });
    },
    rows: async (table) =>
      (await cql.execute(`SELECT id, v FROM ${column(table)}`)).rows.map((r) => ({
        id: r.id as number,
        v: r.v as string,
      })),
    loseRows: async (table) => {
      await cql.execute(`TRUNCATE ${column(table)}`);
    },
    stop: async () => {
      await cql.shutdown();
      await icarus.stop();
      await node.stop();
      if (process.env.STACK_KEEP !== 'true') rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** The target named by ICARUS_CONTRACT_TARGET: the simulator (default) or real. */
export async function contractTarget(): Promise<ContractTarget> {
  const name = process.env.ICARUS_CONTRACT_TARGET ?? 'simulator';
  if (name === 'simulator') return simulatorTarget();
  if (name === 'real') return realTarget();
  throw new Error(`ICARUS_CONTRACT_TARGET=${name}: use simulator or real`);
}
