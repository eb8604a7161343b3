// CassandraBackupSchedule end to end on the real stack, its life: the operator process against the real
// kube-apiserver and Temporal dev server (its Temporal Schedules), with simulated Icarus nodes behind real
// Pods. A schedule is one Temporal Schedule; a triggered run makes one backup, owned and named after its
// time, and a missed run backfilled is named after the time it was due; suspend pauses it; a cron
// Temporal cannot read, or a backup name taken by another, is refused where users look; deletion removes
// it. Runs are triggered (or backfilled) through Temporal rather than waited for on the clock.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { ScheduleNotFoundError } from '@temporalio/client';
import { resolveTemporalCli } from '../../dev/stack/temporal-cli.js';
import { resourceNames } from '../../src/kube/api/resources.js';
import { SCHEDULE_FINALIZER } from '../../src/operator/finalizer.js';
import { SCHEDULED_TIME_ANNOTATION, runStamp } from '../../src/schedule/backup-name.js';
import { scheduleIdOf } from '../../src/contract/ids.js';
import { type Backups, type Schedules, succeeded } from '../support/custom-resources.js';
import { BUCKET, lastParis3am, readyCondition, ScheduleWorld, spec } from '../support/e2e/schedule.js';
import { temporalAddress, temporalNamespace, uniqueName } from '../support/stack-env.js';
import { eventually } from '../support/wait.js';
import { errorCode } from '../../src/contract/error-code.js';

const world = new ScheduleWorld();
const { cluster, createReady, patchSpec, handleOf, trigger, backupCount, ran } = world;
let custom: CustomObjectsApi;
let namespace: string;
let schedules: Schedules;
let backups: Backups;

before(async () => {
  ({ custom, namespace, schedules, backups } = await world.start());
});
after(() => world.stop());

test('a schedule is one Temporal Schedule; a triggered run makes one backup, owned and named after its time', async () => {
  const c = await cluster();
  const name = uniqueName('nightly');
  const created = await createReady(name, spec(c, { schedules: ['0 3 * * *', '30 14 * * 1-5'] }));
  assert.equal(created.status?.scheduleId, scheduleIdOf(namespace, name, created.metadata.uid ?? ''));
  assert.ok(created.metadata.finalizers?.includes(SCHEDULE_FINALIZER));
  assert.ok(Date.parse(created.status?.nextScheduleTime ?? '') > Date.now(), 'the next run is ahead');

  const description = await handleOf(created).describe();
  assert.equal(description.spec.timezone, 'Europe/Paris');
  assert.equal(description.policies.overlap, 'SKIP', 'Forbid by default');
  assert.equal(description.policies.catchupWindow, 3600_000);
  assert.equal(description.action.workflowType, 'scheduledBackupWorkflow');
  assert.equal(description.state.paused, false);
  const cli = await resolveTemporalCli();
  if (cli.kind === 'binary') {
    const { stdout } = await promisify(execFile)(cli.path, [
      'schedule',
      'describe',
      '--schedule-id',
      created.status?.scheduleId ?? '',
      '--address',
      temporalAddress(),
      '--namespace',
      temporalNamespace(),
    ]);
    assert.match(stdout, new RegExp(`ScheduleId\\s+${created.status?.scheduleId ?? ''}`));
    assert.match(stdout, /scheduledBackupWorkflow/);
  }

  await trigger(created);
  const [backup] = await backupCount(name, 1);
  assert.ok(backup);
  const backupName = backup.metadata.name ?? '';
  assert.match(backupName, new RegExp(`^${name}-\\d{8}-\\d{6}$`));
  assert.deepEqual(
    backup.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid, o.controller]),
    [['CassandraBackupSchedule', name, created.metadata.uid, true]],
  );
  assert.equal(backup.metadata.labels?.team, 'storage', 'the template labels are carried');
  assert.ok(backup.metadata.annotations?.[SCHEDULED_TIME_ANNOTATION]);
  const done = await backups.waitFor(backupName, 'Succeeded', (b) => succeeded(b) === 'True');
  assert.match(
    done.status?.snapshotTag ?? '',
    new RegExp(`^${backupName}-`),
    'the tag is the name: run time included',
  );
  const status = (await ran(name, backupName)).status;
  assert.equal(status?.lastSuccessfulTime, status?.lastScheduleTime);
  const reasons = (await schedules.events(name)).map((e) => e.reason);
  for (const reason of ['ScheduleCreated', 'BackupCreated', 'BackupSucceeded'])
    assert.ok(reasons.includes(reason), `no ${reason} Event in ${reasons.join(', ')}`);

  // A run due at 03:00 (Paris) that was missed, backfilled: its backup is named after the time it was due.
  const due = lastParis3am();
  await handleOf(created).backfill({
    start: new Date(due.getTime() - 30_000),
    end: new Date(due.getTime() + 30_000),
    overlap: 'ALLOW_ALL',
  });
  const [missed] = (await backupCount(name, 2)).filter((b) => b.metadata.name !== backupName);
  assert.equal(missed?.metadata.name, `${name}-${runStamp(due)}`);
  assert.equal(missed?.metadata.annotations?.[SCHEDULED_TIME_ANNOTATION], due.toISOString());
  await backups.waitFor(missed?.metadata.name ?? '', 'Succeeded', (b) => succeeded(b) === 'True');
});

test('suspend pauses the Temporal Schedule; a cron Temporal cannot read is refused on the resource; deletion removes the schedule', async () => {
  const c = await cluster();
  const name = uniqueName('paused');
  const s = await createReady(name, spec(c));
  await patchSpec(name, { suspend: true });
  const suspended = await schedules.waitFor(
    name,
    'Suspended',
    (x) => readyCondition(x)?.reason === 'Suspended',
  );
  assert.equal(suspended.status?.nextScheduleTime, undefined, 'no next run while suspended');
  assert.equal((await handleOf(s).describe()).state.paused, true);
  await patchSpec(name, { suspend: false });
  await schedules.waitFor(
    name,
    'resumed',
    (x) => readyCondition(x)?.reason === 'Scheduled' && !!x.status?.nextScheduleTime,
  );
  assert.equal((await handleOf(s).describe()).state.paused, false);
  const reasons = (await schedules.events(name)).map((e) => e.reason);
  assert.ok(reasons.includes('ScheduleSuspended') && reasons.includes('ScheduleResumed'), reasons.join(', '));

  // Five fields, so the API server takes it; Temporal cannot read minute 61.
  const bad = uniqueName('bad-cron');
  await schedules.create(bad, spec(c, { schedules: ['61 * * * *'] }));
  const refused = await schedules.waitFor(bad, 'refused', (x) => readyCondition(x)?.status === 'False');
  assert.equal(readyCondition(refused)?.reason, 'InvalidSchedule');
  assert.match(
    readyCondition(refused)?.message ?? '',
    /Temporal refused the schedule \(61 \* \* \* \* in Europe\/Paris\): Minute is not in range/,
  );
  const warning = (await schedules.events(bad)).find((e) => e.reason === 'InvalidSchedule');
  assert.equal(warning?.type, 'Warning');
  // Fixing it is enough: the schedule is then created.
  await patchSpec(bad, { schedules: ['0 * * * *'] });
  await schedules.waitFor(bad, 'Ready after the fix', (x) => readyCondition(x)?.status === 'True');

  // A run whose backup name is taken by a backup the schedule does not own: refused, where users look.
  const due = lastParis3am();
  await backups.create(`${name}-${runStamp(due)}`, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: `s3://${BUCKET}`,
    secretName: 'creds',
  });
  await handleOf(s).backfill({
    start: new Date(due.getTime() - 30_000),
    end: new Date(due.getTime() + 30_000),
    overlap: 'ALLOW_ALL',
  });
  const failedRun = await schedules.waitFor(
    name,
    'the refused run',
    (x) => x.status?.lastResult === 'Failed',
  );
  assert.equal(failedRun.status?.lastBackup, undefined);
  const taken = (await schedules.events(name)).find((e) => e.reason === 'BackupNameTaken');
  assert.equal(taken?.type, 'Warning');
  assert.match(taken?.message ?? '', /does not belong to this schedule/);

  await custom.deleteNamespacedCustomObject({ ...resourceNames.CassandraBackupSchedule, namespace, name });
  await eventually('the schedule resource to go', async () => {
    try {
      await schedules.get(name);
      return undefined;
    } catch (err) {
      return errorCode(err) === 404 ? true : undefined;
    }
  });
  await assert.rejects(handleOf(s).describe(), ScheduleNotFoundError);
});
