import assert from 'node:assert/strict';
import { test } from 'node:test';
import { restoresUsing, restoreUses } from '../../../src/kube/restore-uses.js';
import type { CassandraBackup, CassandraRestore } from '../../../src/kube/api/resources.js';

const backup: CassandraBackup = {
  apiVersion: 'db.ibm.com/v1alpha1',
  kind: 'CassandraBackup',
  metadata: { name: 'nightly-20261124-020000' },
  spec: {
    cassandraCluster: 'c',
    storageLocation: 's3://bucket/',
    secretName: 's',
  } as CassandraBackup['spec'],
  status: { snapshotTag: 'nightly-20261124-020000-5d4b8c4e-1c7b-3d5a-9a8e-0f2c6f1e7b11-1764000000000' },
};

const restore = (spec: Record<string, unknown>, status?: Record<string, unknown>): CassandraRestore =>
  ({
    apiVersion: 'db.ibm.com/v1alpha1',
    kind: 'CassandraRestore',
    metadata: { name: 'r' },
    spec: { cassandraCluster: 'c', ...spec },
    ...(status ? { status } : {}),
  }) as CassandraRestore;

test('a restore uses a backup it names, in its spec or in its resolved source', () => {
  assert.ok(restoreUses(restore({ cassandraBackup: 'nightly-20261124-020000' }), backup));
  assert.ok(
    restoreUses(
      restore({ cassandraBackup: 'other' }, { source: { cassandraBackup: 'nightly-20261124-020000' } }),
      backup,
    ),
  );
  assert.ok(!restoreUses(restore({ cassandraBackup: 'nightly-20261125-020000' }), backup));
});

test('a restore by location and tag uses every backup of that location whose full tag starts with its tag', () => {
  const byTag = (snapshotTag: string, storageLocation = 's3://bucket') =>
    restore({ storageLocation, snapshotTag, secretName: 's' });
  assert.ok(
    restoreUses(byTag('nightly'), backup),
    'a prefix: the newest match is picked when the restore runs',
  );
  assert.ok(restoreUses(byTag(backup.status?.snapshotTag ?? ''), backup));
  assert.ok(!restoreUses(byTag('weekly'), backup));
  assert.ok(
    !restoreUses(byTag('nightly', 's3://another-bucket'), backup),
    'another location holds other backups',
  );
});

test('a restore uses the backup until it succeeds (a failed one can be retried); a verify only while it runs', () => {
  const named = { cassandraBackup: 'nightly-20261124-020000' };
  const users = (state: string, mode?: string) =>
    restoresUsing([restore({ ...named, ...(mode ? { mode } : {}) }, { state })], backup).length;
  assert.deepEqual(
    ['PENDING', 'RUNNING', 'FAILED', 'CANCELLED'].map((state) => users(state)),
    [1, 1, 1, 1],
  );
  assert.deepEqual(
    ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'].map((state) => users(state, 'Verify')),
    [1, 1, 0, 0, 0],
    'a verify that found the backup damaged does not keep it',
  );
});
