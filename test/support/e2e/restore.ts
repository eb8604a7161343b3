// The world of the restore end-to-end files (test/e2e/restore-*.test.ts): a namespace with an S3 and an
// Azure Secret, the operator process (watcher + worker) on a task queue of its own against the real
// kube-apiserver and Temporal dev server, and clusters of simulated Icarus nodes behind real Pod objects
// whose nodes hold rows of shop.orders.
import type { Row } from '../../../dev/icarus-simulator/cluster.js';
import type { PodCluster } from '../cassandra-pods.js';
import { restoresPerNode, succeeded } from '../custom-resources.js';
import { uniqueName } from '../stack-env.js';
import { OperatorWorld } from './world.js';

export const ORDERS = 'shop.orders';

export class RestoreWorld extends OperatorWorld {
  async start(): Promise<this> {
    await this.open('e2e-restore', { s3: 'creds', azure: 'azure-creds' });
    await this.runRestoreOperator('e2e-restore');
    return this;
  }

  /** A cluster whose nodes hold rows of shop.orders (each node its own share, as Cassandra's ring would). */
  cluster = async (datacenters: Record<string, number> = { dc1: 3 }): Promise<PodCluster> => {
    const c = await this.podCluster({
      name: uniqueName('ring'),
      datacenters,
      timing: { durationMs: 800, pendingMs: 30 },
      buckets: ['s3://restore-bucket'],
    });
    c.cluster.nodes.forEach((n, i) =>
      n.data.set(ORDERS, [
        { id: i * 10 + 1, item: `book-${i}` },
        { id: i * 10 + 2, item: `lamp-${i}` },
      ]),
    );
    return c;
  };

  /** A backup of the cluster, once it succeeded. */
  backedUp = async (c: PodCluster): Promise<string> => {
    const name = uniqueName('backup');
    await this.backups.create(name, {
      cassandraCluster: c.cluster.opts.name,
      storageLocation: 's3://restore-bucket',
      secretName: 'creds',
    });
    await this.backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
    return name;
  };
}

export const rowsOf = (c: PodCluster): Row[][] => c.cluster.nodes.map((n) => n.data.get(ORDERS) ?? []);

/** What a bad day does to the table after the backup: rows deleted on every node. */
export function deleteRows(c: PodCluster): void {
  for (const n of c.cluster.nodes) n.data.set(ORDERS, (n.data.get(ORDERS) ?? []).slice(0, 1));
}

export const phaseCounts = (c: PodCluster, phase: string) => restoresPerNode(c).map((n) => n[phase] ?? 0);
