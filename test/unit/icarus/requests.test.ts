import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cassandraBackupSpecSchema, cassandraRestoreSpecSchema } from '../../../src/kube/api/resources.js';
import {
  RequestConfigError,
  backupRequest,
  type BackupRequestInput,
  nodeStorageLocation,
  removeBackupRequest,
  resolveSnapshotTag,
  restoreRequest,
  toIcarusDuration,
} from '../../../src/icarus/requests.js';

const node = { cluster: 'Test Cluster', dc: 'dc1', hostId: '8a0f6c2e-1111-4d4d-9e9e-000000000001' };

test('node storage locations follow esop: append to a bucket, replace the last three parts of a full location', () => {
  assert.equal(nodeStorageLocation('s3://bucket', node), `s3://bucket/Test-Cluster/dc1/${node.hostId}`);
  assert.equal(nodeStorageLocation('gcp://bucket/', node), `gcp://bucket/Test-Cluster/dc1/${node.hostId}`);
  assert.equal(
    nodeStorageLocation('azure://bucket/old/dc9/n9', node),
    `azure://bucket/Test-Cluster/dc1/${node.hostId}`,
  );
  assert.equal(
    nodeStorageLocation('s3://bucket/prefix/old/dc9/n9', node),
    `s3://bucket/prefix/Test-Cluster/dc1/${node.hostId}`,
  );
  assert.equal(
    nodeStorageLocation('file:///var/backups/bucket', node),
    `file:///var/backups/bucket/Test-Cluster/dc1/${node.hostId}`,
  );
});

test('locations Icarus cannot parse are configuration errors that say what to write', () => {
  assert.throws(
    () => nodeStorageLocation('s3://bucket-name/backup/location', node),
    (err: unknown) => {
      assert.ok(err instanceof RequestConfigError);
      assert.match(
        err.message,
        /Icarus takes s3:\/\/bucket or s3:\/\/bucket\/cluster\/dc\/node.*use s3:\/\/bucket-name/,
      );
      return true;
    },
  );
  assert.throws(() => nodeStorageLocation('file:///bucket', node), /needs a folder and a bucket/);
});

test('bucket names each provider cannot hold are refused with its rule', () => {
  assert.throws(
    () => nodeStorageLocation('azure://Backups', node),
    /not a valid azure bucket name \(3 to 63/,
  );
  assert.throws(() => nodeStorageLocation('gcp://ab', node), /not a valid gcp bucket name/);
  assert.throws(() => nodeStorageLocation(`s3://${'b'.repeat(256)}`, node), /not a valid s3 bucket name/);
  assert.throws(() => nodeStorageLocation('s3://sauvegardes-été', node), /bucket sauvegardes-été/);
  // Legacy us-east-1 names (upper case, '_') are still S3 buckets; azure and gcp take their own.
  assert.ok(nodeStorageLocation('s3://Legacy_Bucket', node).startsWith('s3://Legacy_Bucket/'));
  assert.ok(nodeStorageLocation('azure://backups-1', node).startsWith('azure://backups-1/'));
  assert.ok(nodeStorageLocation('gcp://my_bucket.example', node).startsWith('gcp://my_bucket.example/'));
});

test('durations become Icarus {value, unit}', () => {
  assert.deepEqual(toIcarusDuration('2 hours'), { value: 2, unit: 'HOURS' });
  assert.deepEqual(toIcarusDuration('3 HOURS'), { value: 3, unit: 'HOURS' });
  assert.deepEqual(toIcarusDuration('90 minutes'), { value: 90, unit: 'MINUTES' });
  assert.deepEqual(toIcarusDuration('1500 milliseconds'), { value: 2, unit: 'SECONDS' });
  assert.deepEqual(toIcarusDuration('5 nanoseconds'), { value: 1, unit: 'SECONDS' });
  assert.throws(() => toIcarusDuration('2 weeks'), RequestConfigError);
});

test('the resolved tag is <tag>-<schemaVersion>-<epochMillis>', () => {
  assert.equal(resolveSnapshotTag('nightly', 'abc', 1700000000000), 'nightly-abc-1700000000000');
});

const backupSpec = cassandraBackupSpecSchema.parse({
  cassandraCluster: 'c',
  storageLocation: 's3://bucket',
  secretName: 'creds',
  duration: '2 hours',
  bandwidth: { value: 5, unit: 'MBPS' },
  entities: 'ks1,ks2',
  retry: { enabled: true },
});

test('a backup request is the per-node clone Icarus’s coordinator sends', () => {
  const req = backupRequest({
    spec: backupSpec,
    node,
    resolvedTag: 'nightly-abc-1',
    schemaVersion: 'abc',
    dataDirs: ['/var/lib/cassandra/data'],
    credentials: { generation: 3 },
  });
  assert.equal(req.globalRequest, false);
  assert.equal(req.skipBucketVerification, false, 'every node checks the bucket unless the spec says not to');
  assert.equal(req.createMissingBucket, false);
  assert.equal(req.uploadClusterTopology, false);
  assert.equal(req.snapshotTag, 'nightly-abc-1');
  assert.equal(req.schemaVersion, 'abc', 'always sent: a node would not look it up for a resolved tag');
  assert.equal(req.storageLocation, `s3://bucket/Test-Cluster/dc1/${node.hostId}`);
  assert.deepEqual(req.duration, { value: 2, unit: 'HOURS' });
  assert.deepEqual(req.bandwidth, { value: 5, unit: 'MBPS' });
  assert.deepEqual(req.retry, { enabled: true, interval: 10, strategy: 'LINEAR', maxAttempts: 3 });
  assert.equal(req.k8sSecretName, undefined, 'Icarus 3.x reads credentials from its environment');
});

test('the topology step never freshens again what its node just uploaded (skipRefreshing)', () => {
  const base: BackupRequestInput = {
    spec: backupSpec,
    node,
    resolvedTag: 't-1',
    schemaVersion: 'abc',
    dataDirs: ['/var/lib/cassandra/data'],
    credentials: { generation: 2, namespace: 'ns', secretName: 'creds' },
  };
  assert.equal(backupRequest(base).skipRefreshing, false, 'the node’s own backup freshens as the spec says');
  const topology = backupRequest({ ...base, uploadClusterTopology: true });
  assert.equal(topology.uploadClusterTopology, true);
  assert.equal(topology.skipRefreshing, true);
});

test('credentials travel as the Secret’s name for Icarus 2.x, and never as a value', () => {
  const req = backupRequest({
    spec: backupSpec,
    node,
    resolvedTag: 't-1',
    schemaVersion: 'abc',
    dataDirs: ['/d'],
    credentials: { generation: 2, namespace: 'prod', secretName: 'creds' },
  });
  assert.equal(req.k8sNamespace, 'prod');
  assert.equal(req.k8sSecretName, 'creds');
  const text = JSON.stringify(req).toLowerCase();
  for (const key of ['awsaccesskeyid', 'awssecretaccesskey', 'azurestoragekey', '"gcp"'])
    assert.ok(!text.includes(key), key);
});

test('a restore request names its phase, the strategy and an import source outside the data dirs', () => {
  const spec = cassandraRestoreSpecSchema.parse({
    cassandraCluster: 'c',
    cassandraBackup: 'b',
    rename: { 'ks.a': 'ks.b' },
  });
  const req = restoreRequest({
    spec,
    source: { storageLocation: 's3://bucket', snapshotTag: 'nightly-abc-1' },
    node,
    phase: 'TRUNCATE',
    dataDirs: ['/var/lib/cassandra/data'],
    cassandraDirectory: '/var/lib/cassandra',
    downloadDir: 'file:///var/lib/cassandra/downloadedsstables',
    credentials: { generation: 3 },
  });
  assert.equal(req.restorationPhase, 'TRUNCATE');
  assert.equal(req.restorationStrategyType, 'HARDLINKS');
  assert.equal(req.globalRequest, false);
  assert.deepEqual(req.rename, { 'ks.a': 'ks.b' });
  assert.equal((req.import as { type: string; sourceDir: string }).type, 'import');
  assert.equal(
    (req.import as { sourceDir: string }).sourceDir,
    'file:///var/lib/cassandra/downloadedsstables',
  );
});

test('the bucket flags of the spec reach every request; remove-backup never checks the bucket of its backup', () => {
  const backup = (spec: Record<string, unknown>) =>
    backupRequest({
      spec: cassandraBackupSpecSchema.parse({ ...backupSpec, ...spec }),
      node,
      resolvedTag: 't-1',
      schemaVersion: 'abc',
      dataDirs: ['/d'],
      credentials: { generation: 3 },
    });
  assert.deepEqual(
    [true, false].map((createMissingBucket) => backup({ createMissingBucket }).createMissingBucket),
    [true, false],
  );
  assert.equal(backup({ skipBucketVerification: true }).skipBucketVerification, true);
  const restore = (spec: Record<string, unknown>) =>
    restoreRequest({
      spec: cassandraRestoreSpecSchema.parse({ cassandraCluster: 'c', cassandraBackup: 'b', ...spec }),
      source: { storageLocation: 's3://bucket', snapshotTag: 't-1' },
      node,
      phase: 'DOWNLOAD',
      dataDirs: ['/d'],
      cassandraDirectory: '/c',
      downloadDir: 'file:///dl',
      credentials: { generation: 3 },
    });
  assert.equal(restore({}).skipBucketVerification, false);
  assert.equal(restore({ skipBucketVerification: true }).skipBucketVerification, true);
  assert.equal(restore({}).createMissingBucket, undefined, 'a restore never creates its bucket');
  const remove = removeBackupRequest({
    storageLocation: 's3://bucket',
    node,
    backupName: 't-1',
    credentials: { generation: 3 },
  });
  assert.equal(remove.skipBucketVerification, true);
});
