// CassandraBackupSchedule end to end on the real stack, its policies: the operator process against the
// real kube-apiserver and Temporal dev server (its Temporal Schedules), with simulated Icarus nodes behind
// real Pods. concurrencyPolicy: Forbid skips a run due while a backup runs, Allow runs both, Replace
// cancels the first; retention keeps exactly the newest N in storage and in the API, dry only reports,
// and a backup a restore uses stays. Runs are triggered through Temporal rather than waited for on the
// clock.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CassandraBackup } from '../../src/kube/api/resources.js';
import { type Backups, type Restores, type Schedules, succeeded } from '../support/custom-resources.js';
import { BUCKET, manifestsInStorage, nextSecond, ScheduleWorld, spec } from '../support/e2e/schedule.js';
import { uniqueName } from '../support/stack-env.js';
import { eventually } from '../support/wait.js';

const world = new ScheduleWorld();
const { cluster, createReady, patchSpec, handleOf, trigger, backupCount, ran } = world;
let schedules: Schedules;
let backups: Backups;
let restores: Restores;

before(async () => {
  ({ schedules, backups, restores } = await world.start());
});
after(() => world.stop());

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
