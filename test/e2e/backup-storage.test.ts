// CassandraBackup end to end on the real stack, where it writes: the operator processes (a watcher +
// worker and a second watcher, as two replicas) against the real kube-apiserver and Temporal dev server,
// with simulated Icarus nodes behind real Pod objects. A bucket that does not exist fails every node
// until createMissingBucket makes it; a location Icarus cannot parse is refused by the API server; a
// store that refuses the nodes' credentials, or cannot be reached, fails the backup with its reason, and
// the retry completes once put right.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';
import { resourceNames } from '../../src/kube/api/resources.js';
import { backupWorkflowId } from '../../src/contract/ids.js';
import { retrySignal } from '../../workflows/signals.js';
import { uniqueName } from '../support/stack-env.js';
import { type Backups, backupsPerNode, succeeded } from '../support/custom-resources.js';
import { BackupWorld } from '../support/e2e/backup.js';
import { errorCode } from '../../src/contract/error-code.js';

const { group, version, plural } = resourceNames.CassandraBackup;

const world = new BackupWorld();
const { cluster } = world;
let custom: CustomObjectsApi;
let namespace: string;
let temporal: BackupWorld['temporal'];
let backups: Backups;

before(async () => {
  ({ custom, namespace, temporal, backups } = await world.start());
});
after(() => world.stop());

test('a backup to a bucket that does not exist fails with BucketNotFound on every node; createMissingBucket: true makes it and backs up', async () => {
  const c = await cluster(uniqueName('ring'));
  const name = uniqueName('nobucket');
  const location = `s3://${uniqueName('never-made')}`;
  await backups.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: location,
    secretName: 'creds',
  });
  const failed = await backups.waitFor(name, 'Succeeded=False', (b) => succeeded(b) === 'False');
  const bucket = location.slice('s3://'.length);
  const esop = `Bucket ${bucket} does not exist and createMissingBucket in JSON or --create-missing-bucket from console is false! Can not continue!`;
  const condition = failed.status?.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.reason, 'BucketNotFound');
  assert.match(condition?.message ?? '', /3 of 3 node\(s\) failed/);
  assert.ok(condition?.message.includes(esop), condition?.message);
  assert.equal(failed.status?.state, 'FAILED');
  assert.deepEqual(
    failed.status?.nodes?.map((n) => n.state),
    ['FAILED', 'FAILED', 'FAILED'],
  );
  assert.ok(
    failed.status?.errors?.every((e) => e.message === esop),
    JSON.stringify(failed.status?.errors),
  );
  assert.ok((await backups.waitForEvent(name, 'BucketNotFound')).message.includes(esop));
  assert.equal(c.cluster.storage.bucketExists(location), false, 'nothing was written, nothing made');

  // The spec says to make it: a new attempt, whose nodes make the bucket (all at once) and back up.
  await custom.patchNamespacedCustomObject(
    { group, version, plural, namespace, name, body: { spec: { createMissingBucket: true } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
  assert.equal(c.cluster.storage.bucketExists(location), true);
  for (const node of c.cluster.nodes) {
    const sent = node.simulator.received.filter(
      (r) => r.type === 'backup' && !r.request.uploadClusterTopology,
    );
    assert.deepEqual(
      sent.map((r) => [r.request.skipBucketVerification, r.request.createMissingBucket]),
      [
        [false, false],
        [false, true],
      ],
      'every node checked its bucket, then was asked to make it',
    );
  }
});

test('a storage location Icarus cannot parse is refused by the API server, saying what to write; nothing reaches a node', async () => {
  // The operator's own check (InvalidStorageLocation, for resources stored under older CRDs) is pinned
  // with CRDs that have no rules: test/reliability/bad-input.test.ts.
  const c = await cluster(uniqueName('ring'));
  const name = uniqueName('badpath');
  const refused = await backups
    .create(name, {
      cassandraCluster: c.cluster.opts.name,
      storageLocation: 's3://bucket-name/backup/location',
      secretName: 'creds',
    })
    .then(
      () => assert.fail('the API server accepted the location'),
      (err: unknown) => err,
    );
  assert.equal(errorCode(refused), 422);
  assert.match(
    String((refused as { body?: unknown }).body),
    /never one or two folders after the bucket; write protocol:\/\/bucket/,
  );
  assert.deepEqual(
    backupsPerNode(c).map((n) => n.data),
    [0, 0, 0],
  );
});

test('a store that refuses the nodes’ credentials fails the backup with StorageAccessDenied, one it cannot reach with StorageUnreachable; put right, the retry completes', async () => {
  const c = await cluster(uniqueName('ring'));
  const location = `azure://${uniqueName('access')}`;
  c.cluster.storage.createBucket(location);
  const access = (kind?: 'credentials-refused' | 'unreachable') =>
    c.cluster.nodes.forEach((n) => (n.storageAccess = kind ? { azure: kind } : {}));
  access('credentials-refused');
  const name = uniqueName('refused');
  const created = await backups.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: location,
    secretName: 'azure-creds',
  });
  const refused = await backups.waitFor(name, 'Succeeded=False', (b) => succeeded(b) === 'False');
  const azure = 'Server failed to authenticate the request.';
  const condition = refused.status?.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.reason, 'StorageAccessDenied');
  assert.match(condition?.message ?? '', /3 of 3 node\(s\) failed/);
  assert.ok(condition?.message.includes(azure), condition?.message);
  assert.ok((await backups.waitForEvent(name, 'StorageAccessDenied')).message.includes(azure));

  // The store's endpoint now refuses connections: the retry fails again, for that reason.
  access('unreachable');
  const handle = temporal.client.workflow.getHandle(
    backupWorkflowId(namespace, name, created.metadata.uid ?? ''),
  );
  await handle.signal(retrySignal);
  const unreachable = await backups.waitFor(
    name,
    'reason StorageUnreachable',
    (b) => b.status?.conditions?.find((x) => x.type === 'Succeeded')?.reason === 'StorageUnreachable',
  );
  assert.equal(succeeded(unreachable), 'False');
  assert.ok((await backups.waitForEvent(name, 'StorageUnreachable')).message.includes('Connection refused'));

  access();
  await handle.signal(retrySignal);
  const done = await backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
  assert.deepEqual(
    done.status?.nodes?.map((n) => n.state),
    ['COMPLETED', 'COMPLETED', 'COMPLETED'],
  );
});
