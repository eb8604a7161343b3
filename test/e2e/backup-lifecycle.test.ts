// CassandraBackup end to end on the real stack, its life: the operator processes (a watcher + worker
// and a second watcher, as two replicas) against the real kube-apiserver and Temporal dev server, with
// simulated Icarus nodes behind real Pod objects. A 3-node backup succeeds with one workflow; a failing
// node fails it and the retry signal re-runs that node alone; a spec change retries a failed backup;
// deleting a running backup cancels its operations; a missing Secret is waited for.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { after, before, test } from 'node:test';
import {
  PatchStrategy,
  setHeaderOptions,
  type CustomObjectsApi,
  type KubeConfig,
} from '@kubernetes/client-node';
import { IcarusClient } from '../../src/icarus/client.js';
import { resourceNames } from '../../src/kube/api/resources.js';
import { FINALIZER } from '../../src/operator/finalizer.js';
import { searchAttributes } from '../../src/temporal/search-attributes.js';
import { backupWorkflowId } from '../../src/contract/ids.js';
import { retrySignal } from '../../workflows/signals.js';
import { createS3Secret } from '../support/cassandra-pods.js';
import { kubectlWaitSucceeded } from '../support/kubectl.js';
import { uniqueName } from '../support/stack-env.js';
import { eventually } from '../support/wait.js';
import { type Backups, backupsPerNode, succeeded } from '../support/custom-resources.js';
import { BackupWorld } from '../support/e2e/backup.js';
import { errorCode } from '../../src/contract/error-code.js';

const { group, version, plural } = resourceNames.CassandraBackup;

const world = new BackupWorld();
const { cluster } = world;
let kc: KubeConfig;
let custom: CustomObjectsApi;
let namespace: string;
let temporal: BackupWorld['temporal'];
let backups: Backups;

before(async () => {
  ({ kc, custom, namespace, temporal, backups } = await world.start());
});
after(() => world.stop());

test('a 3-node backup succeeds: IBM fields, per-node status, Events, kubectl wait, one workflow', async () => {
  const c = await cluster(uniqueName('ring'));
  const name = uniqueName('nightly');
  const created = await backups.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: 's3://e2e-bucket',
    secretName: 'creds',
    snapshotTag: 'nightly',
  });
  // kubectl wait is how users and scripts wait for a backup: it must return on success.
  await kubectlWaitSucceeded(namespace, `cassandrabackup/${name}`);
  const b = await backups.get(name);
  const s = b.status ?? {};
  assert.equal(s.state, 'COMPLETED');
  assert.equal(s.progress, 100);
  assert.equal(s.observedGeneration, 1);
  assert.deepEqual(s.errors ?? [], []);
  assert.match(s.snapshotTag ?? '', new RegExp(`^nightly-${c.cluster.schemaVersion}-\\d+$`));
  assert.equal(s.schemaVersion, c.cluster.schemaVersion);
  assert.ok(s.startTime && s.completionTime && s.startTime <= s.completionTime);
  const workflowId = backupWorkflowId(namespace, name, created.metadata.uid ?? '');
  assert.equal(s.workflowId, workflowId);
  assert.deepEqual(
    (s.nodes ?? []).map((n) => [n.pod, n.state, n.progress, n.hostId, n.dc]),
    c.cluster.nodes.map((n, i) => [c.pods[i], 'COMPLETED', 100, n.identity.hostId, 'dc1']),
  );
  for (const n of s.nodes ?? [])
    assert.ok(n.operationId && n.startTime && n.completionTime && n.address?.endsWith(':4567'));
  assert.deepEqual(b.metadata.finalizers, [FINALIZER]);

  // Every node backed up exactly once, plus one topology upload, as Icarus's own coordinator does.
  assert.deepEqual(backupsPerNode(c), [
    { data: 1, topology: 1 },
    { data: 1, topology: 0 },
    { data: 1, topology: 0 },
  ]);
  for (const [i, n] of c.cluster.nodes.entries()) {
    const dir = c.cluster.storage.nodeDir('s3://e2e-bucket', n.identity);
    assert.equal(
      c.cluster.storage.findManifest(dir, s.snapshotTag ?? '')?.resolvedTag,
      s.snapshotTag,
      `manifest of node ${i}`,
    );
  }

  const reasons = (await backups.events(name)).map((e) => e.reason);
  assert.equal(reasons.filter((r) => r === 'BackupStarted').length, 1);
  assert.equal(reasons.filter((r) => r === 'NodeBackedUp').length, 3);
  assert.equal(reasons.filter((r) => r === 'BackupSucceeded').length, 1);

  // One readable workflow for the resource, filterable in the Web UI.
  const handle = temporal.client.workflow.getHandle(workflowId);
  // The workflow's last step is the status write the test waited for: it completes just after.
  const description = await eventually('the workflow to complete', async () => {
    const d = await handle.describe();
    return d.status.name === 'RUNNING' ? undefined : d;
  });
  assert.equal(description.status.name, 'COMPLETED');
  assert.equal(description.typedSearchAttributes.get(searchAttributes.kubernetesNamespace), namespace);
  // Visibility is eventually consistent: wait until the run is listed, then check it is the only one.
  const runs = await eventually('the workflow in visibility', async () => {
    const found = [];
    for await (const w of temporal.client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
      found.push(w);
    return found.length > 0 ? found : undefined;
  });
  assert.equal(runs.length, 1);

  // Determinism: today's workflow code replays the recorded history without a difference.
  await Worker.runReplayHistory(
    { workflowsPath: fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)) },
    await handle.fetchHistory(),
    workflowId,
  );
});

test('a failing node fails the backup with its error; the retry signal re-runs only that node', async () => {
  const c = await cluster(uniqueName('ring'));
  c.cluster.nodes[1]?.simulator.failNext({ atProgress: 0.5, message: 'disk full on node 1', times: 1 });
  const name = uniqueName('flaky');
  const created = await backups.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: 's3://e2e-bucket',
    secretName: 'creds',
  });
  const failed = await backups.waitFor(name, 'Succeeded=False', (b) => succeeded(b) === 'False');
  const s = failed.status ?? {};
  assert.equal(s.state, 'FAILED');
  assert.equal(s.conditions?.find((x) => x.type === 'Succeeded')?.reason, 'NodeFailed');
  assert.deepEqual(s.errors, [{ source: c.pods[1], message: 'disk full on node 1' }]);
  assert.deepEqual(
    s.nodes?.map((n) => n.state),
    ['COMPLETED', 'FAILED', 'COMPLETED'],
  );
  assert.equal(s.nodes?.[1]?.lastError, 'disk full on node 1');
  const warnings = (await backups.events(name)).filter((e) => e.type === 'Warning');
  assert.ok(warnings.some((e) => e.reason === 'NodeFailed' && e.message.includes(c.pods[1] ?? '?')));
  assert.ok(warnings.some((e) => e.reason === 'BackupFailed'));

  // Nothing changed in the spec: the retry signal runs it again, keeping the nodes that succeeded.
  await temporal.client.workflow
    .getHandle(backupWorkflowId(namespace, name, created.metadata.uid ?? ''))
    .signal(retrySignal);
  const done = await backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
  assert.equal(done.status?.state, 'COMPLETED');
  assert.deepEqual(done.status?.errors ?? [], []);
  assert.equal(
    done.status?.snapshotTag,
    s.snapshotTag,
    'the retry keeps the tag, so the kept nodes belong to it',
  );
  assert.deepEqual(
    backupsPerNode(c).map((n) => n.data),
    [1, 2, 1],
  );
  await backups.waitForEvent(name, 'BackupRetried', 'Normal');
});

test('a spec change on a failed backup retries it with the new spec', async () => {
  const c = await cluster(uniqueName('ring'));
  c.cluster.nodes[0]?.simulator.failNext({ atProgress: 0.2, message: 'throttled by the store', times: 1 });
  const name = uniqueName('edited');
  await backups.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: 's3://e2e-bucket',
    secretName: 'creds',
  });
  const failedTag = (await backups.waitFor(name, 'Succeeded=False', (b) => succeeded(b) === 'False')).status
    ?.snapshotTag;

  await custom.patchNamespacedCustomObject(
    { group, version, plural, namespace, name, body: { spec: { concurrentConnections: 4 } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  const done = await backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
  assert.equal(done.metadata.generation, 2);
  assert.equal(done.status?.observedGeneration, 2);
  // A new spec is a new backup: a new tag, and every node runs again with the new setting.
  assert.notEqual(done.status?.snapshotTag, failedTag);
  assert.deepEqual(
    backupsPerNode(c).map((n) => n.data),
    [2, 2, 2],
  );
  const last = c.cluster.nodes[2]?.simulator.received.filter((r) => r.type === 'backup').at(-1);
  assert.equal(last?.request.concurrentConnections, 4);
});

test('deleting a running backup cancels its Icarus operations, then removes the finalizer', async () => {
  const c = await cluster(uniqueName('ring'), { durationMs: 120_000 });
  const name = uniqueName('doomed');
  // A rate-limited upload: Icarus honours a cancel request only for those (docs/icarus.md).
  await backups.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: 's3://e2e-bucket',
    secretName: 'creds',
    bandwidth: { value: 10, unit: 'MBPS' },
  });
  const running = await backups.waitFor(
    name,
    'every node running',
    (b) => b.status?.state === 'RUNNING' && (b.status.nodes ?? []).every((n) => n.operationId),
  );
  const operations = (running.status?.nodes ?? []).map((n) => n.operationId ?? '');
  await custom.deleteNamespacedCustomObject({ group, version, plural, namespace, name });
  await eventually('the resource to be gone', async () => {
    try {
      await backups.get(name);
      return undefined;
    } catch (err) {
      return errorCode(err) === 404 ? true : undefined;
    }
  });
  for (const [i, node] of c.cluster.nodes.entries()) {
    const op = await new IcarusClient({ baseUrl: node.simulator.url }).getOperation(operations[i] ?? '');
    assert.equal(op.state, 'FAILED', `node ${i}: the cancel request stopped the upload`);
  }
  const cancelled = (await backups.events(name)).find((e) => e.reason === 'BackupCancelled');
  assert.match(cancelled?.message ?? '', /deleted/);
});

test('a missing Secret is reported and waited for; creating it lets the backup run', async () => {
  const c = await cluster(uniqueName('ring'));
  const name = uniqueName('nosecret');
  const secret = uniqueName('later');
  await backups.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: 's3://e2e-bucket',
    secretName: secret,
  });
  const waiting = await backups.waitFor(
    name,
    'reason SecretNotFound',
    (b) => b.status?.conditions?.find((x) => x.type === 'Succeeded')?.reason === 'SecretNotFound',
  );
  assert.equal(succeeded(waiting), 'Unknown');
  assert.equal(waiting.status?.state, 'PENDING');
  assert.match(waiting.status?.conditions?.[0]?.message ?? '', new RegExp(`Secret ${secret} not found`));
  await backups.waitForEvent(name, 'SecretNotFound');

  await createS3Secret(kc, namespace, secret);
  await backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
});
