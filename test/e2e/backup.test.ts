// CassandraBackup end to end on the real stack: the operator process (watcher + worker) against the
// real kube-apiserver and Temporal dev server, with simulated Icarus nodes behind real Pod objects.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { after, before, test } from 'node:test';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { IcarusClient } from '../../src/icarus/client.js';
import { resourceNames } from '../../src/kube/api/resources.js';
import { FINALIZER } from '../../src/operator/finalizer.js';
import { searchAttributes } from '../../src/temporal/search-attributes.js';
import { backupWorkflowId } from '../../src/contract/ids.js';
import { retrySignal } from '../../workflows/signals.js';
import {
  createAzureSecret,
  createS3Secret,
  startPodCluster,
  type PodCluster,
} from '../support/cassandra-pods.js';
import { kubectlWaitSucceeded } from '../support/kubectl.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createNamespace, kubeConfig, temporalClient, uniqueName } from '../support/stack-env.js';
import { eventually } from '../support/wait.js';
import { Backups, backupsPerNode, succeeded } from '../support/custom-resources.js';
import { errorCode } from '../../src/contract/error-code.js';

const { group, version, plural } = resourceNames.CassandraBackup;

let kc: KubeConfig;
let custom: CustomObjectsApi;
let namespace: string;
let temporal: Awaited<ReturnType<typeof temporalClient>>;
let backups: Backups;
const clusters: PodCluster[] = [];
const operators: OperatorProcess[] = [];
const taskQueue = uniqueName('e2e-backup');

before(async () => {
  kc = kubeConfig();
  custom = kc.makeApiClient(CustomObjectsApi);
  namespace = await createNamespace(kc, 'e2e-backup');
  temporal = await temporalClient();
  backups = new Backups(kc, namespace, () => operators[0]?.logs.slice(-30).join('\n') ?? '');
  await createS3Secret(kc, namespace, 'creds');
  await createAzureSecret(kc, namespace, 'azure-creds');
  const env = {
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ICARUS_POLL_INTERVAL_MS: '200',
    STATUS_WRITES_PER_SECOND: '4',
    ICARUS_GENERATION: '3',
    RESYNC_SECONDS: '5',
  };
  // Two processes watch the same resources, as two replicas would: the ids keep it to one workflow.
  operators.push(startOperator(env), startOperator({ ...env, OPERATOR_RUN: 'watcher' }));
  await Promise.all(operators.map((o) => o.waitForLog(/Watching CassandraBackups/)));
  await operators[0]?.waitForLog(/Worker running/);
});

after(async () => {
  await Promise.all(operators.map((o) => o.stop()));
  await Promise.all(clusters.map((c) => c.stop()));
  await temporal?.close();
});

async function cluster(name: string, opts: { durationMs?: number } = {}): Promise<PodCluster> {
  const c = await startPodCluster(kc, namespace, {
    name,
    datacenters: { dc1: 3 },
    timing: { durationMs: opts.durationMs ?? 1500, pendingMs: 50 },
    buckets: ['s3://e2e-bucket'],
  });
  clusters.push(c);
  return c;
}

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

test('a backup to a bucket that does not exist fails with BucketNotFound on every node; createMissingBucket: true makes it and backs up', async () => {
  const c = await cluster(uniqueName('ring'));
  const name = uniqueName('nobucket');
  const location = `s3://${uniqueName('never-made')}`;
  await backups.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: location,
    secretName: 'creds',
  });
  const failed = await backups.waitFor(name, 'Succeeded=False', (b) => succeeded(b) === 'False');
  const bucket = location.slice('s3://'.length);
  const esop = `Bucket ${bucket} does not exist and createMissingBucket in JSON or --create-missing-bucket from console is false! Can not continue!`;
  const condition = failed.status?.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.reason, 'BucketNotFound');
  assert.match(condition?.message ?? '', /3 of 3 node\(s\) failed/);
  assert.ok(condition?.message.includes(esop), condition?.message);
  assert.equal(failed.status?.state, 'FAILED');
  assert.deepEqual(
    failed.status?.nodes?.map((n) => n.state),
    ['FAILED', 'FAILED', 'FAILED'],
  );
  assert.ok(
    failed.status?.errors?.every((e) => e.message === esop),
    JSON.stringify(failed.status?.errors),
  );
  assert.ok((await backups.waitForEvent(name, 'BucketNotFound')).message.includes(esop));
  assert.equal(c.cluster.storage.bucketExists(location), false, 'nothing was written, nothing made');

  // The spec says to make it: a new attempt, whose nodes make the bucket (all at once) and back up.
  await custom.patchNamespacedCustomObject(
    { group, version, plural, namespace, name, body: { spec: { createMissingBucket: true } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
  assert.equal(c.cluster.storage.bucketExists(location), true);
  for (const node of c.cluster.nodes) {
    const sent = node.simulator.received.filter(
      (r) => r.type === 'backup' && !r.request.uploadClusterTopology,
    );
    assert.deepEqual(
      sent.map((r) => [r.request.skipBucketVerification, r.request.createMissingBucket]),
      [
        [false, false],
        [false, true],
      ],
      'every node checked its bucket, then was asked to make it',
    );
  }
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

test('a storage location Icarus cannot parse is refused by the API server, saying what to write; nothing reaches a node', async () => {
  // The operator's own check (InvalidStorageLocation, for resources stored under older CRDs) is pinned
  // with CRDs that have no rules: test/reliability/bad-input.test.ts.
  const c = await cluster(uniqueName('ring'));
  const name = uniqueName('badpath');
  const refused = await backups
    .create(name, {
      cassandraCluster: c.cluster.opts.name,
      storageLocation: 's3://bucket-name/backup/location',
      secretName: 'creds',
    })
    .then(
      () => assert.fail('the API server accepted the location'),
      (err: unknown) => err,
    );
  assert.equal(errorCode(refused), 422);
  assert.match(
    String((refused as { body?: unknown }).body),
    /never one or two folders after the bucket; write protocol:\/\/bucket/,
  );
  assert.deepEqual(
    backupsPerNode(c).map((n) => n.data),
    [0, 0, 0],
  );
});

test('a store that refuses the nodes’ credentials fails the backup with StorageAccessDenied, one it cannot reach with StorageUnreachable; put right, the retry completes', async () => {
  const c = await cluster(uniqueName('ring'));
  const location = `azure://${uniqueName('access')}`;
  c.cluster.storage.createBucket(location);
  const access = (kind?: 'credentials-refused' | 'unreachable') =>
    c.cluster.nodes.forEach((n) => (n.storageAccess = kind ? { azure: kind } : {}));
  access('credentials-refused');
  const name = uniqueName('refused');
  const created = await backups.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: location,
    secretName: 'azure-creds',
  });
  const refused = await backups.waitFor(name, 'Succeeded=False', (b) => succeeded(b) === 'False');
  const azure = 'Server failed to authenticate the request.';
  const condition = refused.status?.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.reason, 'StorageAccessDenied');
  assert.match(condition?.message ?? '', /3 of 3 node\(s\) failed/);
  assert.ok(condition?.message.includes(azure), condition?.message);
  assert.ok((await backups.waitForEvent(name, 'StorageAccessDenied')).message.includes(azure));

  // The store's endpoint now refuses connections: the retry fails again, for that reason.
  access('unreachable');
  const handle = temporal.client.workflow.getHandle(
    backupWorkflowId(namespace, name, created.metadata.uid ?? ''),
  );
  await handle.signal(retrySignal);
  const unreachable = await backups.waitFor(
    name,
    'reason StorageUnreachable',
    (b) => b.status?.conditions?.find((x) => x.type === 'Succeeded')?.reason === 'StorageUnreachable',
  );
  assert.equal(succeeded(unreachable), 'False');
  assert.ok((await backups.waitForEvent(name, 'StorageUnreachable')).message.includes('Connection refused'));

  access();
  await handle.signal(retrySignal);
  const done = await backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
  assert.deepEqual(
    done.status?.nodes?.map((n) => n.state),
    ['COMPLETED', 'COMPLETED', 'COMPLETED'],
  );
});
