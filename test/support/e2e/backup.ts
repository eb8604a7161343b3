// The world of the backup end-to-end files (test/e2e/backup-*.test.ts): a namespace with an S3 and an
// Azure Secret, two operator processes watching it, as two replicas would (the first one also the
// worker, on a task queue of its own), against the real kube-apiserver and Temporal dev server, and
// clusters of simulated Icarus nodes behind real Pod objects.
import type { PodCluster } from '../cassandra-pods.js';
import { uniqueName } from '../stack-env.js';
import { OperatorWorld } from './world.js';

export class BackupWorld extends OperatorWorld {
  private readonly taskQueue = uniqueName('e2e-backup');

  async start(): Promise<this> {
    await this.open('e2e-backup', { s3: 'creds', azure: 'azure-creds' });
    const env = {
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      ICARUS_POLL_INTERVAL_MS: '200',
      STATUS_WRITES_PER_SECOND: '4',
      ICARUS_GENERATION: '3',
      RESYNC_SECONDS: '5',
    };
    // Two processes watch the same resources, as two replicas would: the ids keep it to one workflow.
    this.runOperator(env);
    this.runOperator({ ...env, OPERATOR_RUN: 'watcher' });
    await Promise.all(this.operators.map((o) => o.waitForLog(/Watching CassandraBackups/)));
    await this.operators[0]?.waitForLog(/Worker running/);
    return this;
  }

  /** A 3-node cluster of simulated nodes behind Pods (each operation 1.5 s unless said otherwise). */
  cluster = async (name: string, opts: { durationMs?: number } = {}): Promise<PodCluster> =>
    this.podCluster({
      name,
      datacenters: { dc1: 3 },
      timing: { durationMs: opts.durationMs ?? 1500, pendingMs: 50 },
      buckets: ['s3://e2e-bucket'],
    });
}
