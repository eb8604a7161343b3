// The defects random fault storms found in backups (issue 19), each on the real stack: the operator
// process against the real kube-apiserver and Temporal dev server, simulated Icarus nodes behind real
// Pods. Each test failed before its fix:
//   - a topology upload that Icarus lost needed a person;
//   - a spec change during a backup was dropped and the backup still said it succeeded;
//   - a backup deleted right after its creation still started operations on its nodes.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';
import proto from '@temporalio/proto';
import { resourceNames } from '../../src/kube/api/resources.js';
import { backupWorkflowId } from '../../src/contract/ids.js';
import { type Backups, backupsPerNode, succeeded } from '../support/custom-resources.js';
import { reasonOf, StormDefectsWorld } from '../support/e2e/storm-defects.js';
import { uniqueName } from '../support/stack-env.js';
import { eventually } from '../support/wait.js';

const { EventType } = proto.temporal.api.enums.v1;

const world = new StormDefectsWorld();
const { cluster } = world;
let custom: CustomObjectsApi;
let namespace: string;
let temporal: StormDefectsWorld['temporal'];
let backups: Backups;

before(async () => {
  ({ custom, namespace, temporal, backups } = await world.start());
});
after(() => world.stop());

test('a topology upload that Icarus lost is submitted again and the backup completes', async () => {
  const c = await cluster();
  const first = c.cluster.nodes[0]!;
  first.simulator.hold({ type: 'backup', atProgress: 0.5, topologyUpload: true });
  const name = uniqueName('backup');
  await backups.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: 's3://storm-bucket',
    secretName: 'creds',
  });
  await eventually('the topology upload held at 50 %', () =>
    Promise.resolve(first.simulator.heldCount() === 1),
  );
  await first.simulator.restart();
  first.simulator.release();

  const done = await backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
  assert.equal(done.status?.state, 'COMPLETED');
  assert.deepEqual(backupsPerNode(c)[0], { data: 1, topology: 2 }, 'one data backup, the upload sent twice');
  const lost = (await backups.events(name)).filter((e) => e.reason === 'OperationLost');
  assert.equal(lost.length, 1);
  assert.match(lost[0]?.message ?? '', /topology upload .* submitted again/);
  const tag = done.status?.snapshotTag ?? '';
  const bucket = c.cluster.storage.bucketDirOf(
    c.cluster.storage.nodeDir('s3://storm-bucket', first.identity),
  );
  assert.ok(existsSync(join(bucket, 'topology', `${tag}.json`)), 'the topology file is in storage');
});

test('the spec of a running backup cannot change; a change while it plans restarts it with the new spec', async () => {
  const c = await cluster(1500);
  c.cluster.nodes.forEach((n) => n.simulator.hold({ type: 'backup', atProgress: 0.5 }));
  const name = uniqueName('backup');
  await backups.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: 's3://old-bucket',
    secretName: 'creds',
  });
  await backups.waitFor(name, 'RUNNING', (b) => b.status?.state === 'RUNNING');
  const patch = (storageLocation: string) =>
    custom.patchNamespacedCustomObject(
      { ...resourceNames.CassandraBackup, namespace, name, body: { spec: { storageLocation } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  await assert.rejects(patch('s3://new-bucket'), (err: { code?: number; body?: unknown }) => {
    assert.equal(err.code, 422);
    assert.match(String(err.body), /the spec of a running backup cannot change/);
    return true;
  });
  c.cluster.nodes.forEach((n) => n.simulator.release());
  await backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');

  // While it plans (the sidecars hang), the spec may change: the attempt stops and starts again.
  const d = await cluster(800);
  d.cluster.nodes.forEach((n) => (n.simulator.faults.hang = true));
  const second = uniqueName('backup');
  await backups.create(second, {
    cassandraCluster: d.cluster.opts.name,
    storageLocation: 's3://old-bucket',
    secretName: 'creds',
  });
  await backups.waitFor(second, 'Planning', (b) => reasonOf(b) === 'Planning');
  await custom.patchNamespacedCustomObject(
    {
      ...resourceNames.CassandraBackup,
      namespace,
      name: second,
      body: { spec: { storageLocation: 's3://new-bucket' } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await backups.waitForEvent(second, 'SpecChanged', 'Normal');
  d.cluster.nodes.forEach((n) => (n.simulator.faults.hang = false));
  const done = await backups.waitFor(second, 'Succeeded=True', (b) => succeeded(b) === 'True');
  assert.equal(done.status?.observedGeneration, done.metadata.generation);
  assert.equal(done.metadata.generation, 2);
  const locations = d.cluster.nodes.flatMap((n) =>
    n.simulator.received.filter((r) => r.type === 'backup').map((r) => String(r.request.storageLocation)),
  );
  assert.ok(locations.length >= 3);
  assert.ok(
    locations.every((l) => l.startsWith('s3://new-bucket/')),
    `every operation went to the new location: ${locations.join(', ')}`,
  );
});

test('a backup deleted right after its creation starts nothing on its nodes', async () => {
  const c = await cluster(5000);
  const names = [0, 10, 25, 50].map((delay) => ({ delay, name: uniqueName(`gone-${delay}`) }));
  const uids = new Map<string, string>();
  await Promise.all(
    names.map(async ({ delay, name }) => {
      const created = await backups.create(name, {
        cassandraCluster: c.cluster.opts.name,
        storageLocation: 's3://storm-bucket',
        secretName: 'creds',
      });
      uids.set(name, created.metadata.uid ?? '');
      await new Promise((r) => setTimeout(r, delay)); // the user's delay, not a wait for the system
      await custom.deleteNamespacedCustomObject({ ...resourceNames.CassandraBackup, namespace, name });
    }),
  );
  for (const { name } of names) {
    await eventually(
      `${name} gone`,
      async () => (await backups.get(name).catch(() => undefined)) === undefined,
    );
  }
  for (const { name } of names) {
    const handle = temporal.client.workflow.getHandle(
      backupWorkflowId(namespace, name, uids.get(name) ?? ''),
    );
    const history = await handle.fetchHistory().catch(() => undefined);
    if (!history) continue; // deleted before the operator started anything
    const events = history.events ?? [];
    const cancelAt = events.findIndex(
      (e) =>
        e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED &&
        e.workflowExecutionSignaledEventAttributes?.signalName === 'cancel',
    );
    const submittedAfter = events
      .slice(cancelAt < 0 ? events.length : cancelAt)
      .filter(
        (e) =>
          e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED &&
          e.activityTaskScheduledEventAttributes?.activityType?.name === 'submitBackup',
      );
    assert.equal(submittedAfter.length, 0, `${name}: no submission scheduled after the cancel signal`);
  }
  // No operation of these backups ran to COMPLETED: none was started, or each was stopped.
  const completed = c.cluster.nodes.flatMap((n) =>
    n.simulator.received
      .filter((r) => r.type === 'backup' && n.simulator.stateOf(r.operationId) === 'COMPLETED')
      .map((r) => String(r.request.snapshotTag)),
  );
  assert.deepEqual(completed, []);
  for (const { name } of names) {
    for (const e of (await backups.events(name)).filter((x) => x.reason === 'BackupCancelled')) {
      assert.doesNotMatch(e.message, /stopped|completed/, `${name}: ${e.message}`);
    }
  }
});
