// The operator as a platform runs it: /healthz and /readyz answer what they promise, /metrics shows the
// operator's own series (and the Temporal SDK's) during a real backup, and a SIGTERM in the middle of a
// backup exits cleanly and loses nothing: a new operator finishes the same Icarus operations.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createS3Secret, startPodCluster, type PodCluster } from '../support/cassandra-pods.js';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { resourceNames } from '../../src/kube/api/resources.js';
import { Backups, backupsPerNode, Restores, succeeded } from '../support/custom-resources.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createNamespace, kubeConfig, uniqueName } from '../support/stack-env.js';
import { eventually } from '../support/wait.js';

const operators: OperatorProcess[] = [];
let cluster: PodCluster | undefined;
let env: Record<string, string>;
let backups: Backups;
let restores: Restores;
const IBM_ERA = 'ibm-era-restore';

after(async () => {
  await Promise.all(operators.map((o) => o.stop()));
  await cluster?.stop();
});

before(async () => {
  const kc = kubeConfig();
  const namespace = await createNamespace(kc, 'e2e-life');
  await createS3Secret(kc, namespace, 'creds');
  cluster = await startPodCluster(kc, namespace, {
    name: uniqueName('ring'),
    datacenters: { dc1: 3 },
    timing: { durationMs: 6_000, pendingMs: 50 },
    buckets: ['s3://metrics-bucket', 's3://sigterm-bucket'],
  });
  env = {
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: uniqueName('e2e-life'),
    ICARUS_POLL_INTERVAL_MS: '200',
    ICARUS_GENERATION: '3',
    HEARTBEAT_TIMEOUT_SECONDS: '3',
    SHUTDOWN_GRACE_SECONDS: '1',
  };
  const logs = () => operators.flatMap((o) => o.logs.slice(-30)).join('\n');
  backups = new Backups(kc, namespace, logs);
  restores = new Restores(kc, namespace, logs);
  // Before any operator runs: a restore the IBM operator already ran (its status, no workflowId).
  await restores.create(IBM_ERA, {
    cassandraCluster: cluster.cluster.opts.name,
    storageLocation: 's3://ibm-bucket',
    snapshotTag: 'nightly',
    secretName: 'creds',
  });
  await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObjectStatus(
    {
      ...resourceNames.CassandraRestore,
      namespace,
      name: IBM_ERA,
      body: { status: { state: 'COMPLETED', progress: 100 } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
});

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

/** The value of one series in Prometheus text (labels in the order prom-client writes them). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function startAll(): Promise<{ operator: OperatorProcess; url: string }> {
  const operator = startOperator(env);
  operators.push(operator);
  const url = await operator.httpUrl();
  return { operator, url };
}

async function waitReady(url: string): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const { status, body } = await get(`${url}/readyz`);
    if (status === 200) return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url}/readyz never answered 200`);
}

test('/healthz, /readyz and /metrics during a backup: the operator and the SDK series', async () => {
  const { operator, url } = await startAll();
  assert.equal((await get(`${url}/healthz`)).status, 200);
  const ready = await waitReady(url);
  assert.match(ready, /^\[\+\]watcher ok$/m);
  assert.match(ready, /^\[\+\]worker ok$/m);
  assert.equal((await get(`${url}/nothing`)).status, 404);

  const c = cluster as PodCluster;
  const name = uniqueName('metered');
  const node0 = c.cluster.nodes[0];
  assert.ok(node0);
  await backups.create(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: 's3://metrics-bucket',
    secretName: 'creds',
  });
  await backups.waitFor(name, 'RUNNING', (b) => b.status?.state === 'RUNNING');
  // Two answers of 500 from one node while its upload runs: counted as that node's Icarus errors.
  node0.simulator.faults.errorBurst = { status: 500, count: 2 };
  const during = (await get(`${url}/metrics`)).body;
  assert.equal(sample(during, 'cassandra_operator_resources{kind="CassandraBackup",state="RUNNING"}'), 1);
  assert.equal(sample(during, 'cassandra_operator_runs_started_total{kind="CassandraBackup"}'), 1);

  await backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
  const done = await get(`${url}/metrics`);
  assert.equal(done.status, 200);
  const text = done.body;
  assert.equal(sample(text, 'cassandra_operator_resources{kind="CassandraBackup",state="COMPLETED"}'), 1);
  assert.equal(
    sample(text, 'cassandra_operator_runs_finished_total{kind="CassandraBackup",result="succeeded"}'),
    1,
  );
  assert.equal(
    sample(text, 'cassandra_operator_run_duration_seconds_count{kind="CassandraBackup",result="succeeded"}'),
    1,
  );
  const node = node0.simulator.url.replace('http://', '');
  assert.equal(
    sample(text, `cassandra_operator_icarus_errors_total{node="${node}",reason="IcarusUnavailable"}`),
    2,
  );
  assert.ok(
    (sample(text, 'cassandra_operator_status_writes_total{kind="CassandraBackup",result="ok"}') ?? 0) >= 3,
  );
  assert.ok(
    (sample(text, 'cassandra_operator_reconciles_total{kind="CassandraBackup",result="ok"}') ?? 0) >= 1,
  );
  assert.ok((sample(text, 'process_resident_memory_bytes') ?? 0) > 0);
  // The Temporal SDK's own series, from the same endpoint. The workflow writes Succeeded=True in the
  // workflow task before the one that completes it, so its completion is counted a moment later.
  assert.match(text, /^temporal_\w+(\{[^}]*\})? \d/m);
  await eventually(
    'temporal_workflow_completed_total above 0 on /metrics',
    async () =>
      /^temporal_workflow_completed_total\{[^}]*\} [1-9]/m.test((await get(`${url}/metrics`)).body) ||
      undefined,
  );

  const code = await operator.stop();
  assert.equal(code, 0);
});

test('SIGTERM mid-backup: the operator drains and exits 0, and a new one finishes the same operations', async () => {
  const { operator, url } = await startAll();
  await waitReady(url);
  const c = cluster as PodCluster;
  const name = uniqueName('drained');
  const running = await backups.createAndWaitRunning(name, {
    cassandraCluster: c.cluster.opts.name,
    storageLocation: 's3://sigterm-bucket',
    secretName: 'creds',
  });
  const operations = (running.status?.nodes ?? []).map((n) => n.operationId);
  const before = backupsPerNode(c).map((n) => n.data);

  const code = await operator.stop();
  assert.equal(code, 0, 'a clean exit');
  assert.ok(operator.logs.some((l) => l.includes('"msg":"Worker stopped"')));
  assert.ok(
    c.cluster.nodes.every((n) => n.simulator.runningCount('backup') === 1),
    'Icarus still works',
  );

  await startAll();
  const done = await backups.waitFor(name, 'Succeeded=True', (b) => succeeded(b) === 'True');
  assert.equal(done.status?.state, 'COMPLETED');
  assert.deepEqual(
    (done.status?.nodes ?? []).map((n) => n.operationId),
    operations,
    'the new operator re-attached to the operations the stopped one started',
  );
  assert.deepEqual(
    backupsPerNode(c).map((n) => n.data),
    before,
    'no node received a second backup operation after the restart',
  );
});

test('a restore the IBM operator already ran is left alone: no workflow, no finalizer, no Icarus call, one Event', async () => {
  // The operators of the tests above watched this namespace the whole time.
  const event = await restores.waitForEvent(IBM_ERA, 'ManagedElsewhere', 'Normal');
  assert.match(event.message, /another controller/);
  const restore = await restores.get(IBM_ERA);
  assert.equal(restore.status?.state, 'COMPLETED');
  assert.equal(restore.status?.workflowId, undefined);
  assert.deepEqual(restore.metadata.finalizers ?? [], []);
  const c = cluster as PodCluster;
  assert.deepEqual(
    c.cluster.nodes.map((n) => n.simulator.received.filter((r) => r.type === 'restore').length),
    [0, 0, 0],
  );
});
