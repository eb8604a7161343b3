// CassandraRestore by backup name, end to end on the real stack: the operator process against the real
// kube-apiserver and Temporal dev server, with simulated Icarus nodes (holding rows per table) behind real
// Pod objects. The deleted rows come back phase by phase with barriers; a failed IMPORT is retried on its
// node alone; a restore of a backup that does not exist yet waits for it; a dc filter whose TRUNCATE
// would empty other datacenters is refused until the spec opts in.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { Worker } from '@temporalio/worker';
import { resourceNames } from '../../src/kube/api/resources.js';
import { restoreWorkflowId } from '../../src/contract/ids.js';
import { retrySignal } from '../../workflows/signals.js';
import { type Backups, type Restores, restoresPerNode, succeeded } from '../support/custom-resources.js';
import { deleteRows, phaseCounts, RestoreWorld, rowsOf } from '../support/e2e/restore.js';
import { kubectlWaitSucceeded } from '../support/kubectl.js';
import { uniqueName } from '../support/stack-env.js';

const world = new RestoreWorld();
const { cluster, backedUp } = world;
let namespace: string;
let temporal: RestoreWorld['temporal'];
let backups: Backups;
let restores: Restores;

before(async () => {
  ({ namespace, temporal, backups, restores } = await world.start());
});
after(() => world.stop());

test('backup, then restore by backup name: the deleted rows are back, phase by phase with barriers', async () => {
  const c = await cluster();
  const before = rowsOf(c);
  const backup = await backedUp(c);
  const backupTag = (await backups.get(backup)).status?.snapshotTag;
  deleteRows(c);
  assert.notDeepEqual(rowsOf(c), before);

  const name = uniqueName('restore');
  const created = await restores.create(name, {
    cassandraCluster: c.cluster.opts.name,
    cassandraBackup: backup,
    entities: 'shop',
  });
  await kubectlWaitSucceeded(namespace, `cassandrarestore/${name}`);
  assert.deepEqual(rowsOf(c), before, 'every node has its rows back');

  const r = await restores.get(name);
  const s = r.status ?? {};
  assert.equal(s.state, 'COMPLETED');
  assert.equal(s.progress, 100);
  assert.equal(s.phase, 'CLEANUP');
  assert.deepEqual(
    s.phases?.map((p) => [p.name, p.state, p.nodes, p.completedNodes]),
    [
      ['DOWNLOAD', 'COMPLETED', 3, 3],
      ['TRUNCATE', 'COMPLETED', 1, 1],
      ['IMPORT', 'COMPLETED', 3, 3],
      ['CLEANUP', 'COMPLETED', 3, 3],
    ],
  );
  for (const p of s.phases ?? [])
    assert.ok(p.startTime && p.completionTime && p.startTime <= p.completionTime);
  assert.deepEqual(s.source, {
    cassandraBackup: backup,
    storageLocation: 's3://restore-bucket',
    snapshotTag: backupTag,
    secretName: 'creds',
    schemaVersion: c.cluster.schemaVersion,
  });
  assert.equal(s.snapshotTag, backupTag, 'the full tag pins exactly the backup named');
  assert.deepEqual(
    s.nodes?.map((n) => [n.pod, n.phase, n.state, n.progress]),
    c.pods.map((pod) => [pod, 'CLEANUP', 'COMPLETED', 100]),
  );
  assert.ok(s.startTime && s.completionTime);

  // Each phase once per node, TRUNCATE once in the whole cluster (it is cluster-wide).
  assert.deepEqual(phaseCounts(c, 'DOWNLOAD'), [1, 1, 1]);
  assert.deepEqual(phaseCounts(c, 'TRUNCATE'), [1, 0, 0]);
  assert.deepEqual(phaseCounts(c, 'IMPORT'), [1, 1, 1]);
  assert.deepEqual(phaseCounts(c, 'CLEANUP'), [1, 1, 1]);
  // Barriers: no node started a phase before every node had finished the one before.
  const received = c.cluster.nodes.flatMap((n) => n.simulator.received.filter((x) => x.type === 'restore'));
  const firstOf = (phase: string) =>
    Math.min(...received.filter((x) => x.request.restorationPhase === phase).map((x) => Date.parse(x.at)));
  const lastOf = (phase: string) =>
    Math.max(...received.filter((x) => x.request.restorationPhase === phase).map((x) => Date.parse(x.at)));
  assert.ok(lastOf('DOWNLOAD') < firstOf('TRUNCATE') && lastOf('TRUNCATE') < firstOf('IMPORT'));
  assert.ok(lastOf('IMPORT') < firstOf('CLEANUP'));
  for (const x of received) {
    assert.equal(x.request.globalRequest, false);
    assert.equal(x.request.snapshotTag, backupTag);
    assert.equal(x.request.restorationStrategyType, 'HARDLINKS');
    assert.equal(x.request.entities, 'shop');
  }

  const reasons = (await restores.events(name)).map((e) => e.reason);
  for (const reason of [
    'RestoreStarted',
    'Downloaded',
    'Truncated',
    'Imported',
    'CleanedUp',
    'RestoreSucceeded',
  ])
    assert.equal(reasons.filter((x) => x === reason).length, 1, reason);

  const workflowId = restoreWorkflowId(namespace, name, created.metadata.uid ?? '');
  assert.equal(s.workflowId, workflowId);
  const handle = temporal.client.workflow.getHandle(workflowId);
  await Worker.runReplayHistory(
    { workflowsPath: fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)) },
    await handle.fetchHistory(),
    workflowId,
  );
});

test('IMPORT fails on one node: Failed with that node and phase; the retry resumes at IMPORT only', async () => {
  const c = await cluster();
  const before = rowsOf(c);
  const backup = await backedUp(c);
  deleteRows(c);
  c.cluster.nodes[1]?.simulator.failNext({
    atProgress: 0.5,
    message: 'Failed to import SSTables: corrupt sstable',
    type: 'restore',
    phase: 'IMPORT',
    times: 1,
  });
  const name = uniqueName('restore');
  const created = await restores.create(name, {
    cassandraCluster: c.cluster.opts.name,
    cassandraBackup: backup,
  });
  const failed = await restores.waitFor(name, 'Succeeded=False', (x) => succeeded(x) === 'False');
  const s = failed.status ?? {};
  assert.equal(s.state, 'FAILED');
  assert.equal(s.phase, 'IMPORT');
  const condition = s.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.reason, 'NodeFailed');
  assert.match(condition?.message ?? '', new RegExp(`IMPORT failed on 1 of 3 node\\(s\\): ${c.pods[1]}`));
  assert.deepEqual(s.errors, [
    { source: c.pods[1], message: 'IMPORT: Failed to import SSTables: corrupt sstable' },
  ]);
  assert.deepEqual(
    s.nodes?.map((n) => [n.phase, n.state]),
    [
      ['IMPORT', 'COMPLETED'],
      ['IMPORT', 'FAILED'],
      ['IMPORT', 'COMPLETED'],
    ],
  );
  assert.deepEqual(
    s.phases?.map((p) => p.state),
    ['COMPLETED', 'COMPLETED', 'FAILED', 'PENDING'],
  );
  const warnings = (await restores.events(name)).filter((e) => e.type === 'Warning');
  assert.ok(warnings.some((e) => e.reason === 'NodeFailed' && e.message.includes(`${c.pods[1]} (IMPORT)`)));
  assert.ok(warnings.some((e) => e.reason === 'RestoreFailed'));

  await temporal.client.workflow
    .getHandle(restoreWorkflowId(namespace, name, created.metadata.uid ?? ''))
    .signal(retrySignal);
  const done = await restores.waitFor(name, 'Succeeded=True', (x) => succeeded(x) === 'True');
  assert.equal(done.status?.state, 'COMPLETED');
  assert.deepEqual(done.status?.errors ?? [], []);
  assert.deepEqual(rowsOf(c), before);
  // No second DOWNLOAD or TRUNCATE anywhere; IMPORT again only on the node that failed.
  assert.deepEqual(phaseCounts(c, 'DOWNLOAD'), [1, 1, 1]);
  assert.deepEqual(phaseCounts(c, 'TRUNCATE'), [1, 0, 0]);
  assert.deepEqual(phaseCounts(c, 'IMPORT'), [1, 2, 1]);
  assert.deepEqual(phaseCounts(c, 'CLEANUP'), [1, 1, 1]);
  const retried = (await restores.events(name)).find((e) => e.reason === 'RestoreRetried');
  assert.match(retried?.message ?? '', /at IMPORT/);
});

test('a restore of a backup that does not exist yet waits, says why, and runs once the backup succeeded', async () => {
  const c = await cluster();
  const before = rowsOf(c);
  const backup = uniqueName('later');
  const name = uniqueName('restore');
  await restores.create(name, { cassandraCluster: c.cluster.opts.name, cassandraBackup: backup });
  const waiting = await restores.waitFor(
    name,
    'PENDING with CassandraBackupNotFound',
    (x) => x.status?.conditions?.find((k) => k.type === 'Succeeded')?.reason === 'CassandraBackupNotFound',
  );
  assert.equal(waiting.status?.state, 'PENDING');
  assert.match(
    waiting.status?.conditions?.[0]?.message ?? '',
    new RegExp(`CassandraBackup ${backup} does not exist`),
  );
  await restores.waitForEvent(name, 'CassandraBackupNotFound');
  assert.deepEqual(phaseCounts(c, 'DOWNLOAD'), [0, 0, 0], 'nothing was touched');

  await backups.create(backup, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: 's3://restore-bucket',
    secretName: 'creds',
  });
  await backups.waitFor(backup, 'Succeeded=True', (b) => succeeded(b) === 'True');
  deleteRows(c);
  const done = await restores.waitFor(name, 'Succeeded=True', (x) => succeeded(x) === 'True');
  assert.equal(done.status?.source?.cassandraBackup, backup);
  assert.deepEqual(rowsOf(c), before);
});

test('a dc filter whose TRUNCATE would empty other datacenters is refused until the spec opts in', async () => {
  const c = await cluster({ dc1: 2, dc2: 1 });
  const backup = await backedUp(c);
  const name = uniqueName('restore');
  await restores.create(name, {
    cassandraCluster: c.cluster.opts.name,
    cassandraBackup: backup,
    dc: 'dc1',
  });
  const refused = await restores.waitFor(name, 'Succeeded=False', (x) => succeeded(x) === 'False');
  const condition = refused.status?.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.reason, 'TruncateAffectsOtherDatacenters');
  assert.match(condition?.message ?? '', /dc2 would lose their rows/);
  assert.match(condition?.message ?? '', /allowClusterWideTruncate/);
  await restores.waitForEvent(name, 'TruncateAffectsOtherDatacenters');
  assert.deepEqual(restoresPerNode(c), [{}, {}, {}], 'no node received anything');

  // Opting in is a spec change: the restore runs on dc1's nodes only.
  const { group, version, plural } = resourceNames.CassandraRestore;
  await restores.custom.patchNamespacedCustomObject(
    { group, version, plural, namespace, name, body: { spec: { allowClusterWideTruncate: true } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  const done = await restores.waitFor(name, 'Succeeded=True', (x) => succeeded(x) === 'True');
  assert.deepEqual(
    done.status?.nodes?.map((n) => n.dc),
    ['dc1', 'dc1'],
  );
  assert.deepEqual(phaseCounts(c, 'DOWNLOAD'), [1, 1, 0]);
});
