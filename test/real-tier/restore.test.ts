// The operator end to end on the real tier: a real Cassandra 5.0.8 node with the real Icarus API next to
// it (test/contract/targets.ts), behind a Pod on the real kube-apiserver, with the real Temporal dev
// server. A CassandraBackup, rows deleted, a CassandraRestore: the deleted rows are back.
// Run by `npm run test:real` (also in .ci/run); not part of `npm test`, which needs no Java.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { realTarget, type ContractTarget } from '../contract/targets.js';
import { Backups, Restores, decided, succeeded } from '../support/custom-resources.js';
import { createRealNodePod } from '../support/real-node-pod.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createNamespace, kubeConfig, uniqueName } from '../support/stack-env.js';

let kc: KubeConfig;
let namespace: string;
let target: ContractTarget;
let operator: OperatorProcess | undefined;
let backups: Backups;
let restores: Restores;
const CLUSTER = 'contract';

before(async () => {
  kc = kubeConfig();
  namespace = await createNamespace(kc, 'real-restore');
  target = await realTarget();
  const node = target.nodes[0];
  if (!node) throw new Error('the real target has no node');
  const core = kc.makeApiClient(CoreV1Api);
  await createRealNodePod(kc, namespace, CLUSTER, node.dc);
  await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'no-credentials' } } });
  operator = startOperator({
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: uniqueName('real-restore'),
    ICARUS_PORT: new URL(node.url).port,
    ICARUS_GENERATION: 'auto',
    ICARUS_POLL_INTERVAL_MS: '500',
    CASSANDRA_DATA_DIRS: target.dataDirs.join(','),
    CASSANDRA_DIRECTORY: target.cassandraDirectory,
    RESTORE_DOWNLOAD_DIR: target.downloadDir,
  });
  const logs = () => operator?.logs.slice(-40).join('\n') ?? '';
  backups = new Backups(kc, namespace, logs);
  restores = new Restores(kc, namespace, logs);
  await operator.waitForLog(/Worker running/);
});

after(async () => {
  await operator?.stop();
  await target?.stop();
});

test('real Cassandra + Icarus: rows deleted after a backup are back after the restore', async () => {
  const rows = [
    { id: 1, v: 'one' },
    { id: 2, v: 'two' },
    { id: 3, v: 'three' },
    { id: 4, v: 'four' },
  ];
  const byId = (r: Record<string, unknown>[]) => [...r].sort((a, b) => Number(a.id) - Number(b.id));
  await target.putRows('shop.orders', rows);
  const backup = uniqueName('backup');
  await backups.create(backup, {
    cassandraCluster: CLUSTER,
    storageLocation: target.bucket,
    secretName: 'no-credentials',
    entities: 'shop',
  });
  const backedUp = await backups.waitFor(backup, 'Succeeded=True', decided);
  assert.equal(succeeded(backedUp), 'True', JSON.stringify(backedUp.status));

  // A bad day: rows deleted.
  await target.putRows('shop.orders', rows.slice(0, 1));
  assert.deepEqual(await target.rows('shop.orders'), rows.slice(0, 1));

  const name = uniqueName('restore');
  await restores.create(name, { cassandraCluster: CLUSTER, cassandraBackup: backup, entities: 'shop' });
  const restored = await restores.waitFor(name, 'Succeeded decided', decided);
  assert.equal(succeeded(restored), 'True', JSON.stringify(restored.status));
  assert.deepEqual(
    restored.status?.phases?.map((p) => [p.name, p.state]),
    [
      ['DOWNLOAD', 'COMPLETED'],
      ['TRUNCATE', 'COMPLETED'],
      ['IMPORT', 'COMPLETED'],
      ['CLEANUP', 'COMPLETED'],
    ],
  );
  const back = byId(await target.rows('shop.orders'));
  console.log(`[real tier] rows after the operator's restore: ${JSON.stringify(back)}`);
  assert.deepEqual(back, byId(rows));
});
