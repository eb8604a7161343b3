// The defects random fault storms found (issue 19), each on the real stack: the operator process against
// the real kube-apiserver and Temporal dev server, simulated Icarus nodes behind real Pods. Each test
// failed before its fix:
//   - a topology upload that Icarus lost needed a person;
//   - a retry after TruncateLost could truncate a cluster whose downloads another restore had removed;
//   - a spec change during a backup was dropped and the backup still said it succeeded;
//   - a backup deleted right after its creation still started operations on its nodes.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import proto from '@temporalio/proto';
import type { Row } from '../../dev/icarus-simulator/cluster.js';
import { resourceNames } from '../../src/kube/api/resources.js';
import { retrySignal } from '../../workflows/signals.js';
import { backupWorkflowId, restoreWorkflowId } from '../../src/contract/ids.js';
import { createS3Secret, startPodCluster, type PodCluster } from '../support/cassandra-pods.js';
import {
  Backups,
  Restores,
  backupsPerNode,
  restoresPerNode,
  succeeded,
} from '../support/custom-resources.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createNamespace, kubeConfig, temporalClient, uniqueName } from '../support/stack-env.js';
import { eventually } from '../support/wait.js';

const { EventType } = proto.temporal.api.enums.v1;
const ORDERS = 'shop.orders';

let kc: KubeConfig;
let custom: CustomObjectsApi;
let namespace: string;
let temporal: Awaited<ReturnType<typeof temporalClient>>;
let backups: Backups;
let restores: Restores;
let operator: OperatorProcess;
const clusters: PodCluster[] = [];

before(async () => {
  kc = kubeConfig();
  custom = kc.makeApiClient(CustomObjectsApi);
  namespace = await createNamespace(kc, 'storm-defects');
  temporal = await temporalClient();
  const logs = () => operator.logs.slice(-40).join('\n');
  backups = new Backups(kc, namespace, logs);
  restores = new Restores(kc, namespace, logs);
  await createS3Secret(kc, namespace, 'creds');
  operator = startOperator({
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: uniqueName('storm-defects'),
    ICARUS_POLL_INTERVAL_MS: '200',
    ICARUS_GENERATION: '3',
    RESYNC_SECONDS: '5',
  });
  await operator.waitForLog(/Worker running/);
  await operator.waitForLog(/Watching CassandraRestores/);
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
    timing: { durationMs, pendingMs: 30 },
    buckets: ['s3://storm-bucket', 's3://old-bucket', 's3://new-bucket'],
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
const emptyTables = (c: PodCluster) => c.cluster.nodes.forEach((n) => n.data.set(ORDERS, []));
const reasonOf = (x: { status?: { conditions?: { type: string; reason?: string }[] } }) =>
  x.status?.conditions?.find((k) => k.type === 'Succeeded')?.reason;

async function backedUp(c: PodCluster, location = 's3://storm-bucket'): Promise<string> {
  const name = uniqueName('backup');
  await backups.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: location,
    secretName: 'creds',
  });
  await backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
  return name;
}

async function signalRetry(name: string): Promise<void> {
  const uid = (await restores.get(name)).metadata.uid ?? '';
  await temporal.client.workflow.getHandle(restoreWorkflowId(namespace, name, uid)).signal(retrySignal);
}

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

test('TruncateLost: newer restores of the cluster wait, and the retry downloads again before it truncates', async () => {
  const c = await cluster();
  const before = rowsOf(c);
  const backup = await backedUp(c);
  emptyTables(c);
  const truncating = c.cluster.nodes[0]!;
  truncating.simulator.hold({ type: 'restore', phase: 'TRUNCATE', atProgress: 0.5 });
  const a = uniqueName('restore-a');
  await restores.create(a, { cassandraCluster: c.cluster.opts.name, cassandraBackup: backup });
  await eventually('restore A holding in TRUNCATE', () =>
    Promise.resolve(truncating.simulator.heldCount() === 1),
  );
  await truncating.simulator.restart();
  truncating.simulator.release();
  const lostA = await restores.waitFor(a, 'FAILED', (r) => r.status?.state === 'FAILED');
  assert.equal(reasonOf(lostA), 'TruncateLost');

  // Restore B of the same cluster must not run while A, truncated or not, waits for its retry.
  const b = uniqueName('restore-b');
  await restores.create(b, { cassandraCluster: c.cluster.opts.name, cassandraBackup: backup });
  const waiting = await restores.waitFor(b, 'WaitingForRestore', (r) => reasonOf(r) === 'WaitingForRestore');
  assert.equal(waiting.status?.state, 'PENDING');
  assert.match(
    waiting.status?.conditions?.[0]?.message ?? '',
    new RegExp(`${a} .*failed after its TRUNCATE started`),
  );
  assert.deepEqual(
    restoresPerNode(c).map((n) => n.DOWNLOAD ?? 0),
    [1, 1, 1],
    'B downloaded nothing while A waits',
  );

  await signalRetry(a);
  const doneA = await restores.waitFor(a, 'Succeeded=True', (r) => succeeded(r) === 'True');
  assert.equal(doneA.status?.state, 'COMPLETED');
  assert.deepEqual(rowsOf(c), before, 'every row is back after A');
  const again = (await restores.events(a)).find((e) => e.reason === 'DownloadAgain');
  assert.match(
    again?.message ?? '',
    new RegExp(`${c.pods[0]}: Icarus no longer lists this restore's DOWNLOAD`),
  );

  // B then runs on its own, after A.
  await restores.waitFor(b, 'Succeeded=True', (r) => succeeded(r) === 'True');
  assert.deepEqual(rowsOf(c), before, 'and still after B');
});

test('a restore whose downloads another restore removed downloads again before TRUNCATE', async () => {
  const c = await cluster();
  const before = rowsOf(c);
  const backup = await backedUp(c);
  emptyTables(c);
  // A fails in DOWNLOAD on one node: not truncated, so it does not hold the cluster.
  c.cluster.nodes[2]?.simulator.failNext({
    atProgress: 0.5,
    message: 'Unable to download files successfully: connection reset',
    type: 'restore',
    phase: 'DOWNLOAD',
    times: 1,
  });
  const a = uniqueName('restore-a');
  await restores.create(a, { cassandraCluster: c.cluster.opts.name, cassandraBackup: backup });
  const failedA = await restores.waitFor(a, 'FAILED', (r) => r.status?.state === 'FAILED');
  assert.equal(failedA.status?.phase, 'DOWNLOAD');

  // B of the same backup runs to the end; its CLEANUP removes the downloads A had on nodes 0 and 1.
  const b = uniqueName('restore-b');
  await restores.create(b, { cassandraCluster: c.cluster.opts.name, cassandraBackup: backup });
  await restores.waitFor(b, 'Succeeded=True', (r) => succeeded(r) === 'True');
  assert.deepEqual(rowsOf(c), before);
  emptyTables(c);

  await signalRetry(a);
  const doneA = await restores.waitFor(a, 'Succeeded=True', (r) => succeeded(r) === 'True');
  assert.equal(doneA.status?.state, 'COMPLETED');
  assert.deepEqual(rowsOf(c), before, 'A imported every node: nothing was truncated without its download');
  const again = (await restores.events(a)).find((e) => e.reason === 'DownloadAgain');
  assert.match(again?.message ?? '', /downloading again on 2 node\(s\)/);
  assert.match(again?.message ?? '', /not this restore's, ran on this node after its DOWNLOAD/);
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
