// Retry and cancel with kubectl alone (issue 22): the annotations the operator turns into the workflow's
// signals, on the real stack (operator process, kube-apiserver, Temporal dev server) with simulated
// Icarus nodes behind real Pods, and the real kubectl.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  CANCEL_ANNOTATION,
  RETRY_ANNOTATION,
  RETRY_HANDLED_ANNOTATION,
} from '../../src/operator/annotation-requests.js';
import { createS3Secret, startPodCluster, type PodCluster } from '../support/cassandra-pods.js';
import { kubectlAnnotate, kubectlWaitFailed } from '../support/kubectl.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createNamespace, kubeConfig, temporalClient, uniqueName } from '../support/stack-env.js';
import { eventually } from '../support/wait.js';
import { Backups, backupsPerNode, Restores, succeeded } from '../support/custom-resources.js';

let kc: KubeConfig;
let namespace: string;
let backups: Backups;
let restores: Restores;
const clusters: PodCluster[] = [];
let operator: OperatorProcess | undefined;
let temporal: Awaited<ReturnType<typeof temporalClient>>;

before(async () => {
  kc = kubeConfig();
  namespace = await createNamespace(kc, 'e2e-kubectl');
  backups = new Backups(kc, namespace, () => operator?.logs.slice(-30).join('\n') ?? '');
  restores = new Restores(kc, namespace, () => operator?.logs.slice(-30).join('\n') ?? '');
  await createS3Secret(kc, namespace, 'creds');
  temporal = await temporalClient();
  operator = startOperator({
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: uniqueName('e2e-kubectl'),
    ICARUS_POLL_INTERVAL_MS: '200',
    ICARUS_GENERATION: '3',
    RESYNC_SECONDS: '5',
    // A missing Secret turns FAILED after 3 s (default 2 min): kubectl wait for the failure returns.
    CONFIGURATION_WAIT_SECONDS: '3',
  });
  await operator.waitForLog(/Worker running/);
});

after(async () => {
  await temporal?.close();
  await operator?.stop();
  await Promise.all(clusters.map((c) => c.stop()));
});

async function cluster(durationMs: number): Promise<PodCluster> {
  const c = await startPodCluster(kc, namespace, {
    name: uniqueName('ring'),
    datacenters: { dc1: 3 },
    timing: { durationMs, pendingMs: 50 },
    buckets: ['s3://e2e-bucket'],
  });
  clusters.push(c);
  return c;
}

/** The workflow ids the Temporal Web UI lists for a query (visibility follows the run shortly after). */
async function listed(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of temporal.client.workflow.list({ query })) ids.push(w.workflowId);
  return ids;
}

/** Waits until the Web UI's list for `query` holds the workflow. */
const listedAs = (workflowId: string, query: string) =>
  eventually(`${workflowId} listed for ${query}`, async () =>
    (await listed(`${query} AND WorkflowId = "${workflowId}"`)).includes(workflowId),
  );

const spec = (c: PodCluster) => ({
  cassandraCluster: c.cluster.opts.name,
  storageLocation: 's3://e2e-bucket',
  secretName: 'creds',
});

test('the retry annotation retries a FAILED backup once per value; a value the backup cannot take is answered with RetryIgnored', async () => {
  const c = await cluster(1000);
  c.cluster.nodes[2]?.simulator.failNext({ atProgress: 0.4, message: 'disk full on node 2', times: 1 });
  const name = uniqueName('flaky');
  await backups.create(name, spec(c));
  const failed = await backups.waitFor(name, 'Succeeded=False', (b) => succeeded(b) === 'False');
  // In the Temporal Web UI: a failed run that waits for a retry, found by the state search attribute.
  const workflowId = failed.status?.workflowId ?? '';
  await listedAs(workflowId, 'ResourceState = "FAILED" AND ExecutionStatus = "Running"');

  await kubectlAnnotate(namespace, `cassandrabackup/${name}`, `${RETRY_ANNOTATION}=first`);
  const done = await backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
  assert.equal(done.status?.state, 'COMPLETED');
  await listedAs(workflowId, 'ResourceState = "COMPLETED" AND ExecutionStatus = "Completed"');
  const requested = await backups.waitForEvent(name, 'RetryRequested', 'Normal');
  assert.match(requested.message, new RegExp(`annotation ${RETRY_ANNOTATION}=first`));
  const retried = await backups.waitForEvent(name, 'BackupRetried', 'Normal');
  assert.match(retried.message, /\(asked by annotation cassandra-backup-operator\.io\/retry=first\)$/);
  assert.deepEqual(
    backupsPerNode(c).map((n) => n.data),
    [1, 1, 2],
    'the retry ran only the node that failed',
  );
  const handled = await backups.waitFor(
    name,
    `${RETRY_HANDLED_ANNOTATION}=first`,
    (b) => b.metadata.annotations?.[RETRY_HANDLED_ANNOTATION] === 'first',
  );
  assert.equal(handled.metadata.annotations?.[RETRY_ANNOTATION], 'first');

  // A new value on a COMPLETED backup: refused with the reason, marked handled, nothing runs.
  await kubectlAnnotate(namespace, `cassandrabackup/${name}`, `${RETRY_ANNOTATION}=second`);
  const ignored = await backups.waitForEvent(name, 'RetryIgnored', 'Warning');
  assert.match(ignored.message, /retry=second: only a FAILED backup is retried, and this one is COMPLETED/);
  await backups.waitFor(
    name,
    `${RETRY_HANDLED_ANNOTATION}=second`,
    (b) => b.metadata.annotations?.[RETRY_HANDLED_ANNOTATION] === 'second',
  );
  const events = await backups.events(name);
  assert.equal(events.filter((e) => e.reason === 'RetryRequested').length, 1, 'one retry per value');
  assert.equal(events.filter((e) => e.reason === 'BackupRetried').length, 1);
});

test('the cancel annotation stops a running backup without deleting it: CANCELLED, the annotation named; a retry of it is refused', async () => {
  const c = await cluster(60_000);
  const name = uniqueName('long');
  // Rate-limited, so that Icarus stops the uploads when asked (it only flags other transfers).
  await backups.createAndWaitRunning(name, { ...spec(c), bandwidth: { value: 50, unit: 'MBPS' } });

  await kubectlAnnotate(namespace, `cassandrabackup/${name}`, `${CANCEL_ANNOTATION}=true`);
  const cancelled = await backups.waitFor(name, 'CANCELLED', (b) => b.status?.state === 'CANCELLED');
  const condition = cancelled.status?.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.status, 'False');
  assert.equal(condition?.reason, 'Cancelled');
  assert.match(
    condition?.message ?? '',
    /^Backup cancelled by annotation cassandra-backup-operator\.io\/cancel; Icarus operations: 3 /,
  );
  assert.ok(cancelled.metadata.deletionTimestamp === undefined, 'the resource stays');
  // Temporal shows the run as Canceled (not Failed), and its state search attribute says CANCELLED.
  const workflowId = cancelled.status?.workflowId ?? '';
  await listedAs(workflowId, 'ResourceState = "CANCELLED" AND ExecutionStatus = "Canceled"');
  assert.equal((await temporal.client.workflow.getHandle(workflowId).describe()).status.name, 'CANCELLED');
  assert.match(
    (await backups.waitForEvent(name, 'CancelRequested', 'Normal')).message,
    /annotation cassandra-backup-operator\.io\/cancel/,
  );
  assert.deepEqual(
    backupsPerNode(c).map((n) => n.data),
    [1, 1, 1],
    'nothing submitted again',
  );

  await kubectlAnnotate(namespace, `cassandrabackup/${name}`, `${RETRY_ANNOTATION}=after-cancel`);
  const ignored = await backups.waitForEvent(name, 'RetryIgnored', 'Warning');
  assert.match(ignored.message, /this one is CANCELLED \(a cancelled run has ended/);
});

test('the cancel annotation on a COMPLETED restore changes nothing and says so (CancelIgnored)', async () => {
  const c = await cluster(300);
  const backup = uniqueName('src');
  await backups.create(backup, spec(c));
  await backups.waitFor(backup, 'Succeeded=True', (b) => succeeded(b) === 'True');
  const name = uniqueName('restore');
  await restores.create(name, { cassandraCluster: c.cluster.opts.name, cassandraBackup: backup });
  await restores.waitFor(name, 'Succeeded=True', (r) => succeeded(r) === 'True');

  await kubectlAnnotate(namespace, `cassandrarestore/${name}`, `${CANCEL_ANNOTATION}=yes`);
  const ignored = await restores.waitForEvent(name, 'CancelIgnored', 'Normal');
  assert.match(ignored.message, /nothing to cancel, the restore is COMPLETED/);
  assert.equal((await restores.get(name)).status?.state, 'COMPLETED');
});

test('the operator’s log at info level is about resources: the workflow bundler’s webpack report is at debug', () => {
  const logs = operator?.logs ?? [];
  assert.ok(
    logs.some((l) => l.includes('Worker running')),
    'the log was read',
  );
  const level = (l: string) => (JSON.parse(l) as { level?: number }).level ?? 0;
  const bundler = logs.filter((l) => /webpack|modules by path|asset workflow-bundle/.test(l));
  assert.ok(bundler.length > 0, 'the test operator logs at debug: the report is there');
  assert.deepEqual(
    bundler.filter((l) => level(l) >= 30),
    [],
    'nothing of it at info (30) or above',
  );
});

test('a backup naming a Secret that does not exist: kubectl wait for Succeeded=false returns with SecretNotFound, and the backup starts once the Secret is created', async () => {
  const c = await cluster(300);
  const name = uniqueName('nosecret');
  const secret = uniqueName('late-creds');
  await backups.create(name, { ...spec(c), secretName: secret });
  await kubectlWaitFailed(namespace, `cassandrabackup/${name}`);
  const failed = await backups.get(name);
  assert.equal(failed.status?.state, 'FAILED');
  const condition = failed.status?.conditions?.find((x) => x.type === 'Succeeded');
  assert.equal(condition?.reason, 'SecretNotFound');
  assert.match(condition?.message ?? '', new RegExp(`Secret ${secret} not found.*still checking`));
  assert.match((await backups.waitForEvent(name, 'SecretNotFound', 'Warning')).message, new RegExp(secret));

  await createS3Secret(kc, namespace, secret);
  const done = await backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
  assert.equal(done.status?.state, 'COMPLETED');
  assert.ok(!done.status?.errors?.length, 'the failure’s errors are gone');
  assert.ok((await backups.events(name)).some((e) => e.reason === 'BackupStarted'));
});
