// A worker killed with SIGKILL in the middle of a backup, and in the middle of a restore's DOWNLOAD:
// another worker finishes it, re-attaching to the Icarus operations already running; no node receives a
// second operation, and no finished phase runs again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createS3Secret, startPodCluster, type PodCluster } from '../support/cassandra-pods.js';
import {
  Backups,
  backupsPerNode,
  Restores,
  restoresPerNode,
  succeeded,
} from '../support/custom-resources.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createNamespace, kubeConfig, uniqueName } from '../support/stack-env.js';

const operators: OperatorProcess[] = [];
let cluster: PodCluster | undefined;

after(async () => {
  await Promise.all(operators.map((o) => o.stop()));
  await cluster?.stop();
});

let env: Record<string, string>;
let backups: Backups;
let restores: Restores;

before(async () => {
  const kc = kubeConfig();
  const namespace = await createNamespace(kc, 'e2e-crash');
  await createS3Secret(kc, namespace, 'creds');
  cluster = await startPodCluster(kc, namespace, {
    name: uniqueName('ring'),
    datacenters: { dc1: 3 },
    timing: { durationMs: 10_000, pendingMs: 50 },
    buckets: ['s3://crash-bucket'],
  });
  env = {
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: uniqueName('e2e-crash'),
    ICARUS_POLL_INTERVAL_MS: '200',
    ICARUS_GENERATION: '3',
    // A dead worker's heartbeat times out after this: then its activity is retried on another worker.
    HEARTBEAT_TIMEOUT_SECONDS: '3',
  };
  const logs = () => operators.flatMap((o) => o.logs.slice(-20)).join('\n');
  backups = new Backups(kc, namespace, logs);
  restores = new Restores(kc, namespace, logs);
  operators.push(startOperator({ ...env, OPERATOR_RUN: 'watcher' }));
  await operators[0]?.waitForLog(/Watching CassandraBackups/);
});

async function startWorker(): Promise<OperatorProcess> {
  const worker = startOperator({ ...env, OPERATOR_RUN: 'worker' });
  operators.push(worker);
  await worker.waitForLog(/Worker running/);
  return worker;
}

test('SIGKILL of the worker mid-backup: a new worker finishes it without a second operation on any node', async () => {
  const first = await startWorker();
  const c = cluster as PodCluster;
  const name = uniqueName('survivor');
  const running = await backups.createAndWaitRunning(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: 's3://crash-bucket',
    secretName: 'creds',
  });
  const operations = (running.status?.nodes ?? []).map((n) => n.operationId);

  // Killed while every node's upload still runs: the new worker has to find and finish them.
  assert.ok(c.cluster.nodes.every((n) => n.simulator.runningCount('backup') === 1));
  await first.kill();
  await startWorker();

  const done = await backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
  assert.equal(done.status?.state, 'COMPLETED');
  assert.deepEqual(
    (done.status?.nodes ?? []).map((n) => n.operationId),
    operations,
    'the new worker re-attached to the operations already running',
  );
  assert.deepEqual(
    backupsPerNode(c).map((n) => n.data),
    [1, 1, 1],
  );
});

test('SIGKILL of the worker during DOWNLOAD: a new worker finishes the restore without repeating finished work', async () => {
  const c = cluster as PodCluster;
  c.cluster.nodes.forEach((n, i) => n.data.set('shop.orders', [{ id: i, item: `item-${i}` }]));
  const before = c.cluster.nodes.map((n) => n.data.get('shop.orders'));
  const backup = uniqueName('source');
  await backups.create(backup, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: 's3://crash-bucket',
    secretName: 'creds',
  });
  await backups.waitFor(backup, 'Succeeded=True', (b) => succeeded(b) === 'True');
  c.cluster.truncate('shop.orders');

  const name = uniqueName('restore');
  await restores.create(name, { cassandraCluster: c.cluster.opts.name, cassandraBackup: backup });
  const downloading = await restores.waitFor(
    name,
    'every node downloading with some progress',
    (r) =>
      r.status?.phase === 'DOWNLOAD' &&
      (r.status.nodes ?? []).every((n) => n.operationId && (n.progress ?? 0) > 0),
  );
  const operations = (downloading.status?.nodes ?? []).map((n) => n.operationId);
  assert.ok(c.cluster.nodes.every((n) => n.simulator.runningCount('restore') === 1));
  // The worker running now (the one that replaced the first test's victim) dies mid-DOWNLOAD.
  await operators.at(-1)?.kill();
  await startWorker();

  const done = await restores.waitFor(name, 'Succeeded=True', (r) => succeeded(r) === 'True');
  assert.equal(done.status?.state, 'COMPLETED');
  assert.deepEqual(
    c.cluster.nodes.map((n) => n.data.get('shop.orders')),
    before,
  );
  const downloads = c.cluster.nodes.map((n) =>
    n.simulator.received.filter((x) => x.type === 'restore' && x.request.restorationPhase === 'DOWNLOAD'),
  );
  assert.deepEqual(
    downloads.map((d) => d.map((x) => x.operationId)),
    operations.map((id) => [id]),
    'each node downloaded once, in the operation the killed worker had started',
  );
  assert.deepEqual(restoresPerNode(c), [
    { DOWNLOAD: 1, TRUNCATE: 1, IMPORT: 1, CLEANUP: 1 },
    { DOWNLOAD: 1, IMPORT: 1, CLEANUP: 1 },
    { DOWNLOAD: 1, IMPORT: 1, CLEANUP: 1 },
  ]);
});
