// What deleting a CassandraBackup does to its data (src/kube/backup-deletion.ts): Retain keeps it; Delete
// removes the tag in status.snapshotTag, unless nothing is there (no tag, or retention removed that tag
// already), and never while a restore that has not succeeded and is not being deleted uses it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CassandraBackup, CassandraRestore } from '../../../src/kube/api/resources.js';
import { REMOVED_FROM_STORAGE_ANNOTATION, decideDeletion } from '../../../src/kube/backup-deletion.js';

const TAG = 'nightly-5d4b8c4e-1c7b-3d5a-9a8e-0f2c6f1e7b11-1764000000000';

function backup(
  spec: Partial<CassandraBackup['spec']> = {},
  status: CassandraBackup['status'] = { snapshotTag: TAG },
  annotations?: Record<string, string>,
): CassandraBackup {
  return {
    apiVersion: 'db.ibm.com/v1alpha1',
    kind: 'CassandraBackup',
    metadata: { name: 'nightly', namespace: 'ns', ...(annotations ? { annotations } : {}) },
    spec: {
      cassandraCluster: 'c',
      storageLocation: 's3://bucket',
      secretName: 's',
      deletionPolicy: 'Delete',
      ...spec,
    } as CassandraBackup['spec'],
    ...(status ? { status } : {}),
  };
}

function restore(
  name: string,
  spec: Record<string, unknown>,
  extra: { succeeded?: boolean; deleting?: boolean } = {},
): CassandraRestore {
  return {
    apiVersion: 'db.ibm.com/v1alpha1',
    kind: 'CassandraRestore',
    metadata: { name, ...(extra.deleting ? { deletionTimestamp: new Date() } : {}) },
    spec: { cassandraCluster: 'c', ...spec },
    ...(extra.succeeded !== undefined
      ? {
          status: {
            conditions: [
              {
                type: 'Succeeded',
                status: extra.succeeded ? 'True' : 'False',
                reason: extra.succeeded ? 'Completed' : 'NodeFailed',
                message: '',
                lastTransitionTime: '',
              },
            ],
          },
        }
      : {}),
  } as CassandraRestore;
}

test('Retain, or no policy (a resource stored before the field), keeps the data', () => {
  assert.deepEqual(decideDeletion(backup({ deletionPolicy: 'Retain' }), []), { kind: 'retain' });
  const older = backup();
  delete (older.spec as Partial<CassandraBackup['spec']>).deletionPolicy;
  assert.deepEqual(decideDeletion(older, []), { kind: 'retain' });
});

test('Delete removes the tag the backup wrote', () => {
  assert.deepEqual(decideDeletion(backup(), []), { kind: 'remove', tag: TAG });
});

test('a backup without a full tag wrote nothing: nothing to remove', () => {
  const decision = decideDeletion(backup({}, { state: 'PENDING' }), []);
  assert.equal(decision.kind, 'nothing');
  assert.match(decision.kind === 'nothing' ? decision.why : '', /no status\.snapshotTag/);
  const never = backup();
  delete never.status;
  assert.equal(decideDeletion(never, []).kind, 'nothing');
});

test('a tag that retention removed already is not removed again; another tag is', () => {
  const removed = backup({}, { snapshotTag: TAG }, { [REMOVED_FROM_STORAGE_ANNOTATION]: TAG });
  assert.deepEqual(decideDeletion(removed, []), {
    kind: 'nothing',
    why: `backup ${TAG} was removed from storage already`,
  });
  const retriedSince = backup({}, { snapshotTag: `${TAG}1` }, { [REMOVED_FROM_STORAGE_ANNOTATION]: TAG });
  assert.deepEqual(decideDeletion(retriedSince, []), { kind: 'remove', tag: `${TAG}1` });
});

test('a restore that still uses the backup holds the removal: by name or by location and tag prefix', () => {
  const byName = restore('by-name', { cassandraBackup: 'nightly' });
  const byTag = restore('by-tag', {
    storageLocation: 's3://bucket/',
    snapshotTag: 'nightly',
    secretName: 's',
  });
  assert.deepEqual(decideDeletion(backup(), [byName, byTag]), {
    kind: 'held',
    tag: TAG,
    by: ['by-name', 'by-tag'],
  });
  const failed = restore('failed', { cassandraBackup: 'nightly' }, { succeeded: false });
  assert.deepEqual(
    decideDeletion(backup(), [failed]),
    { kind: 'held', tag: TAG, by: ['failed'] },
    'a failed restore may be retried',
  );
});

test('restores that succeeded, are being deleted, or read another backup do not hold it', () => {
  const restores = [
    restore('done', { cassandraBackup: 'nightly' }, { succeeded: true }),
    restore('going', { cassandraBackup: 'nightly' }, { deleting: true }),
    restore('other', { cassandraBackup: 'weekly' }),
    restore('elsewhere', { storageLocation: 's3://other', snapshotTag: 'nightly', secretName: 's' }),
  ];
  assert.deepEqual(decideDeletion(backup(), restores), { kind: 'remove', tag: TAG });
});

test('Retain wins over a restore: nothing is removed, so nothing waits', () => {
  const user = restore('by-name', { cassandraBackup: 'nightly' });
  assert.deepEqual(decideDeletion(backup({ deletionPolicy: 'Retain' }), [user]), { kind: 'retain' });
});
