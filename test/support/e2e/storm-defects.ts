// The world of the storm-defect files (test/e2e/storm-defects-*.test.ts): a namespace with an S3
// Secret, the operator process (watcher + worker) on a task queue of its own against the real
// kube-apiserver and Temporal dev server, and clusters of simulated Icarus nodes behind real Pods whose
// nodes hold rows of shop.orders.
import type { PodCluster } from '../cassandra-pods.js';
import { uniqueName } from '../stack-env.js';
import { OperatorWorld } from './world.js';

export const ORDERS = 'shop.orders';

export class StormDefectsWorld extends OperatorWorld {
  async start(): Promise<this> {
    await this.open('storm-defects', { s3: 'creds' }, 40);
    const operator = this.runOperator({
      TEMPORAL_TASK_QUEUE: uniqueName('storm-defects'),
      ICARUS_POLL_INTERVAL_MS: '200',
      ICARUS_GENERATION: '3',
      RESYNC_SECONDS: '5',
    });
    await operator.waitForLog(/Worker running/);
    await operator.waitForLog(/Watching CassandraRestores/);
    return this;
  }

  /** A 3-node cluster whose nodes hold rows of shop.orders. */
  cluster = async (durationMs = 800): Promise<PodCluster> => {
    const c = await this.podCluster({
      name: uniqueName('ring'),
      datacenters: { dc1: 3 },
      timing: { durationMs, pendingMs: 30 },
      buckets: ['s3://storm-bucket', 's3://old-bucket', 's3://new-bucket'],
    });
    c.cluster.nodes.forEach((n, i) =>
      n.data.set(ORDERS, [
        { id: i * 10 + 1, item: `book-${i}` },
        { id: i * 10 + 2, item: `lamp-${i}` },
      ]),
    );
    return c;
  };
}

/** The reason of a resource's Succeeded condition. */
export const reasonOf = (x: { status?: { conditions?: { type: string; reason?: string }[] } }) =>
  x.status?.conditions?.find((k) => k.type === 'Succeeded')?.reason;
