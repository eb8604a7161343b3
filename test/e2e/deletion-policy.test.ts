// spec.deletionPolicy end to end on the real stack: the operator process against the real kube-apiserver
// and Temporal dev server, simulated Icarus nodes behind real Pods, their bucket on disk. Delete removes
// the backup from the bucket (one remove-backup) before the resource disappears; Retain leaves it; a
// restore that uses the backup holds the removal until it is done; a run in progress is cancelled first;
// an operator killed during the removal resumes it without a second remove-backup; a cluster gone is
// said on the resource, and Retain lets it go; a schedule's retention and the deletion remove once. The
// world and what the tests do to backups and read of the bucket are in test/support/e2e/deletion.ts.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { CassandraBackupSchedule } from '../../src/kube/api/resources.js';
import { OVERLAP } from '../../src/temporal/schedule.js';
import { backupRemovalWorkflowId } from '../../src/contract/ids.js';
import { FINALIZER } from '../../src/operator/finalizer.js';
import { type Backups, type Restores, type Schedules, succeeded } from '../support/custom-resources.js';
import {
  BUCKET,
  dataRemoved,
  DeletionWorld,
  everyNodeHas,
  heldRemoval,
  holdRemovals,
  manifests,
  noNodeHas,
  removals,
  spec,
  topologyFile,
} from '../support/e2e/deletion.js';
import { nextSecond } from '../support/e2e/schedule.js';
import { uniqueName } from '../support/stack-env.js';
import { eventually } from '../support/wait.js';

const world = new DeletionWorld();
const { cluster, succeededBackup, whenDataRemoved, remove, gone, setPolicy, startReady } = world;
let kc: KubeConfig;
let namespace: string;
let temporal: DeletionWorld['temporal'];
let backups: Backups;
let restores: Restores;
let schedules: Schedules;

before(async () => {
  ({ kc, namespace, temporal, backups, restores, schedules } = await world.start());
});
after(() => world.stop());

test('Delete removes the backup from the bucket before the resource disappears; Retain leaves it there', async () => {
  const c = await cluster();
  const [deleted, deletedTag] = await succeededBackup(c, { deletionPolicy: 'Delete' });
  const [kept, keptTag] = await succeededBackup(c, {});
  assert.equal((await backups.get(kept)).spec.deletionPolicy, 'Retain', 'the default');
  assert.ok(everyNodeHas(c, deletedTag) && everyNodeHas(c, keptTag));
  assert.ok(existsSync(topologyFile(c, deletedTag)));

  holdRemovals(c);
  await remove(kept);
  await remove(deleted);
  await gone(kept);
  assert.ok(everyNodeHas(c, keptTag), 'Retain: the data stays');
  assert.ok(existsSync(topologyFile(c, keptTag)));
  assert.deepEqual(removals(c, keptTag), []);

  // While Icarus removes it, the resource stays, with its finalizer, and says so.
  await heldRemoval(c);
  const removing = await whenDataRemoved(deleted, 'RemovingBackup');
  assert.equal(removing.status, 'Unknown');
  assert.deepEqual(removing.backup.metadata.finalizers, [FINALIZER]);
  assert.ok(removing.backup.metadata.deletionTimestamp);
  assert.ok(everyNodeHas(c, deletedTag), 'nothing removed yet');

  c.cluster.nodes.forEach((n) => n.simulator.release());
  await gone(deleted);
  assert.ok(noNodeHas(c, deletedTag), `manifests left: ${JSON.stringify(manifests(c))}`);
  assert.ok(!existsSync(topologyFile(c, deletedTag)), 'the topology file goes too');
  assert.ok(everyNodeHas(c, keptTag), 'the other backup stays');
  const sent = removals(c, deletedTag);
  assert.equal(sent.length, 1, 'one remove-backup, on one sidecar, for every node folder');
  assert.equal(sent[0]?.request.globalRequest, true);
  const reasons = (await backups.events(deleted)).map((e) => e.reason);
  assert.ok(reasons.includes('RemovingBackup') && reasons.includes('BackupRemoved'), reasons.join(', '));
});

test('a restore that uses the backup holds its removal until the restore has succeeded', async () => {
  const c = await cluster();
  const [name, tag] = await succeededBackup(c, { deletionPolicy: 'Delete' });
  for (const n of c.cluster.nodes) n.simulator.hold({ type: 'restore', phase: 'DOWNLOAD', atProgress: 0.5 });
  const restore = uniqueName('uses');
  await restores.create(restore, { cassandraCluster: c.cluster.opts.name, cassandraBackup: name });
  await eventually('every node downloading, held', () =>
    Promise.resolve(c.cluster.nodes.every((n) => n.simulator.heldCount() === 1) || undefined),
  );

  await remove(name);
  const held = await whenDataRemoved(name, 'BackupInUse');
  assert.equal(held.status, 'False');
  assert.match(held.message, new RegExp(`CassandraRestore ${restore} still uses backup ${tag}`));
  assert.match(held.message, /set spec\.deletionPolicy to Retain/);
  await backups.waitForEvent(name, 'BackupInUse', 'Normal');
  assert.deepEqual(removals(c, tag), [], 'nothing removed while the restore reads it');
  assert.ok(everyNodeHas(c, tag));

  c.cluster.nodes.forEach((n) => n.simulator.release());
  await restores.waitFor(restore, 'Succeeded=True', (r) => succeeded(r) === 'True');
  await gone(name);
  assert.ok(noNodeHas(c, tag));
  assert.equal(removals(c, tag).length, 1);
  const removedAt = removals(c, tag)[0]?.at ?? '';
  const restored = await restores.get(restore);
  assert.ok(
    removedAt >= (restored.status?.completionTime ?? '~'),
    `removed at ${removedAt}, after the restore ended at ${restored.status?.completionTime}`,
  );
});

test('deleting a running backup cancels it first, then removes what its finished nodes wrote', async () => {
  const c = await cluster();
  const [, ...others] = c.cluster.nodes;
  // Node 0 finishes; the others stay uploading until released. A rate-limited upload is what Icarus
  // can cancel (docs/icarus.md).
  for (const n of others) n.simulator.hold({ type: 'backup', atProgress: 0.5 });
  const name = uniqueName('partial');
  await backups.create(name, spec(c, { deletionPolicy: 'Delete', bandwidth: { value: 10, unit: 'MBPS' } }));
  const running = await backups.waitFor(
    name,
    'node 0 done, the others held',
    (b) =>
      (b.status?.nodes ?? []).filter((n) => n.state === 'COMPLETED').length === 1 &&
      others.every((n) => n.simulator.heldCount() === 1),
  );
  const tag = running.status?.snapshotTag ?? '';
  assert.deepEqual(
    manifests(c).map((m) => m.includes(tag)),
    [true, false, false],
  );

  await remove(name);
  const operations = others.map(
    (n) => n.simulator.received.find((r) => r.type === 'backup')?.operationId ?? '',
  );
  await eventually('the held uploads asked to cancel', () =>
    Promise.resolve(
      others.every((n, i) => n.simulator.operation(operations[i] ?? '')?.cancelRequested) || undefined,
    ),
  );
  assert.deepEqual(removals(c, tag), [], 'nothing removed while the run still runs');
  others.forEach((n) => n.simulator.release());

  await gone(name);
  assert.ok(noNodeHas(c, tag), `manifests left: ${JSON.stringify(manifests(c))}`);
  const [removal, ...more] = removals(c, tag);
  assert.ok(removal && more.length === 0, 'one remove-backup');
  for (const [i, n] of others.entries()) {
    const op = n.simulator.operation(operations[i] ?? '');
    assert.equal(op?.state, 'FAILED', 'the upload was cancelled');
    assert.ok((op?.completionTime ?? '~') <= removal.at, 'and had ended before the removal was sent');
  }
  const reasons = (await backups.events(name)).map((e) => e.reason);
  assert.ok(reasons.includes('BackupCancelled') && reasons.includes('BackupRemoved'), reasons.join(', '));
});

test('an operator killed during the removal: the next one resumes it, following the remove-backup already sent', async () => {
  const c = await cluster();
  const [name, tag] = await succeededBackup(c, { deletionPolicy: 'Delete' });
  holdRemovals(c);
  await remove(name);
  const node = await heldRemoval(c);

  await world.operator.kill();
  const seen = node.simulator.requests;
  world.operator = await startReady();
  // The new worker's try (after the dead one's heartbeat time-out) reads the removal still held.
  await eventually('the new worker polling the held removal', () =>
    Promise.resolve(node.simulator.requests >= seen + 2 || undefined),
  );
  assert.ok((await backups.get(name)).metadata.finalizers?.includes(FINALIZER), 'still held');
  node.simulator.release();

  await gone(name);
  assert.ok(noNodeHas(c, tag));
  assert.equal(removals(c, tag).length, 1, 'the removal was followed, not sent again');
});

test('a cluster gone at deletion time is said on the resource and retried; deletionPolicy Retain lets it go', async () => {
  const c = await cluster(1);
  const [name, tag] = await succeededBackup(c, { deletionPolicy: 'Delete' });
  const core = kc.makeApiClient(CoreV1Api);
  for (const pod of c.pods) await core.deleteNamespacedPod({ namespace, name: pod, gracePeriodSeconds: 0 });

  await remove(name);
  const stuck = await whenDataRemoved(name, 'NoCassandraPods');
  assert.equal(stuck.status, 'False');
  assert.match(stuck.message, new RegExp(`Backup ${tag} could not be removed from s3://${BUCKET} yet`));
  assert.match(stuck.message, /set spec\.deletionPolicy to Retain/);
  await backups.waitForEvent(name, 'NoCassandraPods', 'Warning');
  // Tried again with backoff: still there, still saying why, one Event for the one reason.
  const workflowId = backupRemovalWorkflowId(namespace, name, stuck.backup.metadata.uid ?? '');
  await eventually('a third try', async () => {
    const { events } = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
    return (events ?? []).filter((e) => e.activityTaskCompletedEventAttributes).length >= 3 || undefined;
  });
  assert.equal(dataRemoved(await backups.get(name))?.reason, 'NoCassandraPods');
  assert.equal((await backups.events(name)).filter((e) => e.reason === 'NoCassandraPods').length, 1);

  await setPolicy(name, 'Retain');
  await gone(name);
  assert.ok(everyNodeHas(c, tag), 'the data stays');
  assert.deepEqual(removals(c, tag), []);
  await backups.waitForEvent(name, 'BackupRetained', 'Normal');
});

test("a schedule's retention removes a Delete backup once: its deletion finds nothing left to remove", async () => {
  const c = await cluster();
  const name = uniqueName('sched');
  await schedules.create(name, {
    schedules: ['0 3 * * *'],
    retention: { keepLast: 1 },
    backupTemplate: { spec: spec(c, { deletionPolicy: 'Delete' }) },
  });
  const ready = await schedules.waitFor(name, 'Ready', (s) => !!s.status?.scheduleId);
  const made: string[] = [];
  /** One run, triggered now; resolves once it is recorded, retention included. */
  const run = async (): Promise<CassandraBackupSchedule> => {
    await nextSecond(); // backups are named after their run's second
    await temporal.client.schedule.getHandle(ready.status?.scheduleId ?? '').trigger(OVERLAP.Forbid);
    const backup = await eventually("the run's backup", async () =>
      (await backups.ofSchedule(name)).find((b) => !made.includes(b.metadata.name ?? '')),
    );
    made.push(backup.metadata.name ?? '');
    return schedules.waitFor(
      name,
      `run of ${backup.metadata.name} recorded`,
      (s) =>
        s.status?.lastBackup === backup.metadata.name &&
        s.status?.lastResult === 'Succeeded' &&
        (s.status?.active ?? []).length === 0,
    );
  };
  await run();
  const [oldest] = await backups.ofSchedule(name);
  const oldTag = oldest?.status?.snapshotTag ?? '';
  assert.equal(oldest?.spec.deletionPolicy, 'Delete', 'from the template');
  assert.ok(everyNodeHas(c, oldTag));

  const second = await run();
  assert.deepEqual(second.status?.retention?.removed, [oldest?.metadata.name]);
  await gone(oldest?.metadata.name ?? '');
  assert.ok(noNodeHas(c, oldTag));
  assert.equal(removals(c, oldTag).length, 1, 'retention removed it; the deletion did not again');
  const events = await backups.events(oldest?.metadata.name ?? '');
  assert.ok(
    events.some((e) => e.reason === 'NothingToRemove'),
    events.map((e) => e.reason).join(', '),
  );
});
