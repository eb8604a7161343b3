// The activities of a scheduled run on the real kube-apiserver: a run repeated for the same due time
// finds its backup instead of making a second one, a name taken by another backup is refused, runs that
// end out of order leave the newest run in the status, a gone schedule stops its runs, and with
// verifyBackups a backup that succeeded gets its verify once.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ActivityDeps } from '../../activities/deps.js';
import { endScheduledRun, startScheduledRun } from '../../activities/schedule-run.js';
import {
  resourceNames,
  type CassandraBackup,
  type CassandraBackupSchedule,
  type CassandraRestore,
} from '../../src/kube/api/resources.js';
import { StatusWriter, statusApi } from '../../src/kube/status-writer.js';
import { createLogger } from '../../src/logger.js';
import { inActivity } from '../support/activity-env.js';
import { createNamespace, kubeConfig, uniqueName } from '../support/stack-env.js';

const kc = kubeConfig();
const custom = kc.makeApiClient(CustomObjectsApi);
const core = kc.makeApiClient(CoreV1Api);
const deps = {
  custom,
  core,
  logger: createLogger('silent'),
  statusWriter: new StatusWriter(statusApi(custom), { maxWritesPerSecond: 10 }),
} as unknown as ActivityDeps;
let namespace: string;

before(async () => {
  namespace = await createNamespace(kc, 'scheduled-run');
});

async function createSchedule(
  name = uniqueName('sched'),
  extra: Record<string, unknown> = {},
): Promise<CassandraBackupSchedule> {
  return (await custom.createNamespacedCustomObject({
    ...resourceNames.CassandraBackupSchedule,
    namespace,
    body: {
      apiVersion: 'db.ibm.com/v1alpha1',
      kind: 'CassandraBackupSchedule',
      metadata: { name },
      spec: {
        schedules: ['0 2 * * *'],
        backupTemplate: {
          metadata: { labels: { team: 'a' } },
          spec: { cassandraCluster: 'c1', storageLocation: 's3://b', secretName: 's', snapshotTag: 'prod' },
        },
        ...extra,
      },
    },
  })) as CassandraBackupSchedule;
}

const keyOf = (s: CassandraBackupSchedule) => ({
  namespace,
  name: s.metadata.name ?? '',
  uid: s.metadata.uid ?? '',
});

const run = <R>(body: () => Promise<R>) => inActivity(new MockActivityEnvironment(), body);

async function read(name: string): Promise<CassandraBackupSchedule> {
  return (await custom.getNamespacedCustomObject({
    ...resourceNames.CassandraBackupSchedule,
    namespace,
    name,
  })) as CassandraBackupSchedule;
}

test('the same due time twice: one backup, found the second time; the tag carries the run time', async () => {
  const s = await createSchedule();
  const scheduledAt = '2026-11-24T02:00:00.000Z';
  const first = await run(() => startScheduledRun(deps, { schedule: keyOf(s), scheduledAt }));
  const second = await run(() => startScheduledRun(deps, { schedule: keyOf(s), scheduledAt }));
  assert.ok('backup' in first && 'backup' in second);
  assert.equal(first.created, true);
  assert.equal(second.created, false);
  assert.deepEqual(second.backup, first.backup);
  const backup = (await custom.getNamespacedCustomObject({
    ...resourceNames.CassandraBackup,
    namespace,
    name: first.backup.name,
  })) as CassandraBackup;
  assert.equal(backup.metadata.name, `${s.metadata.name}-20261124-020000`);
  assert.equal(backup.spec.snapshotTag, 'prod-20261124-020000');
  const status = (await read(s.metadata.name ?? '')).status;
  assert.equal(status?.lastScheduleTime, scheduledAt);
  assert.equal(status?.lastResult, 'Running');
  assert.deepEqual(status?.active, [first.backup.name]);
  const events = await core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.name=${s.metadata.name},reason=BackupCreated`,
  });
  assert.equal(events.items.length, 1, 'one BackupCreated Event');
});

test('a name taken by a backup that is not the schedule’s is refused, not adopted', async () => {
  const s = await createSchedule();
  await custom.createNamespacedCustomObject({
    ...resourceNames.CassandraBackup,
    namespace,
    body: {
      apiVersion: 'db.ibm.com/v1alpha1',
      kind: 'CassandraBackup',
      metadata: { name: `${s.metadata.name}-20261124-030000` },
      spec: { cassandraCluster: 'c1', storageLocation: 's3://b', secretName: 's' },
    },
  });
  const err = await run(() =>
    startScheduledRun(deps, { schedule: keyOf(s), scheduledAt: '2026-11-24T03:00:00Z' }),
  ).catch((e: unknown) => e);
  assert.ok(err instanceof ApplicationFailure, String(err));
  assert.equal(err.type, 'BackupNameTaken');
  assert.equal(err.nonRetryable, true);
});

test('runs that end out of order leave the newest run in the status; a gone schedule stops its runs', async () => {
  const s = await createSchedule();
  const at = (h: number) => `2026-11-24T0${h}:00:00.000Z`;
  const older = await run(() => startScheduledRun(deps, { schedule: keyOf(s), scheduledAt: at(4) }));
  const newer = await run(() => startScheduledRun(deps, { schedule: keyOf(s), scheduledAt: at(5) }));
  assert.ok('backup' in older && 'backup' in newer);
  await run(() =>
    endScheduledRun(deps, {
      schedule: keyOf(s),
      backup: older.backup,
      scheduledAt: at(4),
      outcome: { result: 'Succeeded' },
    }),
  );
  const status = (await read(s.metadata.name ?? '')).status;
  assert.equal(status?.lastBackup, newer.backup.name, 'the older run does not overwrite the newer one');
  assert.equal(status?.lastResult, 'Running');
  assert.equal(status?.lastSuccessfulTime, at(4), 'but its success counts');

  const gone = await run(() =>
    startScheduledRun(deps, { schedule: { ...keyOf(s), uid: 'another-uid' }, scheduledAt: at(6) }),
  );
  assert.deepEqual(gone, { gone: true });
});

test('verifyBackups: a backup that succeeded gets its verify <backup>-verify, owned by it, once; a name taken is said', async () => {
  const s = await createSchedule(uniqueName('sched'), { verifyBackups: true });
  const schedule = keyOf(s);
  const verifies = async () =>
    (
      (await custom.listNamespacedCustomObject({ ...resourceNames.CassandraRestore, namespace })) as {
        items: CassandraRestore[];
      }
    ).items.filter((r) => r.metadata.name?.startsWith(s.metadata.name ?? '?'));
  const events = async (reason: string) =>
    (
      await core.listNamespacedEvent({
        namespace,
        fieldSelector: `involvedObject.name=${s.metadata.name},reason=${reason}`,
      })
    ).items;
  const end = async (scheduledAt: string, result: 'Succeeded' | 'Failed') => {
    const started = await run(() => startScheduledRun(deps, { schedule, scheduledAt }));
    assert.ok('backup' in started);
    await run(() =>
      endScheduledRun(deps, { schedule, backup: started.backup, scheduledAt, outcome: { result } }),
    );
    return started.backup;
  };

  const failed = await end('2026-11-24T01:00:00.000Z', 'Failed');
  assert.deepEqual(await verifies(), [], `no verify of ${failed.name}, which failed`);
  const backup = await end('2026-11-24T02:00:00.000Z', 'Succeeded');
  // The run's end again (a retried activity): no second verify, no second Event.
  await run(() =>
    endScheduledRun(deps, {
      schedule,
      backup,
      scheduledAt: '2026-11-24T02:00:00.000Z',
      outcome: { result: 'Succeeded' },
    }),
  );
  const [made, ...more] = await verifies();
  assert.deepEqual(more, []);
  assert.equal(made?.metadata.name, `${backup.name}-verify`);
  assert.deepEqual(
    {
      cassandraCluster: made?.spec.cassandraCluster,
      cassandraBackup: made?.spec.cassandraBackup,
      mode: made?.spec.mode,
    },
    { cassandraCluster: 'c1', cassandraBackup: backup.name, mode: 'Verify' },
  );
  assert.deepEqual(
    made?.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid]),
    [['CassandraBackup', backup.name, backup.uid]],
    'owned by the backup: deleted with it',
  );
  assert.equal(made?.metadata.labels?.['db.ibm.com/backup-schedule'], s.metadata.name);
  assert.equal((await events('VerifyCreated')).length, 1);

  // Another resource under the next verify's name: said on the schedule, nothing adopted.
  await custom.createNamespacedCustomObject({
    ...resourceNames.CassandraRestore,
    namespace,
    body: {
      apiVersion: 'db.ibm.com/v1alpha1',
      kind: 'CassandraRestore',
      metadata: { name: `${s.metadata.name}-20261124-030000-verify` },
      spec: { cassandraCluster: 'c1', cassandraBackup: 'someone-else' },
    },
  });
  await end('2026-11-24T03:00:00.000Z', 'Succeeded');
  const [taken] = await events('VerifyNotCreated');
  assert.match(taken?.message ?? '', /exists and does not belong to the backup/);
  assert.equal(taken?.type, 'Warning');
});
