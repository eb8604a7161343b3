import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OperatorMetrics } from '../../../src/metrics/operator-metrics.js';

async function value(m: OperatorMetrics, series: string): Promise<number | undefined> {
  const line = (await m.registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('a run is counted once per transition: a repeated write of the same state adds nothing', async () => {
  const m = new OperatorMetrics({ processMetrics: false });
  m.stateChanged('CassandraBackup', 'PENDING', 'RUNNING', {});
  m.stateChanged('CassandraBackup', 'RUNNING', 'RUNNING', {});
  m.stateChanged('CassandraBackup', 'RUNNING', 'FAILED', {
    startTime: '2026-11-25T10:00:00Z',
    completionTime: '2026-11-25T10:01:30Z',
  });
  m.stateChanged('CassandraBackup', 'FAILED', 'FAILED', {});
  // The retry signal: a second attempt starts and succeeds.
  m.stateChanged('CassandraBackup', 'FAILED', 'RUNNING', {});
  m.stateChanged('CassandraBackup', 'RUNNING', 'COMPLETED', {
    startTime: '2026-11-25T10:00:00Z',
    completionTime: '2026-11-25T10:05:00Z',
  });
  assert.equal(await value(m, 'cassandra_operator_runs_started_total{kind="CassandraBackup"}'), 2);
  assert.equal(
    await value(m, 'cassandra_operator_runs_finished_total{kind="CassandraBackup",result="failed"}'),
    1,
  );
  assert.equal(
    await value(m, 'cassandra_operator_runs_finished_total{kind="CassandraBackup",result="succeeded"}'),
    1,
  );
  assert.equal(
    await value(m, 'cassandra_operator_run_duration_seconds_sum{kind="CassandraBackup",result="succeeded"}'),
    300,
  );
  assert.equal(
    await value(m, 'cassandra_operator_run_duration_seconds_sum{kind="CassandraBackup",result="failed"}'),
    90,
  );
});

test('resource counts are read from their sources at each scrape, and stale states disappear', async () => {
  const m = new OperatorMetrics({ processMetrics: false });
  let states = ['RUNNING', 'RUNNING', 'COMPLETED'];
  m.countResources(() =>
    [...new Set(states)].map((state) => ({
      kind: 'CassandraRestore',
      state,
      count: states.filter((s) => s === state).length,
    })),
  );
  assert.equal(await value(m, 'cassandra_operator_resources{kind="CassandraRestore",state="RUNNING"}'), 2);
  states = ['COMPLETED'];
  assert.equal(
    await value(m, 'cassandra_operator_resources{kind="CassandraRestore",state="RUNNING"}'),
    undefined,
  );
  assert.equal(await value(m, 'cassandra_operator_resources{kind="CassandraRestore",state="COMPLETED"}'), 1);
});

test('process metrics are on by default; two instances do not share a registry', async () => {
  const a = new OperatorMetrics();
  const b = new OperatorMetrics({ processMetrics: false });
  a.statusWritten('CassandraBackup', 'ok');
  assert.ok(((await value(a, 'process_resident_memory_bytes')) ?? 0) > 0);
  assert.equal(await value(b, 'process_resident_memory_bytes'), undefined);
  assert.equal(
    await value(b, 'cassandra_operator_status_writes_total{kind="CassandraBackup",result="ok"}'),
    undefined,
  );
  assert.equal(
    await value(a, 'cassandra_operator_status_writes_total{kind="CassandraBackup",result="ok"}'),
    1,
  );
});

test('per-cluster series: derived at each scrape from the resources, labelled kind, namespace, cassandra_cluster', async () => {
  const m = new OperatorMetrics({ processMetrics: false });
  const completed = {
    metadata: { namespace: 'prod', name: 'nightly', creationTimestamp: '2026-11-25T00:59:00Z' },
    spec: { cassandraCluster: 'ring', storageLocation: 's3://b', secretName: 's' },
    status: {
      state: 'COMPLETED',
      startTime: '2026-11-25T01:00:00Z',
      completionTime: '2026-11-25T01:02:00Z',
    },
  };
  const failedRestore = {
    metadata: { namespace: 'prod', name: 'put-back' },
    spec: { cassandraCluster: 'ring' },
    status: { state: 'FAILED', completionTime: '2026-11-25T03:00:00Z' },
  };
  let backups = [completed];
  m.runsOf('CassandraBackup', () => backups);
  m.runsOf('CassandraRestore', () => [failedRestore]);
  const labels = (kind: string) => `kind="${kind}",namespace="prod",cassandra_cluster="ring"`;
  const backup = labels('CassandraBackup');
  const restore = labels('CassandraRestore');
  assert.equal(
    await value(m, `cassandra_operator_last_success_timestamp_seconds{${backup}}`),
    Date.parse('2026-11-25T01:02:00Z') / 1000,
  );
  assert.equal(await value(m, `cassandra_operator_last_success_duration_seconds{${backup}}`), 120);
  assert.equal(
    await value(m, `cassandra_operator_oldest_created_timestamp_seconds{${backup}}`),
    Date.parse('2026-11-25T00:59:00Z') / 1000,
  );
  assert.equal(await value(m, `cassandra_operator_cluster_resources{${backup},state="COMPLETED"}`), 1);
  assert.equal(await value(m, `cassandra_operator_last_failure_timestamp_seconds{${backup}}`), undefined);
  assert.equal(
    await value(m, `cassandra_operator_last_failure_timestamp_seconds{${restore}}`),
    Date.parse('2026-11-25T03:00:00Z') / 1000,
  );
  assert.equal(await value(m, `cassandra_operator_last_success_timestamp_seconds{${restore}}`), undefined);
  // The backup is deleted: its cluster's backup series go at the next scrape.
  backups = [];
  assert.equal(await value(m, `cassandra_operator_last_success_timestamp_seconds{${backup}}`), undefined);
  assert.equal(
    await value(m, `cassandra_operator_cluster_resources{${backup},state="COMPLETED"}`),
    undefined,
  );
});
