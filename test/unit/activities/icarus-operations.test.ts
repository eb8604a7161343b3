// The Icarus activities against simulated nodes, in Temporal's mock activity environment: a submission
// interrupted after its POST is adopted by the next attempt instead of sent again, and the watch
// reports how each operation ended.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { submitBackup, type SubmitBackupInput } from '../../../activities/backup-submit.js';
import { watchOperations } from '../../../activities/watch-operations.js';
import { cassandraBackupSpecSchema } from '../../../src/kube/api/resources.js';
import type { WatchInput } from '../../../src/contract/activity-io.js';
import { inActivity, simulatedActivities } from '../../support/activity-env.js';

const { cluster, deps, writes, nodeWork, deleting } = simulatedActivities();

before(() => cluster.start());
after(() => cluster.stop());

function input(i: number, tag: string): SubmitBackupInput {
  return {
    resource: { namespace: 'ns', name: 'b', uid: 'u' },
    spec: cassandraBackupSpecSchema.parse({
      cassandraCluster: 'unit',
      storageLocation: 's3://bucket',
      secretName: 's',
    }),
    plan: {
      clusterName: 'unit',
      schemaVersion: cluster.schemaVersion,
      resolvedTag: `${tag}-${cluster.schemaVersion}-1700000000000`,
      icarusGeneration: 3,
      dataDirs: ['/var/lib/cassandra/data'],
    },
    node: nodeWork(i),
  };
}

test('a second attempt of a submission adopts the operation the first one started', async () => {
  const env = new MockActivityEnvironment();
  const first = await inActivity(env, () => submitBackup(deps, input(0, 'adopt')));
  assert.equal(first.adopted, false);
  // The worker died before Temporal recorded the result: the retried activity must not POST again.
  const second = await inActivity(env, () => submitBackup(deps, input(0, 'adopt')));
  assert.equal(second.adopted, true);
  assert.equal(second.operationId, first.operationId);
  const topology = await inActivity(env, () =>
    submitBackup(deps, { ...input(0, 'adopt'), uploadClusterTopology: true }),
  );
  assert.equal(topology.adopted, false, 'the topology upload is another operation');
  assert.deepEqual(
    cluster.nodes[0]?.simulator.received.map((r) => r.operationId),
    [first.operationId, topology.operationId],
  );
});

test('a FAILED operation of the same tag is not adopted: the node is submitted again', async () => {
  cluster.nodes[1]?.simulator.failNext({ atProgress: 0.1, message: 'boom', times: 1 });
  const env = new MockActivityEnvironment();
  const failed = await inActivity(env, () => submitBackup(deps, input(1, 'refail')));
  const nodes = [nodeWork(1)].map((n) => ({ ...n, operationId: failed.operationId }));
  const watchInput: WatchInput = {
    resource: { namespace: 'ns', name: 'b', uid: 'u' },
    kind: 'CassandraBackup',
    nodes,
    active: ['pod-1'],
    returnWhen: 'all',
    deadline: Date.now() + 60_000,
    pollIntervalMs: 50,
    unreachableAfterMs: 5_000,
  };
  const watched = await inActivity(env, () => watchOperations(deps, watchInput));
  assert.deepEqual(watched.ended, [{ pod: 'pod-1', outcome: 'FAILED', message: 'boom' }]);
  assert.equal(watched.nodes[0]?.lastError, 'boom');
  const again = await inActivity(env, () => submitBackup(deps, input(1, 'refail')));
  assert.equal(again.adopted, false);
  assert.notEqual(again.operationId, failed.operationId);
});

test('the watch reports a lost operation (Icarus restarted) and heartbeats the operation ids', async () => {
  const env = new MockActivityEnvironment();
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => heartbeats.push(d));
  const submitted = await inActivity(env, () => submitBackup(deps, input(0, 'lost')));
  await cluster.nodes[0]?.simulator.restart();
  const watched = await inActivity(env, () =>
    watchOperations(deps, {
      resource: { namespace: 'ns', name: 'b', uid: 'u' },
      kind: 'CassandraBackup',
      nodes: [{ ...nodeWork(0), operationId: submitted.operationId }],
      active: ['pod-0'],
      returnWhen: 'all',
      deadline: Date.now() + 60_000,
      pollIntervalMs: 50,
      unreachableAfterMs: 5_000,
    }),
  );
  assert.equal(watched.ended[0]?.outcome, 'LOST');
  assert.ok(heartbeats.length > 0);
  assert.ok(writes.length > 0, 'live status was written');
  assert.ok(
    writes.every((w) => 'nodes' in w && !('state' in w)),
    'the watch writes the nodes and their progress; the state is the workflow’s to write',
  );
});

test('a backup being deleted gets nothing posted: the submission fails ResourceDeleted', async () => {
  const gone = { ...input(0, 'deleted'), resource: { namespace: 'ns', name: 'gone', uid: 'u' } };
  deleting.add('gone');
  const before = cluster.nodes[0]?.simulator.received.length ?? 0;
  await assert.rejects(
    inActivity(new MockActivityEnvironment(), () => submitBackup(deps, gone)),
    (err: unknown) => err instanceof ApplicationFailure && err.type === 'ResourceDeleted' && err.nonRetryable,
  );
  assert.equal(cluster.nodes[0]?.simulator.received.length, before, 'nothing posted');
});
