import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterRuns, type RunResource } from '../../../src/metrics/cluster-runs.js';

const at = (iso: string) => Date.parse(iso) / 1000;

function backup(
  namespace: string,
  cluster: string,
  status?: NonNullable<RunResource['status']>,
  creationTimestamp?: string,
): RunResource {
  return {
    metadata: { namespace, ...(creationTimestamp ? { creationTimestamp } : {}) },
    spec: { cassandraCluster: cluster },
    ...(status ? { status } : {}),
  };
}

const condition = (status: 'True' | 'False', lastTransitionTime: string) => ({
  type: 'Succeeded',
  status,
  reason: status === 'True' ? 'Completed' : 'NodeFailed',
  message: '',
  lastTransitionTime,
});

test('per namespace and cluster: the newest COMPLETED run, its duration, the newest FAILED run, the states', () => {
  const runs = clusterRuns([
    backup(
      'prod',
      'ring',
      { state: 'COMPLETED', startTime: '2026-11-24T01:00:00Z', completionTime: '2026-11-24T01:20:00Z' },
      '2026-11-24T00:59:00Z',
    ),
    // The newest success wins, whatever the order of the list.
    backup('prod', 'ring', {
      state: 'COMPLETED',
      startTime: '2026-11-25T01:00:00Z',
      completionTime: '2026-11-25T01:05:30Z',
    }),
    backup('prod', 'ring', {
      state: 'COMPLETED',
      startTime: '2026-11-23T01:00:00Z',
      completionTime: '2026-11-23T03:00:00Z',
    }),
    backup('prod', 'ring', {
      state: 'FAILED',
      startTime: '2026-11-25T02:00:00Z',
      completionTime: '2026-11-25T02:01:00Z',
    }),
    backup('prod', 'ring', {
      state: 'FAILED',
      startTime: '2026-11-22T02:00:00Z',
      completionTime: '2026-11-22T02:01:00Z',
    }),
    backup('prod', 'ring', { state: 'RUNNING', startTime: '2026-11-26T01:00:00Z' }),
    backup('prod', 'ring', undefined, '2026-11-20T10:00:00Z'),
    // Same cluster name in another namespace: another cluster.
    backup('test', 'ring', {
      state: 'COMPLETED',
      startTime: '2026-11-20T00:00:00Z',
      completionTime: '2026-11-20T00:00:10Z',
    }),
  ]);
  assert.deepEqual(runs, [
    {
      namespace: 'prod',
      cluster: 'ring',
      verify: false,
      states: new Map([
        ['COMPLETED', 3],
        ['FAILED', 2],
        ['RUNNING', 1],
        ['New', 1],
      ]),
      oldestCreatedAt: at('2026-11-20T10:00:00Z'),
      lastSuccess: { at: at('2026-11-25T01:05:30Z'), durationSeconds: 330 },
      lastFailureAt: at('2026-11-25T02:01:00Z'),
    },
    {
      namespace: 'test',
      cluster: 'ring',
      verify: false,
      states: new Map([['COMPLETED', 1]]),
      lastSuccess: { at: at('2026-11-20T00:00:10Z'), durationSeconds: 10 },
    },
  ]);
});

test('a cluster whose runs never succeeded or failed has states and its oldest creation only; cancelled and pending runs give no time', () => {
  const [runs] = clusterRuns([
    backup('prod', 'quiet', { state: 'PENDING' }, '2026-11-25T00:00:00Z'),
    backup('prod', 'quiet', {
      state: 'CANCELLED',
      startTime: '2026-11-25T01:00:00Z',
      completionTime: '2026-11-25T01:01:00Z',
    }),
  ]);
  assert.deepEqual(runs, {
    namespace: 'prod',
    cluster: 'quiet',
    verify: false,
    oldestCreatedAt: at('2026-11-25T00:00:00Z'),
    states: new Map([
      ['PENDING', 1],
      ['CANCELLED', 1],
    ]),
  });
});

test('without completionTime the Succeeded condition dates the run; without either the run has no time', () => {
  const [runs] = clusterRuns([
    // Written by the IBM operator: a state, no times, no conditions.
    backup('prod', 'ibm', { state: 'COMPLETED' }),
    backup('prod', 'ibm', {
      state: 'COMPLETED',
      startTime: '2026-11-25T00:00:00Z',
      conditions: [condition('True', '2026-11-25T00:10:00Z')],
    }),
    // A condition of the other status says nothing about when this state was reached.
    backup('prod', 'ibm', { state: 'FAILED', conditions: [condition('True', '2026-11-26T00:00:00Z')] }),
    backup('prod', 'ibm', { state: 'FAILED', conditions: [condition('False', '2026-11-24T00:00:00Z')] }),
  ]);
  assert.deepEqual(runs?.lastSuccess, { at: at('2026-11-25T00:10:00Z'), durationSeconds: 600 });
  assert.equal(runs?.lastFailureAt, at('2026-11-24T00:00:00Z'));
});

test('a start after the end or an unreadable time gives no duration, never a negative one', () => {
  const [runs] = clusterRuns([
    backup('prod', 'skewed', {
      state: 'COMPLETED',
      startTime: '2026-11-25T01:00:01Z',
      completionTime: '2026-11-25T01:00:00Z',
    }),
  ]);
  assert.deepEqual(runs?.lastSuccess, { at: at('2026-11-25T01:00:00Z') });
  const [garbled] = clusterRuns([backup('prod', 'garbled', { state: 'COMPLETED', completionTime: 'soon' })]);
  assert.equal(garbled?.lastSuccess, undefined);
});

test('verifies (spec.mode Verify) are counted apart from the restores of the same cluster', () => {
  const restore = backup('prod', 'ring', { state: 'FAILED', completionTime: '2026-11-25T02:00:00Z' });
  const verify = (status: NonNullable<RunResource['status']>): RunResource => ({
    ...backup('prod', 'ring', status),
    spec: { cassandraCluster: 'ring', mode: 'Verify' },
  });
  const runs = clusterRuns([
    restore,
    // A verify that succeeded after the restore failed must not end the restore's failure.
    verify({ state: 'COMPLETED', completionTime: '2026-11-25T03:00:00Z' }),
    verify({ state: 'FAILED', completionTime: '2026-11-25T01:00:00Z' }),
    {
      ...backup('prod', 'ring', { state: 'COMPLETED', completionTime: '2026-11-24T00:00:00Z' }),
      spec: { cassandraCluster: 'ring', mode: 'Restore' },
    },
  ]);
  assert.deepEqual(
    runs.map((r) => ({
      verify: r.verify,
      states: Object.fromEntries(r.states),
      success: r.lastSuccess?.at,
      failure: r.lastFailureAt,
    })),
    [
      {
        verify: false,
        states: { FAILED: 1, COMPLETED: 1 },
        success: at('2026-11-24T00:00:00Z'),
        failure: at('2026-11-25T02:00:00Z'),
      },
      {
        verify: true,
        states: { COMPLETED: 1, FAILED: 1 },
        success: at('2026-11-25T03:00:00Z'),
        failure: at('2026-11-25T01:00:00Z'),
      },
    ],
  );
});
