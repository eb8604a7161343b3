// Every spec field is either sent to Icarus or said to be the operator's only (src/icarus/spec-fields.ts),
// so that a new field cannot vanish the way `spec.skipBucketVerification` once did. For each kind, the
// zod schema's keys and the table's are the same; a field said to be sent changes exactly the body
// fields it names when it changes; a field said to be the operator's changes no body field; a field the
// plan resolves lands in body fields that every request has.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  backupTemplateSchema,
  cassandraBackupScheduleSpecSchema,
  cassandraBackupSpecSchema,
  cassandraRestoreSpecSchema,
  type CassandraBackupSpec,
  type CassandraRestoreSpec,
} from '../../../src/kube/api/resources.js';
import { backupRequest, restoreRequest } from '../../../src/icarus/requests.js';
import {
  backupSpecFields,
  backupTemplateFields,
  restoreSpecFields,
  scheduleSpecFields,
  type FieldUse,
} from '../../../src/icarus/spec-fields.js';

const node = { cluster: 'c', dc: 'dc1', hostId: 'h1' };
const credentials = { generation: 2 as const, namespace: 'ns', secretName: 'creds' };

/** A value of each field other than the base spec's (and than its default). */
const backupVariants: { [K in keyof CassandraBackupSpec]-?: unknown } = {
  cassandraCluster: 'another-cluster',
  storageLocation: 'gcp://another-bucket',
  secretName: 'other-creds',
  snapshotTag: 'nightly',
  duration: '2 hours',
  bandwidth: { value: 5, unit: 'MBPS' },
  concurrentConnections: 3,
  dc: 'dc1',
  entities: 'ks1',
  timeout: 9,
  metadataDirective: 'REPLACE',
  insecure: true,
  createMissingBucket: true,
  skipBucketVerification: true,
  skipRefreshing: true,
  retry: { enabled: true },
  deletionPolicy: 'Delete',
  imported: true,
};

const restoreVariants: { [K in keyof CassandraRestoreSpec]-?: unknown } = {
  cassandraCluster: 'another-cluster',
  cassandraBackup: 'another-backup',
  storageLocation: 'gcp://another-bucket',
  snapshotTag: 'nightly',
  secretName: 'other-creds',
  concurrentConnections: 3,
  dc: 'dc1',
  entities: 'ks1',
  timeout: 9,
  noDeleteTruncates: true,
  noDeleteDownloads: true,
  noDownloadData: true,
  import: { quick: true },
  resolveHostIdFromTopology: true,
  insecure: true,
  skipBucketVerification: true,
  retry: { enabled: true },
  rename: { 'ks.a': 'ks.b' },
  schemaVersion: '0e1f0c2a-0000-4000-8000-000000000000',
  exactSchemaVersion: true,
  restorationStrategyType: 'IMPORT',
  allowClusterWideTruncate: true,
  mode: 'Verify',
};

const backupOf = (fields: Record<string, unknown>) =>
  backupRequest({
    spec: cassandraBackupSpecSchema.parse({
      cassandraCluster: 'c',
      storageLocation: 's3://bucket',
      secretName: 'creds',
      ...fields,
    }),
    node,
    resolvedTag: 'nightly-abc-1',
    schemaVersion: 'abc',
    dataDirs: ['/d'],
    credentials,
  });

const restoreOf = (fields: Record<string, unknown>) =>
  restoreRequest({
    spec: cassandraRestoreSpecSchema.parse({ cassandraCluster: 'c', cassandraBackup: 'b', ...fields }),
    source: { storageLocation: 's3://bucket', snapshotTag: 'nightly-abc-1' },
    node,
    phase: 'DOWNLOAD',
    dataDirs: ['/d'],
    cassandraDirectory: '/c',
    downloadDir: 'file:///dl',
    credentials,
  });

/** The body fields whose value differs between two bodies. */
function changed(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .sort();
}

function checkKind<Body extends Record<string, unknown>>(
  kind: string,
  schemaKeys: string[],
  table: Record<string, FieldUse<Body>>,
  variants: Record<string, unknown>,
  build: (fields: Record<string, unknown>) => Body,
): void {
  assert.deepEqual(
    Object.keys(table).sort(),
    [...schemaKeys].sort(),
    `${kind}: every spec field needs an entry in src/icarus/spec-fields.ts (sent, resolved or operatorOnly), and no entry may outlive its field`,
  );
  const base = build({});
  for (const field of schemaKeys) {
    const use = table[field];
    assert.ok(use, `${kind}.spec.${field}`);
    assert.ok(field in variants, `${kind}.spec.${field}: give it a value in this test`);
    const diff = changed(base, build({ [field]: variants[field] }));
    if ('sent' in use) {
      assert.deepEqual(
        diff,
        [...use.sent].map(String).sort(),
        `${kind}.spec.${field} is said to be sent as ${use.sent.join(', ')}; changing it changed ${diff.join(', ') || 'nothing'}`,
      );
    } else if ('resolved' in use) {
      assert.deepEqual(diff, [], `${kind}.spec.${field} reaches the body through the plan, not the builder`);
      for (const key of use.resolved)
        assert.notEqual(base[key], undefined, `${kind}.spec.${field}: body field ${String(key)}`);
      assert.ok(use.by.length > 0);
    } else {
      assert.deepEqual(
        diff,
        [],
        `${kind}.spec.${field} is said to be the operator's only, yet changes ${diff.join(', ')}`,
      );
      assert.ok(use.operatorOnly.length > 0 && !use.operatorOnly.includes('\n'), 'one line of reason');
    }
  }
}

test('every CassandraBackup spec field is sent in the backup request or said to be the operator’s', () => {
  checkKind(
    'CassandraBackup',
    Object.keys(cassandraBackupSpecSchema.shape),
    backupSpecFields,
    backupVariants,
    backupOf,
  );
});

test('every CassandraRestore spec field is sent in each restore request or said to be the operator’s', () => {
  checkKind(
    'CassandraRestore',
    Object.keys(cassandraRestoreSpecSchema.shape),
    restoreSpecFields,
    restoreVariants,
    restoreOf,
  );
});

test('a schedule reaches Icarus only through its backupTemplate, whose spec is a CassandraBackup spec', () => {
  assert.deepEqual(
    Object.keys(scheduleSpecFields).sort(),
    Object.keys(cassandraBackupScheduleSpecSchema.shape).sort(),
  );
  assert.deepEqual(Object.keys(backupTemplateFields).sort(), Object.keys(backupTemplateSchema.shape).sort());
  assert.deepEqual(
    Object.keys(backupTemplateSchema.shape.spec.shape).sort(),
    Object.keys(cassandraBackupSpecSchema.shape).sort(),
    'the template’s spec is covered by the CassandraBackup table',
  );
  for (const [field, why] of [...Object.entries(scheduleSpecFields), ...Object.entries(backupTemplateFields)])
    assert.ok(why.length > 0 && !why.includes('\n'), `${field}: one line of reason`);
});

test('a field no builder reads fails the coverage check (the way skipBucketVerification was dropped)', () => {
  // As if the backup builder had never read skipBucketVerification: the field changes nothing.
  const dropping = (fields: Record<string, unknown>) => {
    const { skipBucketVerification: _dropped, ...rest } = fields;
    return backupOf(rest);
  };
  assert.throws(
    () =>
      checkKind(
        'CassandraBackup',
        Object.keys(cassandraBackupSpecSchema.shape),
        backupSpecFields,
        backupVariants,
        dropping,
      ),
    /spec\.skipBucketVerification is said to be sent as skipBucketVerification; changing it changed nothing/,
  );
  // And a field with no entry at all.
  assert.throws(
    () =>
      checkKind(
        'CassandraBackup',
        [...Object.keys(cassandraBackupSpecSchema.shape), 'newField'],
        backupSpecFields,
        backupVariants,
        backupOf,
      ),
    /every spec field needs an entry/,
  );
});
