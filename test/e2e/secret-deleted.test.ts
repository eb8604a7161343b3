// The storage Secret deleted while a backup runs: nodes not started yet are never started without it,
// the backup fails with the reason (never COMPLETED for a part of the cluster), and a retry after the
// Secret is back finishes the job.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { createS3Secret, startPodCluster, type PodCluster } from '../support/cassandra-pods.js';
import { Backups, decided, succeeded } from '../support/custom-resources.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createNamespace, kubeConfig, temporalClient, uniqueName } from '../support/stack-env.js';
import { backupWorkflowId } from '../../src/contract/ids.js';
import { retrySignal } from '../../workflows/signals.js';

let kc: KubeConfig;
let namespace: string;
let backups: Backups;
let cluster: PodCluster;
let operator: OperatorProcess;
let temporal: Awaited<ReturnType<typeof temporalClient>>;

before(async () => {
  kc = kubeConfig();
  namespace = await createNamespace(kc, 'e2e-secret-deleted');
  temporal = await temporalClient();
  backups = new Backups(kc, namespace, () => operator.logs.slice(-30).join('\n'));
  operator = startOperator({
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: uniqueName('e2e-secret-deleted'),
    ICARUS_POLL_INTERVAL_MS: '200',
    ICARUS_GENERATION: '2',
    // One node at a time, so the Secret can go while some nodes have not started.
    NODE_CONCURRENCY: '1',
  });
  cluster = await startPodCluster(kc, namespace, {
    name: uniqueName('ring'),
    datacenters: { dc1: 3 },
    timing: { durationMs: 1500, pendingMs: 20 },
    buckets: ['s3://secret-bucket'],
  });
  for (const n of cluster.cluster.nodes) n.data.set('shop.orders', [{ id: 1, item: 'book' }]);
  await operator.waitForLog(/Worker running/);
});

after(async () => {
  await operator?.stop();
  await cluster?.stop();
  await temporal?.close();
});

const backupsPosted = () =>
  cluster.cluster.nodes.map((n) => n.simulator.received.filter((r) => r.type === 'backup').length);

test('the Secret deleted mid-backup: the nodes not started stay untouched, the backup fails with SecretNotFound, a retry finishes it', async () => {
  await createS3Secret(kc, namespace, 'creds');
  const name = uniqueName('backup');
  await backups.create(name, {
    cassandraCluster: cluster.cluster.opts.name,
    storageLocation: 's3://secret-bucket',
    secretName: 'creds',
  });
  await backups.waitFor(name, 'the first node started', () => backupsPosted().some((c) => c > 0));
  await kc.makeApiClient(CoreV1Api).deleteNamespacedSecret({ namespace, name: 'creds' });

  const failed = await backups.waitFor(name, 'decided', decided);
  assert.equal(succeeded(failed), 'False', JSON.stringify(failed.status));
  assert.equal(failed.status?.state, 'FAILED');
  const condition = failed.status?.conditions?.find((c) => c.type === 'Succeeded');
  assert.equal(condition?.reason, 'SecretNotFound');
  assert.match(
    String(condition?.message),
    /Secret creds was deleted while the run went on, so .* was not started/,
  );
  const started = backupsPosted().filter((c) => c > 0).length;
  assert.ok(
    started >= 1 && started < 3,
    `some nodes, not all, were started: ${JSON.stringify(backupsPosted())}`,
  );
  const warning = (await backups.events(name)).find(
    (e) =>
      e.type === 'Warning' &&
      e.reason === 'SecretNotFound' &&
      /was deleted while the run went on/.test(e.message),
  );
  assert.ok(warning, 'a Warning Event says why');

  // The Secret is back: the retry signal finishes the backup on the nodes that were not started.
  await createS3Secret(kc, namespace, 'creds');
  const uid = (await backups.get(name)).metadata.uid ?? '';
  await temporal.client.workflow.getHandle(backupWorkflowId(namespace, name, uid)).signal(retrySignal);
  const done = await backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
  assert.equal(done.status?.state, 'COMPLETED');
  assert.deepEqual(
    backupsPosted().map((c) => c > 0),
    [true, true, true],
  );
});
