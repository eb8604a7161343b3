// CassandraRestore end to end on the real stack: the operator process against the real kube-apiserver
// and Temporal dev server, with simulated Icarus nodes (holding rows per table) behind real Pod objects.
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { Worker } from '@temporalio/worker';
import type { Row } from '../../dev/icarus-simulator/cluster.js';
import { resourceNames } from '../../src/kube/api/resources.js';
import { restoreWorkflowId } from '../../src/contract/ids.js';
import { retrySignal } from '../../workflows/signals.js';
import {
  createAzureSecret,
  createS3Secret,
  startPodCluster,
  type PodCluster,
} from '../support/cassandra-pods.js';
import { Backups, Restores, restoresPerNode, succeeded } from '../support/custom-resources.js';
import { kubectlWaitSucceeded } from '../support/kubectl.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createNamespace, kubeConfig, temporalClient, uniqueName } from '../support/stack-env.js';

let kc: KubeConfig;
let namespace: string;
let temporal: Awaited<ReturnType<typeof temporalClient>>;
let backups: Backups;
let restores: Restores;
const clusters: PodCluster[] = [];
let operator: OperatorProcess;

before(async () => {
  kc = kubeConfig();
  namespace = await createNamespace(kc, 'e2e-restore');
  temporal = await temporalClient();
  const logs = () => operator.logs.slice(-30).join('\n');
  backups = new Backups(kc, namespace, logs);
  restores = new Restores(kc, namespace, logs);
  await createS3Secret(kc, namespace, 'creds');
  await createAzureSecret(kc, namespace, 'azure-creds');
  operator = startOperator({
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: uniqueName('e2e-restore'),
    ICARUS_POLL_INTERVAL_MS: '200',
    STATUS_WRITES_PER_SECOND: '4',
    ICARUS_GENERATION: '3',
    RESYNC_SECONDS: '5',
  });
  await operator.waitForLog(/Watching CassandraRestores/);
  await operator.waitForLog(/Worker running/);
});

after(async () => {
  await operator?.stop();
  await Promise.all(clusters.map((c) => c.stop()));
  await temporal?.close();
});

const ORDERS = 'shop.orders';

/** A cluster whose nodes hold rows of shop.orders (each node its own share, as Cassandra's ring would). */
async function cluster(datacenters: Record<string, number> = { dc1: 3 }): Promise<PodCluster> {
  const c = await startPodCluster(kc, namespace, {
    name: uniqueName('ring'),
    datacenters,
    timing: { durationMs: 800, pendingMs: 30 },
    buckets: ['s3://restore-bucket'],
  });
  clusters.push(c);
  c.cluster.nodes.forEach((n, i) =>
    n.data.set(ORDERS, [
      { id: i * 10 + 1, item: `book-${i}` },
      { id: i * 10 + 2, item: `lamp-${i}` },
    ]),
  );
  return c;
}

const rowsOf = (c: PodCluster): Row[][] => c.cluster.nodes.map((n) => n.data.get(ORDERS) ?? []);

async function backedUp(c: PodCluster): Promise<string> {
  const name = uniqueName('backup');
  await backups.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: 's3://restore-bucket',
    secretName: 'creds',
  });
  await backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
  return name;
}

/** What a bad day does to the table after the backup: rows deleted on every node. */
function deleteRows(c: PodCluster): void {
  for (const n of c.cluster.nodes) n.data.set(ORDERS, (n.data.get(ORDERS) ?? []).slice(0, 1));
}

const phaseCounts = (c: PodCluster, phase: string) => restoresPerNode(c).map((n) => n[phase] ?? 0);

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

test('a restore by location + tag of a backup in Icarus’s own global-backup layout (fixture) picks the newest match', async () => {
  const fixtureDir = fileURLToPath(new URL('../fixtures/icarus-global-backup/', import.meta.url));
  const fixture = JSON.parse(readFileSync(join(fixtureDir, 'cluster.json'), 'utf8')) as {
    clusterName: string;
    dc: string;
    schemaVersion: string;
    nodes: { hostId: string; tokens: string[] }[];
  };
  const c = await startPodCluster(kc, namespace, {
    name: fixture.clusterName,
    datacenters: { [fixture.dc]: fixture.nodes.length },
    identities: fixture.nodes,
    schemaVersion: fixture.schemaVersion,
    timing: { durationMs: 500, pendingMs: 30 },
  });
  clusters.push(c);
  // The bucket as Icarus's coordinator left it, under the simulator's s3 root.
  cpSync(join(fixtureDir, 'bucket'), join(c.storageRoot, 's3', 'fixture-bucket'), { recursive: true });
  c.cluster.nodes.forEach((n, i) =>
    n.data.set(ORDERS, [{ id: i * 10 + 9, item: 'written after the backup' }]),
  );

  const name = uniqueName('restore');
  await restores.create(name, {
    cassandraCluster: fixture.clusterName,
    storageLocation: 's3://fixture-bucket',
    snapshotTag: 'nightly',
    secretName: 'creds',
  });
  const done = await restores.waitFor(name, 'Succeeded=True', (x) => succeeded(x) === 'True');
  assert.deepEqual(done.status?.source, {
    storageLocation: 's3://fixture-bucket',
    snapshotTag: 'nightly',
    secretName: 'creds',
  });
  assert.deepEqual(
    rowsOf(c),
    c.cluster.nodes.map((_, i) => [
      { id: i * 10 + 1, item: `new-book-${i}` },
      { id: i * 10 + 2, item: `new-lamp-${i}` },
    ]),
    'every node restored its own rows of the newest backup tagged nightly',
  );
  for (const n of c.cluster.nodes) {
    for (const r of n.simulator.received.filter((x) => x.type === 'restore')) {
      assert.equal(
        r.request.storageLocation,
        `s3://fixture-bucket/${fixture.clusterName}/${fixture.dc}/${n.identity.hostId}`,
      );
    }
  }
});

test('a restore from a bucket that does not exist fails in DOWNLOAD with BucketNotFound, and truncates nothing', async () => {
  const c = await cluster();
  const before = rowsOf(c);
  const name = uniqueName('restore');
  const bucket = uniqueName('never-made');
  await restores.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: `s3://${bucket}`,
    snapshotTag: 'nightly',
    secretName: 'creds',
    // Icarus checks the bucket before every restore phase whatever this says.
    skipBucketVerification: true,
  });
  const failed = await restores.waitFor(name, 'Succeeded=False', (r) => succeeded(r) === 'False');
  const condition = failed.status?.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.reason, 'BucketNotFound');
  assert.match(condition?.message ?? '', /^DOWNLOAD failed on 3 of 3 node\(s\)/);
  assert.ok(
    condition?.message.includes(`Bucket ${bucket} does not exist and createMissingBucket`),
    condition?.message,
  );
  await restores.waitForEvent(name, 'BucketNotFound');
  assert.deepEqual(
    restoresPerNode(c),
    c.cluster.nodes.map(() => ({ DOWNLOAD: 1 })),
  );
  assert.deepEqual(rowsOf(c), before);
});

test('a restore whose nodes cannot use their store fails in DOWNLOAD with BucketCheckFailed, truncates nothing, and completes when retried once put right', async () => {
  const c = await cluster();
  const location = `azure://${uniqueName('access')}`;
  c.cluster.storage.createBucket(location);
  const backup = uniqueName('backup');
  await backups.create(backup, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: location,
    secretName: 'azure-creds',
  });
  await backups.waitFor(backup, 'Succeeded=True', (b) => succeeded(b) === 'True');
  deleteRows(c);
  const damaged = rowsOf(c);
  c.cluster.nodes.forEach((n) => (n.storageAccess = { azure: 'credentials-refused' }));
  const name = uniqueName('restore');
  const created = await restores.create(name, {
    cassandraCluster: c.cluster.opts.name,
    cassandraBackup: backup,
  });
  const failed = await restores.waitFor(name, 'Succeeded=False', (r) => succeeded(r) === 'False');
  const condition = failed.status?.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.reason, 'BucketCheckFailed');
  assert.match(condition?.message ?? '', /^DOWNLOAD failed on 3 of 3 node\(s\)/);
  const bucket = location.slice('azure://'.length);
  assert.ok(
    condition?.message.includes(`Unable to determine if the bucket ${bucket} exists.`),
    condition?.message,
  );
  await restores.waitForEvent(name, 'BucketCheckFailed');
  assert.deepEqual(rowsOf(c), damaged, 'nothing truncated');

  c.cluster.nodes.forEach((n) => (n.storageAccess = {}));
  await temporal.client.workflow
    .getHandle(restoreWorkflowId(namespace, name, created.metadata.uid ?? ''))
    .signal(retrySignal);
  await restores.waitFor(name, 'Succeeded=True', (r) => succeeded(r) === 'True');
  assert.deepEqual(
    rowsOf(c).map((rows) => rows.length),
    c.cluster.nodes.map(() => 2),
    'every row back',
  );
});
