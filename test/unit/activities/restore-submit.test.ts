// The restore submission against simulated nodes, in Temporal's mock activity environment: an
// interrupted submission is adopted, an older restore's operation is not, and TRUNCATE is never posted
// a second time: adopted whatever its state, refused when an earlier attempt may have posted it, and
// posted again only when the node provably never got it (it still lists the DOWNLOAD before it).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { submitRestore, type SubmitRestoreInput } from '../../../activities/restore-submit.js';
import { finishedStates } from '../../../src/icarus/types.js';
import { cassandraRestoreSpecSchema } from '../../../src/kube/api/resources.js';
import type { RestorePhaseName } from '../../../src/contract/status.js';
import { inActivity, simulatedActivities } from '../../support/activity-env.js';
import { eventually } from '../../support/wait.js';

const { cluster, deps, nodeWork } = simulatedActivities();

before(() => cluster.start());
after(() => cluster.stop());

function input(phase: RestorePhaseName, tag: string, notBefore = Date.now()): SubmitRestoreInput {
  return {
    resource: { namespace: 'ns', name: 'r', uid: 'u' },
    spec: cassandraRestoreSpecSchema.parse({ cassandraCluster: 'unit', cassandraBackup: 'b' }),
    plan: {
      clusterName: 'unit',
      icarusGeneration: 3,
      source: { storageLocation: 's3://bucket', snapshotTag: tag, secretName: 's' },
      dataDirs: ['/var/lib/cassandra/data'],
      cassandraDirectory: '/var/lib/cassandra',
      downloadDir: 'file:///var/lib/cassandra/downloadedsstables',
    },
    node: nodeWork(0),
    phase,
    notBefore,
  };
}

const posted = (phase: string, tag: string) =>
  (cluster.nodes[0]?.simulator.received ?? []).filter(
    (r) => r.request.restorationPhase === phase && r.request.snapshotTag === tag,
  ).length;

test('a second attempt adopts the phase operation the first one posted', async () => {
  const first = await inActivity(new MockActivityEnvironment(), () =>
    submitRestore(deps, input('DOWNLOAD', 'adopt')),
  );
  const again = await inActivity(new MockActivityEnvironment({ attempt: 2 }), () =>
    submitRestore(deps, input('DOWNLOAD', 'adopt')),
  );
  assert.equal(again.operationId, first.operationId);
  assert.equal(again.adopted, true);
  assert.equal(posted('DOWNLOAD', 'adopt'), 1);
});

test('an operation of an earlier restore (created before this phase began) is not adopted', async () => {
  const old = await inActivity(new MockActivityEnvironment(), () =>
    submitRestore(deps, input('CLEANUP', 'older')),
  );
  const next = await inActivity(new MockActivityEnvironment(), () =>
    submitRestore(deps, input('CLEANUP', 'older', Date.now() + 60_000)),
  );
  assert.notEqual(next.operationId, old.operationId);
  assert.equal(posted('CLEANUP', 'older'), 2);
});

test('an operation of another restore of the same backup that moved on since is not adopted', async () => {
  // Restore B downloaded and cleaned up moments ago (within the clock-skew allowance of this phase).
  const bDownload = await inActivity(new MockActivityEnvironment(), () =>
    submitRestore(deps, input('DOWNLOAD', 'shared')),
  );
  await inActivity(new MockActivityEnvironment(), () => submitRestore(deps, input('CLEANUP', 'shared')));
  const mine = await inActivity(new MockActivityEnvironment(), () =>
    submitRestore(deps, input('DOWNLOAD', 'shared', Date.now() - 1000)),
  );
  assert.notEqual(mine.operationId, bDownload.operationId);
  assert.equal(mine.adopted, false);
  assert.equal(posted('DOWNLOAD', 'shared'), 2);
});

test('a TRUNCATE that ran is adopted, even FAILED, and never posted twice', async () => {
  // No backup has this tag: the truncate itself runs (it needs no download) and ends.
  const first = await inActivity(new MockActivityEnvironment(), () =>
    submitRestore(deps, input('TRUNCATE', 'once')),
  );
  // The retry comes once it has ended: the simulated node ends it FAILED (the test's "even FAILED").
  const ended = await eventually(
    'the TRUNCATE to end',
    async () => {
      const op = await deps.icarus(nodeWork(0).icarusUrl).getOperation(first.operationId);
      return finishedStates.has(op.state) ? op.state : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 20 },
  );
  assert.equal(ended, 'FAILED');
  const again = await inActivity(new MockActivityEnvironment({ attempt: 3 }), () =>
    submitRestore(deps, input('TRUNCATE', 'once')),
  );
  assert.equal(again.operationId, first.operationId);
  assert.equal(posted('TRUNCATE', 'once'), 1);
});

test('a retried TRUNCATE that the node does not list is refused, not posted blindly', async () => {
  const notListed = input('TRUNCATE', 'lost');
  await assert.rejects(
    inActivity(new MockActivityEnvironment({ attempt: 2 }), () => submitRestore(deps, notListed)),
    (err: unknown) =>
      err instanceof ApplicationFailure &&
      err.type === 'TruncateOutcomeUnknown' &&
      err.nonRetryable &&
      /retry signal/.test(err.message),
  );
  assert.equal(posted('TRUNCATE', 'lost'), 0);
  // The first attempt of a new activity (what the retry signal schedules) posts it.
  await inActivity(new MockActivityEnvironment(), () => submitRestore(deps, notListed));
  assert.equal(posted('TRUNCATE', 'lost'), 1);
});

test('a retried TRUNCATE whose node still lists the DOWNLOAD before it and no TRUNCATE is posted: the first attempt stopped before its POST', async () => {
  const download = await inActivity(new MockActivityEnvironment(), () =>
    submitRestore(deps, input('DOWNLOAD', 'witnessed')),
  );
  const truncate = { ...input('TRUNCATE', 'witnessed'), witness: download.operationId };
  const again = await inActivity(new MockActivityEnvironment({ attempt: 2 }), () =>
    submitRestore(deps, truncate),
  );
  assert.equal(again.adopted, false);
  assert.equal(posted('TRUNCATE', 'witnessed'), 1);
  // A third attempt (the second one's result lost) adopts it: still one TRUNCATE.
  const third = await inActivity(new MockActivityEnvironment({ attempt: 3 }), () =>
    submitRestore(deps, truncate),
  );
  assert.equal(third.operationId, again.operationId);
  assert.equal(posted('TRUNCATE', 'witnessed'), 1);
});

test('a retried TRUNCATE is refused when its witness is gone: the sidecar restarted and may have forgotten a TRUNCATE', async () => {
  const download = await inActivity(new MockActivityEnvironment(), () =>
    submitRestore(deps, input('DOWNLOAD', 'forgotten')),
  );
  await cluster.nodes[0]?.simulator.restart();
  // A kept-alive connection to the node before its restart is reset once: wait until it answers.
  await eventually(
    'the restarted node to answer',
    async () =>
      (await deps.icarus(nodeWork(0).icarusUrl).listOperations({ type: 'restore' })).length === 0 ||
      undefined,
  );
  const truncate = { ...input('TRUNCATE', 'forgotten'), witness: download.operationId };
  await assert.rejects(
    inActivity(new MockActivityEnvironment({ attempt: 2 }), () => submitRestore(deps, truncate)),
    (err: unknown) => err instanceof ApplicationFailure && err.type === 'TruncateOutcomeUnknown',
  );
  assert.equal(posted('TRUNCATE', 'forgotten'), 0);
});

test('a retried TRUNCATE is refused when the node lists one of this source that a later operation moved past', async () => {
  const notBefore = Date.now();
  const download = await inActivity(new MockActivityEnvironment(), () =>
    submitRestore(deps, input('DOWNLOAD', 'moved-on', notBefore)),
  );
  // A TRUNCATE of this source, then another operation after it: not adoptable as this phase's own, and
  // proof enough that one may have been posted.
  await inActivity(new MockActivityEnvironment(), () =>
    submitRestore(deps, input('TRUNCATE', 'moved-on', notBefore)),
  );
  await inActivity(new MockActivityEnvironment(), () =>
    submitRestore(deps, input('CLEANUP', 'moved-on', notBefore)),
  );
  const truncate = { ...input('TRUNCATE', 'moved-on', notBefore), witness: download.operationId };
  await assert.rejects(
    inActivity(new MockActivityEnvironment({ attempt: 2 }), () => submitRestore(deps, truncate)),
    (err: unknown) => err instanceof ApplicationFailure && err.type === 'TruncateOutcomeUnknown',
  );
  assert.equal(posted('TRUNCATE', 'moved-on'), 1);
});
