// CassandraRestore from storage, end to end on the real stack: the operator process against the real
// kube-apiserver and Temporal dev server, with simulated Icarus nodes (holding rows per table) behind real
// Pod objects. A restore by location + tag of a backup in Icarus's own global-backup layout (fixture)
// picks the newest match; a bucket that does not exist, or a store the nodes cannot use, fails in
// DOWNLOAD before anything is truncated, and the retry completes once put right.
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { restoreWorkflowId } from '../../src/contract/ids.js';
import { retrySignal } from '../../workflows/signals.js';
import { type Backups, type Restores, restoresPerNode, succeeded } from '../support/custom-resources.js';
import {
  FIXTURE_BUCKET,
  fixture,
  fixtureRows,
  startFixtureCluster,
} from '../support/e2e/global-backup-fixture.js';
import { deleteRows, ORDERS, RestoreWorld, rowsOf } from '../support/e2e/restore.js';
import { uniqueName } from '../support/stack-env.js';

const world = new RestoreWorld();
const { clusters, cluster } = world;
let kc: KubeConfig;
let namespace: string;
let temporal: RestoreWorld['temporal'];
let backups: Backups;
let restores: Restores;

before(async () => {
  ({ kc, namespace, temporal, backups, restores } = await world.start());
});
after(() => world.stop());

test('a restore by location + tag of a backup in Icarus’s own global-backup layout (fixture) picks the newest match', async () => {
  const c = await startFixtureCluster(kc, namespace, clusters);
  // The bucket as Icarus's coordinator left it, under the simulator's s3 root.
  cpSync(FIXTURE_BUCKET, join(c.storageRoot, 's3', 'fixture-bucket'), { recursive: true });
  c.cluster.nodes.forEach((n, i) =>
    n.data.set(ORDERS, [{ id: i * 10 + 9, item: 'written after the backup' }]),
  );

  const name = uniqueName('restore');
  await restores.create(name, {
    cassandraCluster: fixture.clusterName,
    storageLocation: 's3://fixture-bucket',
    snapshotTag: 'nightly',
    secretName: 'creds',
  });
  const done = await restores.waitFor(name, 'Succeeded=True', (x) => succeeded(x) === 'True');
  assert.deepEqual(done.status?.source, {
    storageLocation: 's3://fixture-bucket',
    snapshotTag: 'nightly',
    secretName: 'creds',
  });
  assert.deepEqual(
    rowsOf(c),
    fixtureRows(c, 'new'),
    'every node restored its own rows of the newest backup tagged nightly',
  );
  for (const n of c.cluster.nodes) {
    for (const r of n.simulator.received.filter((x) => x.type === 'restore')) {
      assert.equal(
        r.request.storageLocation,
        `s3://fixture-bucket/${fixture.clusterName}/${fixture.dc}/${n.identity.hostId}`,
      );
    }
  }
});

test('a restore from a bucket that does not exist fails in DOWNLOAD with BucketNotFound, and truncates nothing', async () => {
  const c = await cluster();
  const before = rowsOf(c);
  const name = uniqueName('restore');
  const bucket = uniqueName('never-made');
  await restores.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: `s3://${bucket}`,
    snapshotTag: 'nightly',
    secretName: 'creds',
    // Icarus checks the bucket before every restore phase whatever this says.
    skipBucketVerification: true,
  });
  const failed = await restores.waitFor(name, 'Succeeded=False', (r) => succeeded(r) === 'False');
  const condition = failed.status?.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.reason, 'BucketNotFound');
  assert.match(condition?.message ?? '', /^DOWNLOAD failed on 3 of 3 node\(s\)/);
  assert.ok(
    condition?.message.includes(`Bucket ${bucket} does not exist and createMissingBucket`),
    condition?.message,
  );
  await restores.waitForEvent(name, 'BucketNotFound');
  assert.deepEqual(
    restoresPerNode(c),
    c.cluster.nodes.map(() => ({ DOWNLOAD: 1 })),
  );
  assert.deepEqual(rowsOf(c), before);
});

test('a restore whose nodes cannot use their store fails in DOWNLOAD with BucketCheckFailed, truncates nothing, and completes when retried once put right', async () => {
  const c = await cluster();
  const location = `azure://${uniqueName('access')}`;
  c.cluster.storage.createBucket(location);
  const backup = uniqueName('backup');
  await backups.create(backup, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: location,
    secretName: 'azure-creds',
  });
  await backups.waitFor(backup, 'Succeeded=True', (b) => succeeded(b) === 'True');
  deleteRows(c);
  const damaged = rowsOf(c);
  c.cluster.nodes.forEach((n) => (n.storageAccess = { azure: 'credentials-refused' }));
  const name = uniqueName('restore');
  const created = await restores.create(name, {
    cassandraCluster: c.cluster.opts.name,
    cassandraBackup: backup,
  });
  const failed = await restores.waitFor(name, 'Succeeded=False', (r) => succeeded(r) === 'False');
  const condition = failed.status?.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.reason, 'BucketCheckFailed');
  assert.match(condition?.message ?? '', /^DOWNLOAD failed on 3 of 3 node\(s\)/);
  const bucket = location.slice('azure://'.length);
  assert.ok(
    condition?.message.includes(`Unable to determine if the bucket ${bucket} exists.`),
    condition?.message,
  );
  await restores.waitForEvent(name, 'BucketCheckFailed');
  assert.deepEqual(rowsOf(c), damaged, 'nothing truncated');

  c.cluster.nodes.forEach((n) => (n.storageAccess = {}));
  await temporal.client.workflow
    .getHandle(restoreWorkflowId(namespace, name, created.metadata.uid ?? ''))
    .signal(retrySignal);
  await restores.waitFor(name, 'Succeeded=True', (r) => succeeded(r) === 'True');
  assert.deepEqual(
    rowsOf(c).map((rows) => rows.length),
    c.cluster.nodes.map(() => 2),
    'every row back',
  );
});
