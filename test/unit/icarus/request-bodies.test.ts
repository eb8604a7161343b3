// The whole body of each request the operator sends Icarus, pinned as it goes on the wire: every field,
// its value and its place (JSON.stringify keeps the builders' order). A change here changes what every
// sidecar receives: it has to be meant, and the contract tests (test/contract) say whether Icarus still
// takes it. What each field means is in test/unit/icarus/requests.test.ts and docs/icarus.md.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cassandraBackupSpecSchema, cassandraRestoreSpecSchema } from '../../../src/kube/api/resources.js';
import {
  backupRequest,
  removeBackupRequest,
  restoreRequest,
  type BackupRequest,
  type RemoveBackupRequest,
  type RestorePhase,
  type RestoreRequest,
} from '../../../src/icarus/requests.js';

const node = { cluster: 'Test  Cluster', dc: 'dc1', hostId: '8a0f6c2e-1111-4d4d-9e9e-000000000001' };
const nodeFolder = `Test-Cluster/dc1/${node.hostId}`;
const secret = { generation: 2 as const, namespace: 'prod', secretName: 'creds' };

/** Same fields, same values, same order. */
function pin(actual: unknown, expected: unknown): void {
  assert.equal(JSON.stringify(actual, null, 1), JSON.stringify(expected, null, 1));
}

test('backup: a spec with only its required fields, to Icarus 3.x', () => {
  const spec = cassandraBackupSpecSchema.parse({
    cassandraCluster: 'c',
    storageLocation: 's3://bucket',
    secretName: 'creds',
  });
  const expected: BackupRequest = {
    type: 'backup',
    globalRequest: false,
    storageLocation: `s3://bucket/${nodeFolder}`,
    snapshotTag: 'nightly-abc-1',
    schemaVersion: 'abc',
    skipBucketVerification: false,
    uploadClusterTopology: false,
    dataDirs: ['/var/lib/cassandra/data'],
    entities: '',
    concurrentConnections: 10,
    timeout: 5,
    metadataDirective: 'COPY',
    insecure: false,
    createMissingBucket: false,
    skipRefreshing: false,
  };
  pin(
    backupRequest({
      spec,
      node,
      resolvedTag: 'nightly-abc-1',
      schemaVersion: 'abc',
      dataDirs: ['/var/lib/cassandra/data'],
      credentials: { generation: 3 },
    }),
    expected,
  );
});

test('backup: every field of the spec set, to Icarus 2.x; then the topology upload of the same backup', () => {
  const spec = cassandraBackupSpecSchema.parse({
    cassandraCluster: 'c',
    storageLocation: 'gcp://bucket/old/dc9/n9',
    secretName: 'creds',
    snapshotTag: 'nightly',
    duration: '90 minutes',
    bandwidth: { value: 3, unit: 'KBPS' },
    concurrentConnections: 4,
    dc: 'dc1',
    entities: 'ks.a,ks.b',
    timeout: 7,
    metadataDirective: 'REPLACE',
    insecure: true,
    createMissingBucket: true,
    skipBucketVerification: true,
    skipRefreshing: false,
    retry: { enabled: true, interval: 3, strategy: 'EXPONENTIAL', maxAttempts: 9 },
  });
  const input = {
    spec,
    node,
    resolvedTag: 'nightly-abc-1',
    schemaVersion: 'abc',
    dataDirs: ['/d1', '/d2'],
    credentials: secret,
  };
  const expected: BackupRequest = {
    type: 'backup',
    globalRequest: false,
    storageLocation: `gcp://bucket/${nodeFolder}`,
    snapshotTag: 'nightly-abc-1',
    schemaVersion: 'abc',
    skipBucketVerification: true,
    uploadClusterTopology: false,
    dataDirs: ['/d1', '/d2'],
    entities: 'ks.a,ks.b',
    concurrentConnections: 4,
    timeout: 7,
    metadataDirective: 'REPLACE',
    insecure: true,
    createMissingBucket: true,
    skipRefreshing: false,
    dc: 'dc1',
    duration: { value: 90, unit: 'MINUTES' },
    bandwidth: { value: 3, unit: 'KBPS' },
    retry: { enabled: true, interval: 3, strategy: 'EXPONENTIAL', maxAttempts: 9 },
    k8sNamespace: 'prod',
    k8sSecretName: 'creds',
  };
  pin(backupRequest(input), expected);
  pin(backupRequest({ ...input, uploadClusterTopology: true }), {
    ...expected,
    uploadClusterTopology: true,
    skipRefreshing: true,
  });
});

const phases: RestorePhase[] = ['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP'];
const restoreInput = {
  source: { storageLocation: 's3://bucket', snapshotTag: 'nightly-abc-1' },
  node,
  dataDirs: ['/var/lib/cassandra/data'],
  cassandraDirectory: '/var/lib/cassandra',
  downloadDir: 'file:///var/lib/cassandra/downloadedsstables',
};

test('restore: a spec naming only its backup, every phase, to Icarus 3.x', () => {
  const spec = cassandraRestoreSpecSchema.parse({ cassandraCluster: 'c', cassandraBackup: 'b' });
  for (const phase of phases) {
    const expected: RestoreRequest = {
      type: 'restore',
      globalRequest: false,
      restorationPhase: phase,
      restorationStrategyType: 'HARDLINKS',
      storageLocation: `s3://bucket/${nodeFolder}`,
      snapshotTag: 'nightly-abc-1',
      exactSchemaVersion: false,
      entities: '',
      dataDirs: ['/var/lib/cassandra/data'],
      cassandraDirectory: '/var/lib/cassandra',
      import: {
        type: 'import',
        sourceDir: 'file:///var/lib/cassandra/downloadedsstables',
        keepLevel: false,
        noVerify: false,
        noVerifyTokens: false,
        noInvalidateCaches: false,
        quick: false,
        extendedVerify: false,
        keepRepaired: false,
      },
      noDeleteTruncates: false,
      noDeleteDownloads: false,
      noDownloadData: false,
      concurrentConnections: 10,
      timeout: 5,
      insecure: false,
      skipBucketVerification: false,
      resolveHostIdFromTopology: false,
    };
    pin(restoreRequest({ ...restoreInput, spec, phase, credentials: { generation: 3 } }), expected);
    // The workflow's choice of tables: the backup's own, with truncated files kept when unknown.
    pin(
      restoreRequest({
        ...restoreInput,
        spec,
        phase,
        credentials: { generation: 3 },
        entities: 'shop.orders',
        keepTruncated: true,
      }),
      { ...expected, entities: 'shop.orders', noDeleteTruncates: true },
    );
  }
});

test('restore: every field of the spec set, every phase, to Icarus 2.x', () => {
  const spec = cassandraRestoreSpecSchema.parse({
    cassandraCluster: 'c',
    storageLocation: 'azure://ignored',
    snapshotTag: 'ignored',
    secretName: 'ignored',
    concurrentConnections: 2,
    dc: 'dc1',
    entities: 'ks',
    timeout: 3,
    noDeleteTruncates: true,
    noDeleteDownloads: true,
    noDownloadData: true,
    import: {
      keepLevel: true,
      noVerify: true,
      noVerifyTokens: true,
      noInvalidateCaches: true,
      quick: true,
      extendedVerify: true,
      keepRepaired: true,
    },
    resolveHostIdFromTopology: true,
    insecure: true,
    skipBucketVerification: true,
    retry: { enabled: true },
    rename: { 'ks.a': 'ks.b' },
    schemaVersion: '0e1f0c2a-0000-4000-8000-000000000000',
    exactSchemaVersion: true,
    restorationStrategyType: 'IMPORT',
    allowClusterWideTruncate: true,
  });
  for (const phase of phases) {
    const expected: RestoreRequest = {
      type: 'restore',
      globalRequest: false,
      restorationPhase: phase,
      restorationStrategyType: 'IMPORT',
      // Where and which backup come from the plan's resolved source, not from these spec fields.
      storageLocation: `s3://bucket/${nodeFolder}`,
      snapshotTag: 'nightly-abc-1',
      schemaVersion: '0e1f0c2a-0000-4000-8000-000000000000',
      exactSchemaVersion: true,
      entities: 'ks',
      dataDirs: ['/var/lib/cassandra/data'],
      cassandraDirectory: '/var/lib/cassandra',
      import: {
        type: 'import',
        sourceDir: 'file:///var/lib/cassandra/downloadedsstables',
        keepLevel: true,
        noVerify: true,
        noVerifyTokens: true,
        noInvalidateCaches: true,
        quick: true,
        extendedVerify: true,
        keepRepaired: true,
      },
      noDeleteTruncates: true,
      noDeleteDownloads: true,
      noDownloadData: true,
      concurrentConnections: 2,
      timeout: 3,
      insecure: true,
      skipBucketVerification: true,
      resolveHostIdFromTopology: true,
      rename: { 'ks.a': 'ks.b' },
      retry: { enabled: true, interval: 10, strategy: 'LINEAR', maxAttempts: 3 },
      k8sNamespace: 'prod',
      k8sSecretName: 'creds',
    };
    pin(restoreRequest({ ...restoreInput, spec, phase, credentials: secret }), expected);
  }
});

test('remove-backup: to Icarus 3.x, and a dry run over plain HTTP to Icarus 2.x', () => {
  const expected: RemoveBackupRequest = {
    type: 'remove-backup',
    storageLocation: `minio://bucket/${nodeFolder}`,
    backupName: 'nightly-abc-1',
    globalRequest: true,
    resolveNodes: false,
    removeOldest: false,
    dry: false,
    insecure: false,
    skipBucketVerification: true,
  };
  const input = { storageLocation: 'minio://bucket', node, backupName: 'nightly-abc-1' };
  pin(removeBackupRequest({ ...input, credentials: { generation: 3 } }), expected);
  pin(removeBackupRequest({ ...input, credentials: secret, insecure: true, dry: true }), {
    ...expected,
    dry: true,
    insecure: true,
    k8sNamespace: 'prod',
    k8sSecretName: 'creds',
  });
});
