// A worker killed with SIGKILL in the middle of a backup: another worker finishes it, re-attaching to
// the Icarus operations already running; no node receives a second backup operation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createS3Secret, startPodCluster, type PodCluster } from '../support/cassandra-pods.js';
import { Backups, backupsPerNode, succeeded } from '../support/custom-resources.js';
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

before(async () => {
  const kc = kubeConfig();
  const namespace = await createNamespace(kc, 'e2e-crash');
  await createS3Secret(kc, namespace, 'creds');
  cluster = await startPodCluster(kc, namespace, {
    name: uniqueName('ring'),
    datacenters: { dc1: 3 },
    timing: { durationMs: 10_000, pendingMs: 50 },
  });
  env = {
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: uniqueName('e2e-crash'),
    ICARUS_POLL_INTERVAL_MS: '200',
    ICARUS_GENERATION: '3',
    // A dead worker's heartbeat times out after this: then its activity is retried on another worker.
    HEARTBEAT_TIMEOUT_SECONDS: '3',
  };
  backups = new Backups(kc, namespace, () => operators.flatMap((o) => o.logs.slice(-20)).join('\n'));
  operators.push(startOperator({ ...env, OPERATOR_RUN: 'watcher' }));
  await operators[0]?.waitForLog(/Watching CassandraBackups/);
});

test('SIGKILL of the worker mid-backup: a new worker finishes it without a second operation on any node', async () => {
  const first = startOperator({ ...env, OPERATOR_RUN: 'worker' });
  operators.push(first);
  await first.waitForLog(/Worker running/);
  const c = cluster as PodCluster;
  const name = uniqueName('survivor');
  await backups.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: 's3://crash-bucket',
    secretName: 'creds',
  });
  const running = await backups.waitFor(
    name,
    'every node running with some progress',
    (b) =>
      b.status?.state === 'RUNNING' &&
      (b.status.nodes ?? []).every((n) => n.operationId && (n.progress ?? 0) > 0),
  );
  const operations = (running.status?.nodes ?? []).map((n) => n.operationId);

  // Killed while every node's upload still runs: the new worker has to find and finish them.
  assert.ok(c.cluster.nodes.every((n) => n.simulator.runningCount('backup') === 1));
  await first.kill();
  const second = startOperator({ ...env, OPERATOR_RUN: 'worker' });
  operators.push(second);

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
