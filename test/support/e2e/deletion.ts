// The world of the deletionPolicy end-to-end file (test/e2e/deletion-policy.test.ts): a namespace with an
// S3 Secret, the operator process (watcher + worker) on a task queue of its own against the real
// kube-apiserver and Temporal dev server, configured so that a dead worker's removal moves on and a held
// removal is tried again quickly, clusters of simulated Icarus nodes behind real Pods writing to BUCKET,
// and what the tests do to backups and read of the bucket: delete one and wait until it is gone, change
// its deletionPolicy, hold and find the remove-backup operations the nodes received.
import { join } from 'node:path';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { resourceNames, type CassandraBackup } from '../../../src/kube/api/resources.js';
import { DATA_REMOVED_CONDITION } from '../../../src/contract/backup-removal.js';
import type { PodCluster } from '../cassandra-pods.js';
import { succeeded } from '../custom-resources.js';
import type { OperatorProcess } from '../operator.js';
import { uniqueName } from '../stack-env.js';
import { eventually } from '../wait.js';
import { manifestsInStorage } from './schedule.js';
import { OperatorWorld } from './world.js';

export const BUCKET = 'deletion-bucket';

export class DeletionWorld extends OperatorWorld {
  private readonly taskQueue = uniqueName('e2e-deletion');
  /** The operator running now: a test kills it and starts the next one (startReady). */
  operator!: OperatorProcess;

  async start(): Promise<this> {
    await this.open('e2e-deletion', { s3: 'creds' });
    this.operator = await this.startReady();
    return this;
  }

  /** A wait that times out shows the log of the operator running now. */
  protected override logSource(): OperatorProcess | undefined {
    return this.operator;
  }

  /** An operator process, once it watches backups and its worker runs; stopped with the world. */
  startReady = async (): Promise<OperatorProcess> => {
    const started = this.runOperator({
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      ICARUS_POLL_INTERVAL_MS: '200',
      STATUS_WRITES_PER_SECOND: '4',
      ICARUS_GENERATION: '3',
      RESYNC_SECONDS: '5',
      // A dead worker's removal moves to the next one after this.
      HEARTBEAT_TIMEOUT_SECONDS: '3',
      // A held removal is tried again within 2 s once what held it is gone.
      REMOVAL_RECHECK_MAX_SECONDS: '2',
    });
    await started.waitForLog(/Watching CassandraBackups/);
    await started.waitForLog(/Worker running/);
    return started;
  };

  /** A cluster of simulated nodes behind Pods (3 unless told), each holding a row of shop.orders. */
  cluster = async (nodes = 3): Promise<PodCluster> => {
    const c = await this.podCluster({
      name: uniqueName('ring'),
      datacenters: { dc1: nodes },
      timing: { durationMs: 1000, pendingMs: 50 },
      buckets: [`s3://${BUCKET}`],
    });
    c.cluster.nodes.forEach((n, i) => n.data.set('shop.orders', [{ id: i, item: `item-${i}` }]));
    return c;
  };

  /** A backup that succeeded, and its full tag. */
  succeededBackup = async (c: PodCluster, extra: Record<string, unknown>): Promise<[string, string]> => {
    const name = uniqueName('bk');
    await this.backups.create(name, spec(c, extra));
    const done = await this.backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
    return [name, done.status?.snapshotTag ?? ''];
  };

  /** Waits until the backup's DataRemoved condition has this reason: the resource and that condition. */
  whenDataRemoved = async (name: string, reason: string) => {
    const backup = await this.backups.waitFor(
      name,
      `DataRemoved ${reason}`,
      (b) => dataRemoved(b)?.reason === reason,
    );
    return { backup, status: dataRemoved(backup)?.status, message: dataRemoved(backup)?.message ?? '' };
  };

  /** Deletes the backup resource (what follows is the operator's). */
  remove = (name: string): Promise<void> => this.backups.delete(name);

  /** Waits until the backup resource is gone (the API server answers 404). */
  gone = (name: string): Promise<void> => this.backups.gone(name);

  setPolicy = async (name: string, deletionPolicy: string): Promise<void> => {
    await this.custom.patchNamespacedCustomObject(
      {
        ...resourceNames.CassandraBackup,
        namespace: this.namespace,
        name,
        body: { spec: { deletionPolicy } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  };
}

/** A backup's spec for the cluster, writing to BUCKET with the 'creds' Secret. */
export const spec = (c: PodCluster, extra: Record<string, unknown> = {}) => ({
  cassandraCluster: c.cluster.opts.name,
  storageLocation: `s3://${BUCKET}`,
  secretName: 'creds',
  ...extra,
});

/** The backups whose manifest each node has in the bucket. */
export const manifests = (c: PodCluster) => manifestsInStorage(c, BUCKET);

export const topologyFile = (c: PodCluster, tag: string) =>
  join(c.storageRoot, 's3', BUCKET, 'topology', `${tag}.json`);
export const everyNodeHas = (c: PodCluster, tag: string) => manifests(c).every((m) => m.includes(tag));
export const noNodeHas = (c: PodCluster, tag: string) => manifests(c).every((m) => !m.includes(tag));

/** The remove-backup operations the cluster's sidecars received for this tag. */
export const removals = (c: PodCluster, tag: string) =>
  c.cluster.nodes.flatMap((n) =>
    n.simulator.received.filter((r) => r.type === 'remove-backup' && r.request.backupName === tag),
  );

export const dataRemoved = (b: CassandraBackup) =>
  b.status?.conditions?.find((x) => x.type === DATA_REMOVED_CONDITION);

/** Every remove-backup stays RUNNING half-way until released. */
export function holdRemovals(c: PodCluster): void {
  for (const n of c.cluster.nodes) n.simulator.hold({ type: 'remove-backup', atProgress: 0.5 });
}

/** The node whose sidecar holds a remove-backup now. */
export async function heldRemoval(c: PodCluster) {
  return eventually('a remove-backup held half-way', () =>
    Promise.resolve(c.cluster.nodes.find((n) => n.simulator.heldCount() > 0)),
  );
}
