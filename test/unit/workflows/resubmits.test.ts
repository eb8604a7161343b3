// Operations that Icarus lost (its sidecar restarted) are submitted again at most MAX_RESUBMITS times
// per attempt (workflows/resource-run.ts), a node's and the topology upload's alike; past the limit the
// node fails with IcarusOperationLost. On the time-skipping test server with fake activities.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { retrySignal } from '../../../workflows/signals.js';
import { MAX_RESUBMITS } from '../../../workflows/resource-run.js';
import { FakeBackupActivities, startBackup } from '../../support/fake-backup-activities.js';
import { failureOf, startTimeSkipping, uniqueId, withWorker } from '../../support/workflow-env.js';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await startTimeSkipping();
});
after(async () => {
  await env?.teardown();
});

const lostNode = 'c-dc1-rack1-0';

test('MAX_RESUBMITS is small and positive', () => {
  // The tests below count on at least one resubmission and on the limit being reached quickly.
  assert.ok(MAX_RESUBMITS >= 1 && MAX_RESUBMITS <= 5, String(MAX_RESUBMITS));
});

test('a node whose operation is lost every time is submitted 1 + MAX_RESUBMITS times, then fails with IcarusOperationLost', async () => {
  const fake = new FakeBackupActivities(3);
  fake.outcome = (s) => (s.pod === lostNode ? 'LOST' : 'COMPLETED');
  const queue = uniqueId('backup');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startBackup(env, queue);
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'IcarusOperationLost');
    assert.match(failure.message, /^1 of 3 node\(s\) failed: c-dc1-rack1-0: /);
  });
  const lost = fake.submissions.filter((s) => s.pod === lostNode);
  assert.equal(lost.length, 1 + MAX_RESUBMITS);
  assert.equal(new Set(lost.map((s) => s.operationId)).size, lost.length, 'a new operation each time');
  assert.equal(fake.submissions.filter((s) => s.pod !== lostNode).length, 2, 'the other nodes once');
  assert.ok(!fake.submissions.some((s) => s.topology), 'no topology upload after a failed node');
  assert.equal(fake.eventReasons().filter((r) => r === 'OperationLost').length, MAX_RESUBMITS);
  assert.equal(fake.condition()?.reason, 'IcarusOperationLost');
  assert.deepEqual(fake.states().slice(-1), ['FAILED']);
});

test('a node lost MAX_RESUBMITS times and then done lets the backup succeed', async () => {
  const fake = new FakeBackupActivities(3);
  fake.outcome = (s) =>
    s.pod === lostNode && fake.submissions.filter((x) => x.pod === lostNode).length <= MAX_RESUBMITS
      ? 'LOST'
      : 'COMPLETED';
  const queue = uniqueId('backup');
  const result = await withWorker(env, queue, fake.activities(), async () =>
    (await startBackup(env, queue)).result(),
  );
  assert.equal(result.outcome, 'Succeeded');
  assert.equal(fake.submissions.filter((s) => s.pod === lostNode && !s.topology).length, 1 + MAX_RESUBMITS);
  assert.equal(fake.eventReasons().filter((r) => r === 'OperationLost').length, MAX_RESUBMITS);
});

test('the limit is per attempt: a retry gives a lost node MAX_RESUBMITS resubmissions again', async () => {
  const fake = new FakeBackupActivities(2);
  let lostAlways = true;
  fake.outcome = (s) => (s.pod === lostNode && lostAlways ? 'LOST' : 'COMPLETED');
  const queue = uniqueId('backup');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startBackup(env, queue);
    await fake.until('FAILED written', () => fake.states().includes('FAILED'));
    assert.equal(fake.submissions.filter((s) => s.pod === lostNode).length, 1 + MAX_RESUBMITS);
    // The retry: lost MAX_RESUBMITS times more, then done.
    const before = fake.submissions.length;
    fake.outcome = (s) =>
      s.pod === lostNode &&
      fake.submissions.slice(before).filter((x) => x.pod === lostNode).length <= MAX_RESUBMITS
        ? 'LOST'
        : 'COMPLETED';
    lostAlways = false;
    await handle.signal(retrySignal);
    assert.equal((await handle.result()).outcome, 'Succeeded');
    const retried = fake.submissions.slice(before).filter((s) => s.pod === lostNode && !s.topology);
    assert.equal(retried.length, 1 + MAX_RESUBMITS);
  });
});

test('a topology upload lost every time is submitted 1 + MAX_RESUBMITS times, then the backup fails with IcarusOperationLost', async () => {
  const fake = new FakeBackupActivities(3);
  fake.outcome = (s) => (s.topology ? 'LOST' : 'COMPLETED');
  const queue = uniqueId('backup');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startBackup(env, queue);
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'IcarusOperationLost');
    assert.match(
      failure.message,
      /^every node was backed up, but writing the cluster topology from c-dc1-rack1-0 failed/,
    );
  });
  assert.equal(fake.submissions.filter((s) => s.topology).length, 1 + MAX_RESUBMITS);
  assert.equal(fake.submissions.filter((s) => !s.topology).length, 3, 'the nodes are not backed up again');
  assert.equal(fake.eventReasons().filter((r) => r === 'OperationLost').length, MAX_RESUBMITS);
});
