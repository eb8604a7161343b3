// The world of the verify end-to-end file (test/e2e/restore-verify.test.ts): a namespace with an S3
// Secret (a file:// bucket needs none, the operator only checks it exists), the operator process on a
// task queue of its own, clusters of simulated Icarus nodes behind Pods whose nodes hold rows of two
// tables, backed up to a file:// bucket that both the nodes and the operator read (as a volume mounted in
// both would be), and what a test does to that bucket's objects: delete one, flip a byte of another.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Manifest } from '../../../dev/icarus-simulator/storage.js';
import { clusterId } from '../../../src/icarus/requests.js';
import type { PodCluster } from '../cassandra-pods.js';
import { succeeded } from '../custom-resources.js';
import { uniqueName } from '../stack-env.js';
import { OperatorWorld } from './world.js';

export const TABLES = ['shop.orders', 'shop.carts'] as const;

export class VerifyWorld extends OperatorWorld {
  /** The folder holding the file:// buckets. */
  readonly folder = mkdtempSync(join(tmpdir(), 'cbo-verify-'));
  readonly bucket = `file://${this.folder}/bucket`;

  async start(prefix: string): Promise<this> {
    await this.open(prefix, { s3: 'creds' });
    await this.runRestoreOperator(prefix);
    return this;
  }

  override async stop(): Promise<void> {
    await super.stop();
    rmSync(this.folder, { recursive: true, force: true });
  }

  /** A 3-node cluster whose nodes hold rows of both tables (each its own share). */
  cluster = async (): Promise<PodCluster> => {
    const c = await this.podCluster({
      name: uniqueName('ring'),
      datacenters: { dc1: 3 },
      timing: { durationMs: 500, pendingMs: 30 },
      buckets: [this.bucket],
    });
    c.cluster.nodes.forEach((n, i) => {
      for (const table of TABLES) n.data.set(table, [{ id: i, item: `${table}-${i}` }]);
    });
    return c;
  };

  /** A backup of the cluster to the file:// bucket, once it succeeded; its full tag. */
  backedUp = async (c: PodCluster): Promise<{ name: string; tag: string }> => {
    const name = uniqueName('backup');
    await this.backups.create(name, {
      cassandraCluster: c.cluster.opts.name,
      storageLocation: this.bucket,
      secretName: 'creds',
    });
    const done = await this.backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
    return { name, tag: done.status?.snapshotTag ?? '' };
  };

  /** A node's folder in the bucket. */
  nodeDir = (c: PodCluster, i: number): string => {
    const id = c.cluster.nodes[i]?.identity;
    if (!id) throw new Error(`no node ${i}`);
    return join(this.folder, 'bucket', clusterId(c.cluster.opts.name), id.dc, id.hostId);
  };

  /** A node's manifest of a backup: every file's object key and size. */
  files = (c: PodCluster, i: number, tag: string): { objectKey: string; size: number }[] => {
    const m = JSON.parse(
      readFileSync(join(this.nodeDir(c, i), 'manifests', `${tag}.json`), 'utf8'),
    ) as Manifest;
    return Object.values(m.snapshot.keyspaces).flatMap(({ tables }) =>
      Object.values(tables).flatMap((t) => Object.values(t.sstables).flat()),
    );
  };

  /** Deletes one of a node's objects of the backup from the bucket. */
  deleteObject = (c: PodCluster, i: number, objectKey: string): void => {
    rmSync(join(this.nodeDir(c, i), objectKey));
  };

  /** Flips the first byte of one of a node's objects of the backup. */
  flipByte = (c: PodCluster, i: number, objectKey: string): void => {
    const path = join(this.nodeDir(c, i), objectKey);
    const bytes = readFileSync(path);
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
  };
}
