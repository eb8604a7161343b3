// What the contract suite runs against. Each target gives Icarus endpoints for the nodes of one
// cluster, a file:// bucket, and a way to put rows into a table and read them back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { startIcarusNode, type SidecarOptions } from '../../dev/real/icarus-node.js';
import { startRing } from '../../dev/real/ring.js';
import { SimulatedCluster, type Row } from '../../dev/icarus-simulator/cluster.js';
import { freePortOnAll } from '../../dev/stack/loopback.js';

export interface ContractNode {
  url: string;
  /** The node's address (a Pod's IP), where it has one. */
  address?: string;
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
  /**
   * Real target only: every node's sidecar stopped and started again on its address and port with other
   * JVM options and environment (a wrong storage key; what is not given stays as it was), next to the
   * same Cassandra node. Their operations are lost.
   */
  restartSidecar?(sidecar: SidecarOptions): Promise<void>;
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
 * Real Cassandra 5.0 nodes (cassandra-all from Maven Central), each with the Icarus-compatible sidecar
 * of tools/icarus-node next to it (the real sidecar-common REST layer and esop operations). One node by
 * default, at 127.0.0.1; with `nodes: N` a ring of N nodes at 127.0.0.1..N sharing one CQL port and one
 * sidecar port (as Pods do), each seeing its own files at one shared path (dev/real/node-view.ts),
 * so the operator's single CASSANDRA_DATA_DIRS / RESTORE_DOWNLOAD_DIR fit every node. The sidecars are
 * Icarus 3.x's unless `sidecar.generation` is 2.
 */
export async function realTarget(
  sidecar: SidecarOptions = {},
  opts: { nodes?: number } = {},
): Promise<ContractTarget> {
  const count = opts.nodes ?? 1;
  const workDir = mkdtempSync(join(tmpdir(), 'icarus-real-'));
  const addresses = Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);
  const [cqlPort, icarusPort] =
    count > 1 ? [await freePortOnAll(addresses), await freePortOnAll(addresses)] : [undefined, undefined];
  const ring = await startRing({
    workDir,
    clusterName: 'contract',
    addresses,
    ...(cqlPort ? { cqlPort } : {}),
    ...(icarusPort ? { icarusPort } : {}),
    sidecar,
  });
  const started = ring.nodes;
  const first = started[0]?.cassandra;
  if (!first) throw new Error('no node started');
  const cql = new cassandra.Client({
    contactPoints: [`${first.address}:${first.cqlPort}`],
    localDataCenter: 'datacenter1',
  });
  await cql.connect();
  const local = async () =>
    (
      await cql.execute('SELECT host_id, data_center, cluster_name, schema_version FROM system.local')
    ).first();
  const self = await local();
  const peers = (await cql.execute('SELECT peer, host_id, data_center FROM system.peers')).rows;
  const identity = (address: string) => {
    if (address === first.address) return { hostId: String(self.host_id), dc: String(self.data_center) };
    const peer = peers.find((p) => String(p.peer) === address);
    if (!peer) throw new Error(`node ${address} is not in the ring of ${first.address}`);
    return { hostId: String(peer.host_id), dc: String(peer.data_center) };
  };
  const column = (t: string) => t.replace(/[^\w.]/g, '');
  return {
    name:
      sidecar.generation === 2
        ? `real Cassandra 5.0.8 + Icarus 2.x API (esop 2.0.4, sidecar-common 1.3.18), ${count} node(s)`
        : `real Cassandra 5.0.8 + Icarus API (esop 3.0.1, sidecar-common 2.0.0), ${count} node(s)`,
    nodes: started.map(({ cassandra: c, icarus }) => ({
      url: icarus.url,
      address: c.address,
      cluster: String(self.cluster_name),
      ...identity(c.address),
    })),
    bucket: `file://${workDir}/buckets/bucket`,
    bucketDir: join(workDir, 'buckets', 'bucket'),
    dataDirs: [first.dataDir],
    cassandraDirectory: first.home,
    downloadDir: `file://${ring.home}/downloads`,
    schemaVersion: async () => String((await local()).schema_version),
    putRows: async (table, rows) => {
      const [ks] = column(table).split('.');
      await cql.execute(
        `CREATE KEYSPACE IF NOT EXISTS ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      );
      await cql.execute(`CREATE TABLE IF NOT EXISTS ${column(table)} (id int PRIMARY KEY, v text)`);
      await cql.execute(`TRUNCATE ${column(table)}`);
      // 32 inserts in flight at a time: one after the other, a thousand rows took seconds.
      for (let i = 0; i < rows.length; i += 32) {
        await Promise.all(
          rows.slice(i, i + 32).map((r) =>
            cql.execute(`INSERT INTO ${column(table)} (id, v) VALUES (?, ?)`, [r.id, r.v], {
              prepare: true,
            }),
          ),
        );
      }
    },
    rows: async (table) =>
      (await cql.execute(`SELECT id, v FROM ${column(table)}`)).rows.map((r) => ({
        id: r.id as number,
        v: r.v as string,
      })),
    loseRows: async (table) => {
      await cql.execute(`TRUNCATE ${column(table)}`);
    },
    restartSidecar: async (options) => {
      for (const n of started) {
        const port = Number(new URL(n.icarus.url).port);
        await n.icarus.stop();
        n.icarus = await startIcarusNode({ ...n.sidecarAt, ...sidecar, ...options, port });
      }
    },
    stop: async () => {
      await cql.shutdown();
      await ring.stop();
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
