// The per-cluster series on the real stack: after a real backup that succeeds, one that fails and a
// restore that fails (simulated Icarus pods), the operator's /metrics says when each ended, with the
// values of their status; a restarted operator says the same at once; and every metric that the alerts
// and the dashboard of k8s/monitoring read is in that scrape.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CassandraBackup, CassandraRestore } from '../../src/kube/api/resources.js';
import { createS3Secret, startPodCluster, type PodCluster } from '../support/cassandra-pods.js';
import { Backups, Restores, succeeded } from '../support/custom-resources.js';
import {
  dashboard,
  dashboardQueries,
  metricNames,
  ruleGroups,
  sample,
  sampledNames,
  variableSelectors,
} from '../support/monitoring.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';
import { createNamespace, kubeConfig, uniqueName } from '../support/stack-env.js';
import { eventually } from '../support/wait.js';

const operators: OperatorProcess[] = [];
let cluster: PodCluster | undefined;
let namespace = '';
let env: Record<string, string>;
let backups: Backups;
let restores: Restores;
/** What the tests below read: the scrape after the runs, and the runs. */
const seen: {
  text?: string;
  ok?: CassandraBackup;
  failed?: CassandraBackup;
  restore?: CassandraRestore;
  verify?: CassandraRestore;
} = {};

before(async () => {
  const kc = kubeConfig();
  namespace = await createNamespace(kc, 'mon');
  await createS3Secret(kc, namespace, 'creds');
  cluster = await startPodCluster(kc, namespace, {
    name: uniqueName('ring'),
    datacenters: { dc1: 2 },
    timing: { durationMs: 3_000, pendingMs: 50 },
    buckets: ['s3://alerts-bucket'],
  });
  env = {
    WATCH_NAMESPACES: namespace,
    TEMPORAL_TASK_QUEUE: uniqueName('mon'),
    ICARUS_POLL_INTERVAL_MS: '200',
    HEARTBEAT_TIMEOUT_SECONDS: '3',
    SHUTDOWN_GRACE_SECONDS: '1',
  };
  const logs = () => operators.flatMap((o) => o.logs.slice(-30)).join('\n');
  backups = new Backups(kc, namespace, logs);
  restores = new Restores(kc, namespace, logs);
});

after(async () => {
  await Promise.all(operators.map((o) => o.stop()));
  await cluster?.stop();
});

async function startReady(): Promise<string> {
  const operator = startOperator(env);
  operators.push(operator);
  const url = await operator.httpUrl();
  await eventually(`${url}/readyz answers 200`, async () => (await fetch(`${url}/readyz`)).ok || undefined);
  return url;
}

const scrape = async (url: string) => (await fetch(`${url}/metrics`)).text();
const seconds = (time: string | undefined) => Date.parse(time ?? '') / 1000;

/** The per-cluster series of this test's cluster, as lines. */
function clusterLines(text: string): string[] {
  const c = cluster as PodCluster;
  return text
    .split('\n')
    .filter((l) => l.includes(`namespace="${namespace}",cassandra_cluster="${c.cluster.opts.name}"`))
    .sort();
}

test('after a backup that succeeds, one that fails, a restore that fails and a verify that fails: the per-cluster series hold their status times, the verify’s apart', async () => {
  const url = await startReady();
  const c = cluster as PodCluster;
  const name = c.cluster.opts.name;

  const okName = uniqueName('daily');
  await backups.create(okName, {
    cassandraCluster: name,
    storageLocation: 's3://alerts-bucket',
    secretName: 'creds',
  });
  await backups.waitFor(okName, 'RUNNING', (b) => b.status?.state === 'RUNNING');
  // Two answers of 500 from one node while it works: the Icarus error series the alerts read.
  const node0 = c.cluster.nodes[0];
  assert.ok(node0);
  node0.simulator.faults.errorBurst = { status: 500, count: 2 };
  seen.ok = await backups.waitFor(okName, 'Succeeded=True', (b) => succeeded(b) === 'True');

  const failedName = uniqueName('nobucket');
  await backups.create(failedName, {
    cassandraCluster: name,
    storageLocation: `s3://${uniqueName('never-made')}`,
    secretName: 'creds',
  });
  seen.failed = await backups.waitFor(failedName, 'Succeeded=False', (b) => succeeded(b) === 'False');

  const restoreName = uniqueName('putback');
  await restores.create(restoreName, {
    cassandraCluster: name,
    storageLocation: `s3://${uniqueName('never-made')}`,
    snapshotTag: 'nightly',
    secretName: 'creds',
    skipBucketVerification: true,
  });
  seen.restore = await restores.waitFor(restoreName, 'Succeeded=False', (r) => succeeded(r) === 'False');
  // A verify that fails after it: counted apart (mode="Verify"), it leaves the restore's series as they are.
  const verifyName = uniqueName('check');
  await restores.create(verifyName, {
    cassandraCluster: name,
    storageLocation: `s3://${uniqueName('never-made')}`,
    snapshotTag: 'nightly',
    secretName: 'creds',
    skipBucketVerification: true,
    mode: 'Verify',
  });
  seen.verify = await restores.waitFor(verifyName, 'Succeeded=False', (r) => succeeded(r) === 'False');

  const text = await scrape(url);
  seen.text = text;
  const labels = (kind: string) => `kind="${kind}",namespace="${namespace}",cassandra_cluster="${name}"`;
  const backup = labels('CassandraBackup');
  const restore = labels('CassandraRestore');
  const ok = seen.ok.status;
  assert.ok(ok?.startTime && ok.completionTime, JSON.stringify(ok));
  assert.equal(
    sample(text, `cassandra_operator_last_success_timestamp_seconds{${backup}}`),
    seconds(ok.completionTime),
  );
  assert.equal(
    sample(text, `cassandra_operator_last_success_duration_seconds{${backup}}`),
    seconds(ok.completionTime) - seconds(ok.startTime),
  );
  assert.equal(
    sample(text, `cassandra_operator_oldest_created_timestamp_seconds{${backup}}`),
    seconds(String(seen.ok.metadata.creationTimestamp)),
  );
  assert.equal(
    sample(text, `cassandra_operator_last_failure_timestamp_seconds{${backup}}`),
    seconds(seen.failed.status?.completionTime),
  );
  assert.ok(
    seconds(seen.failed.status?.completionTime) > seconds(ok.completionTime),
    'the failure came after the success: CassandraClusterBackupFailed would fire',
  );
  assert.equal(
    sample(text, `cassandra_operator_last_failure_timestamp_seconds{${restore}}`),
    seconds(seen.restore.status?.completionTime),
  );
  assert.equal(sample(text, `cassandra_operator_last_success_timestamp_seconds{${restore}}`), undefined);
  assert.equal(sample(text, `cassandra_operator_cluster_resources{${backup},state="COMPLETED"}`), 1);
  assert.equal(sample(text, `cassandra_operator_cluster_resources{${backup},state="FAILED"}`), 1);
  assert.equal(sample(text, `cassandra_operator_cluster_resources{${restore},state="FAILED"}`), 1);
  const verify = `${restore},mode="Verify"`;
  assert.ok(
    seconds(seen.verify.status?.completionTime) >= seconds(seen.restore.status?.completionTime),
    'the verify failed after the restore',
  );
  assert.equal(
    sample(text, `cassandra_operator_last_failure_timestamp_seconds{${verify}}`),
    seconds(seen.verify.status?.completionTime),
  );
  assert.equal(sample(text, `cassandra_operator_cluster_resources{${verify},state="FAILED"}`), 1);
});

test('a restarted operator shows the same per-cluster series as soon as it is ready', async () => {
  assert.ok(seen.text, 'the scrape of the test above');
  const before = clusterLines(seen.text);
  assert.ok(before.length >= 7, before.join('\n'));
  const first = operators[0];
  assert.ok(first);
  assert.equal(await first.stop(), 0);
  const url = await startReady();
  assert.deepEqual(clusterLines(await scrape(url)), before);
});

test('every metric the alerts and the dashboard read is at the operator’s /metrics', () => {
  assert.ok(seen.text, 'the scrape of the first test');
  const present = sampledNames(seen.text);
  const rules = ruleGroups().flatMap((g) => g.rules);
  const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
  // `up` is Prometheus's own series of each scrape target, never in a target's /metrics.
  const fromPrometheus = new Set(['up']);
  const reads = [
    ...rules.map((r) => ({ where: `rule ${r.alert ?? r.record}`, expr: r.expr })),
    ...dashboardQueries(dashboard()).map((q) => ({ where: `panel "${q.panel}"`, expr: q.expr })),
    ...variableSelectors(dashboard()).map((v) => ({ where: `variable ${v.variable}`, expr: v.expr })),
  ];
  const missing: string[] = [];
  let checked = 0;
  for (const { where, expr } of reads) {
    const names = metricNames(expr);
    // Only the age's recording rule reads no metric (vector(90000)).
    if (names.length === 0) assert.match(expr, /^vector\(\d+\)$/, `${where} reads no metric: ${expr}`);
    for (const name of names) {
      checked++;
      if (!present.has(name) && !recorded.has(name) && !fromPrometheus.has(name))
        missing.push(`${where}: ${name}`);
    }
  }
  assert.ok(checked >= 25, `${checked} names checked`);
  assert.deepEqual(missing, []);
  // The name reader finds what the rules are about (a check of the check).
  const tooOld = rules.find((r) => r.alert === 'CassandraClusterBackupTooOld');
  assert.deepEqual(metricNames(tooOld?.expr ?? '').sort(), [
    'cassandra_operator:backup_max_age_seconds',
    'cassandra_operator_last_success_timestamp_seconds',
    'cassandra_operator_oldest_created_timestamp_seconds',
  ]);
});
