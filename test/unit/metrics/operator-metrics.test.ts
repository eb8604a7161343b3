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
