// CassandraBackupSchedule end to end on the real stack: the operator process against the real
// kube-apiserver and Temporal dev server (its Temporal Schedules), with simulated Icarus nodes behind
// real Pods. Runs are triggered (or backfilled) through Temporal rather than waited for on the clock.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { ScheduleNotFoundError } from '@temporalio/client';
import { resolveTemporalCli } from '../../dev/stack/temporal-cli.js';
import { clusterId } from '../../src/icarus/requests.js';
import {
  resourceNames,
  type CassandraBackup,
  type CassandraBackupSchedule,
} from '../../src/kube/api/resources.js';
import { SCHEDULE_FINALIZER } from '../../src/operator/finalizer.js';
import { SCHEDULED_TIME_ANNOTATION, runStamp } from '../../src/schedule/backup-name.js';
import { OVERLAP } from '../../src/temporal/schedule.js';
import { scheduleIdOf } from '../../src/contract/ids.js';
import { createS3Secret, startPodCluster, type PodCluster } from '../support/cassandra-pods.js';
import { Backups, Restores, Schedules, succeeded } from '../support/custom-resources.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import {
  createNamespace,
  kubeConfig,
  temporalAddress,
  temporalClient,
  temporalNamespace,
  uniqueName,
} from '../support/stack-env.js';
import { eventually } from '../support/wait.js';
import { errorCode } from '../../src/contract/error-code.js';

let kc: KubeConfig;
let custom: CustomObjectsApi;
let namespace: string;
let temporal: Awaited<ReturnType<typeof temporalClient>>;
let schedules: Schedules;
let backups: Backups;
let restores: Restores;
let operator: OperatorProcess;
const clusters: PodCluster[] = [];
const taskQueue = uniqueName('e2e-schedule');
const BUCKET = 'sched-bucket';

before(async () => {
  kc = kubeConfig();
  custom = kc.makeApiClient(CustomObjectsApi);
  namespace = await createNamespace(kc, 'e2e-schedule');
  temporal = await temporalClient();
  const logs = () => operator?.logs.slice(-30).join('\n') ?? '';
  schedules = new Schedules(kc, namespace, logs);
  backups = new Backups(kc, namespace, logs);
  restores = new Restores(kc, namespace, logs);
  await createS3Secret(kc, namespace, 'creds');
  operator = startOperator({
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ICARUS_POLL_INTERVAL_MS: '200',
    STATUS_WRITES_PER_SECOND: '4',
    ICARUS_GENERATION: '3',
    RESYNC_SECONDS: '5',
    RETRY_WINDOW_SECONDS: '600',
  });
  await operator.waitForLog(/Watching CassandraBackupSchedules/);
  await operator.waitForLog(/Worker running/);
});

after(async () => {
  await operator?.stop();
  await Promise.all(clusters.map((c) => c.stop()));
  await temporal?.close();
});

async function cluster(durationMs = 800): Promise<PodCluster> {
  const c = await startPodCluster(kc, namespace, {
    name: uniqueName('ring'),
    datacenters: { dc1: 3 },
    timing: { durationMs, pendingMs: 50 },
    buckets: [`s3://${BUCKET}`],
  });
  clusters.push(c);
  return c;
}

function spec(c: PodCluster, extra: Record<string, unknown> = {}, template: Record<string, unknown> = {}) {
  return {
    schedules: ['0 3 * * *'],
    timeZone: 'Europe/Paris',
    backupTemplate: {
      metadata: { labels: { team: 'storage' } },
      spec: {
        cassandraCluster: c.cluster.opts.name,
        storageLocation: `s3://${BUCKET}`,
        secretName: 'creds',
        ...template,
      },
    },
    ...extra,
  };
}

const readyCondition = (s: CassandraBackupSchedule) => s.status?.conditions?.find((c) => c.type === 'Ready');

async function createReady(name: string, body: Record<string, unknown>): Promise<CassandraBackupSchedule> {
  await schedules.create(name, body);
  return schedules.waitFor(
    name,
    'Ready',
    (s) => readyCondition(s)?.status === 'True' && !!s.status?.scheduleId,
  );
}

async function patchSpec(name: string, specPatch: Record<string, unknown>): Promise<void> {
  await custom.patchNamespacedCustomObject(
    { ...resourceNames.CassandraBackupSchedule, namespace, name, body: { spec: specPatch } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

function handleOf(s: CassandraBackupSchedule) {
  return temporal.client.schedule.getHandle(s.status?.scheduleId ?? '');
}

/** Runs the schedule now, with its own concurrency policy (the SDK's default would be ALLOW_ALL). */
async function trigger(s: CassandraBackupSchedule): Promise<void> {
  await handleOf(s).trigger(OVERLAP[s.spec.concurrencyPolicy]);
}

/** The schedule's backups, oldest first. */

async function backupCount(schedule: string, count: number): Promise<CassandraBackup[]> {
  return eventually(`${count} backup(s) of ${schedule}`, async () => {
    const list = await backups.ofSchedule(schedule);
    return list.length === count ? list : undefined;
  });
}

/** The manifests in storage, per node of the cluster: the backups that are really there. */
function manifestsInStorage(c: PodCluster): string[][] {
  return c.cluster.nodes.map((n) => {
    const dir = join(
      c.storageRoot,
      's3',
      BUCKET,
      clusterId(c.cluster.opts.name),
      n.identity.dc,
      n.identity.hostId,
      'manifests',
    );
    return existsSync(dir)
      ? readdirSync(dir)
          .map((f) => f.replace(/\.json$/, ''))
          .sort()
      : [];
  });
}

async function ran(schedule: string, backup: string, result = 'Succeeded'): Promise<CassandraBackupSchedule> {
  return schedules.waitFor(
    schedule,
    `run of ${backup} recorded as ${result}`,
    (s) =>
      s.status?.lastBackup === backup &&
      s.status.lastResult === result &&
      (s.status.active ?? []).length === 0,
  );
}

/** The latest 03:00 in Paris at least two hours ago. */
function lastParis3am(): Date {
  const hourIn = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Paris',
    hour: '2-digit',
    hourCycle: 'h23',
  });
  let t = Math.floor((Date.now() - 2 * 3600_000) / 3600_000) * 3600_000;
  while (hourIn.format(new Date(t)) !== '03') t -= 3600_000;
  return new Date(t);
}

/** Waits until the next whole second: backups are named after their run's time, to the second. */
async function nextSecond(): Promise<void> {
  await sleep(1100 - (Date.now() % 1000));
}

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

test('concurrencyPolicy: Forbid skips a run due while a backup runs, Allow runs both, Replace cancels the first', async () => {
  const slow = await cluster(6000);
  const rateLimited = { bandwidth: { value: 10, unit: 'MBPS' } };
  const running = (b: CassandraBackup) => b.status?.state === 'RUNNING';

  const forbid = uniqueName('forbid');
  const f = await createReady(forbid, spec(slow, { concurrencyPolicy: 'Forbid' }, rateLimited));
  await trigger(f);
  const [first] = await backupCount(forbid, 1);
  await backups.waitFor(first?.metadata.name ?? '', 'running', running);
  await trigger(f);
  await eventually('the skipped run to be counted', async () =>
    (await handleOf(f).describe()).info.numActionsSkippedOverlap >= 1 ? true : undefined,
  );
  await ran(forbid, first?.metadata.name ?? '');
  assert.equal((await backups.ofSchedule(forbid)).length, 1, 'Forbid: no second backup');

  const allow = uniqueName('allow');
  const a = await createReady(allow, spec(slow, { concurrencyPolicy: 'Allow' }, rateLimited));
  await trigger(a);
  const [a1] = await backupCount(allow, 1);
  await backups.waitFor(a1?.metadata.name ?? '', 'running', running);
  await nextSecond();
  await trigger(a);
  const both = await backupCount(allow, 2);
  const overlapping = await schedules.waitFor(
    allow,
    'two active backups',
    (s) => (s.status?.active ?? []).length === 2,
  );
  assert.deepEqual(overlapping.status?.active, both.map((b) => b.metadata.name).sort());
  for (const b of both)
    await backups.waitFor(b.metadata.name ?? '', 'Succeeded', (x) => succeeded(x) === 'True');

  const replace = uniqueName('replace');
  const r = await createReady(replace, spec(slow, { concurrencyPolicy: 'Replace' }, rateLimited));
  await trigger(r);
  const [r1] = await backupCount(replace, 1);
  await backups.waitFor(r1?.metadata.name ?? '', 'running', running);
  await nextSecond();
  await trigger(r);
  const replaced = await backups.waitFor(
    r1?.metadata.name ?? '',
    'CANCELLED',
    (b) => b.status?.state === 'CANCELLED',
  );
  assert.equal(succeeded(replaced), 'False');
  const [, r2] = await backupCount(replace, 2);
  const second = await backups.waitFor(r2?.metadata.name ?? '', 'Succeeded', (b) => succeeded(b) === 'True');
  assert.ok(
    Date.parse(second.metadata.creationTimestamp as unknown as string) >=
      Math.floor(Date.parse(replaced.status?.completionTime ?? '') / 1000) * 1000,
    'the new backup started after the replaced one ended',
  );
  await ran(replace, r2?.metadata.name ?? '');
  await schedules.waitForEvent(replace, 'BackupCancelled');
});

test('retention keeps exactly the newest N in storage and in the API; dry only reports; a backup a restore uses stays', async () => {
  const c = await cluster();
  const name = uniqueName('kept');
  const s = await createReady(name, spec(c, { retention: { keepLast: 2 } }));
  const runs: CassandraBackup[] = [];
  const runOnce = async () => {
    await nextSecond();
    await trigger(s);
    const made = await eventually('the new backup', async () =>
      (await backups.ofSchedule(name)).find((b) => !runs.some((r) => r.metadata.name === b.metadata.name)),
    );
    runs.push(made);
    await ran(name, made.metadata.name ?? '');
    return (await backups.get(made.metadata.name ?? '')).status?.snapshotTag ?? '';
  };
  const tags = [];
  for (let i = 0; i < 4; i++) tags.push(await runOnce());

  const names = runs.map((b) => b.metadata.name ?? '');
  assert.deepEqual(
    (await backups.ofSchedule(name)).map((b) => b.metadata.name),
    names.slice(2),
    'the API keeps the newest 2',
  );
  for (const manifests of manifestsInStorage(c))
    assert.deepEqual(manifests, tags.slice(2).sort(), 'so does storage');
  const topology = readdirSync(join(c.storageRoot, 's3', BUCKET, 'topology')).filter((f) =>
    f.startsWith(name),
  );
  assert.deepEqual(
    topology.sort(),
    tags
      .slice(2)
      .map((t) => `${t}.json`)
      .sort(),
  );
  const removals = c.cluster.nodes.flatMap((n) =>
    n.simulator.received.filter((r) => r.type === 'remove-backup'),
  );
  assert.deepEqual(
    removals.map((r) => r.request.backupName).sort(),
    tags.slice(0, 2).sort(),
    'one removal per backup',
  );
  const after4 = await schedules.get(name);
  assert.deepEqual(after4.status?.retention?.removed, [names[1]]);
  assert.equal(after4.status?.retention?.kept, 2);
  assert.equal((await schedules.events(name)).filter((e) => e.reason === 'BackupRemoved').length, 2);

  // dry: the run reports what would go and removes nothing.
  await patchSpec(name, { retention: { keepLast: 1, dry: true } });
  tags.push(await runOnce());
  const dry = await schedules.get(name);
  assert.deepEqual(dry.status?.retention?.wouldRemove, [runs[3]?.metadata.name, runs[2]?.metadata.name]);
  assert.equal((await backups.ofSchedule(name)).length, 3);
  for (const manifests of manifestsInStorage(c)) assert.deepEqual(manifests, tags.slice(2).sort());
  await schedules.waitForEvent(name, 'RetentionDryRun', 'Normal');

  // A restore of the oldest that has not succeeded (its DOWNLOAD fails) keeps that backup.
  for (const n of c.cluster.nodes)
    n.simulator.failNext({
      type: 'restore',
      phase: 'DOWNLOAD',
      atProgress: 0.1,
      message: 'disk full',
      times: 50,
    });
  const restore = uniqueName('uses-old');
  await restores.create(restore, { cassandraCluster: c.cluster.opts.name, cassandraBackup: names[2] });
  await restores.waitFor(restore, 'Failed', (x) => succeeded(x) === 'False');
  await patchSpec(name, { retention: { keepLast: 1, dry: false } });
  tags.push(await runOnce());
  const protectedRun = await schedules.get(name);
  assert.deepEqual(protectedRun.status?.retention?.protected, [
    `${names[2]} (used by CassandraRestore ${restore})`,
  ]);
  assert.deepEqual(
    (await backups.ofSchedule(name)).map((b) => b.metadata.name),
    [names[2], runs[5]?.metadata.name],
    'the newest, and the one the restore uses',
  );
  for (const manifests of manifestsInStorage(c)) assert.deepEqual(manifests, [tags[2], tags[5]].sort());
  await schedules.waitForEvent(name, 'RetentionProtected', 'Normal');
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
