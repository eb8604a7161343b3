// Every way a backup run is cancelled (workflows/resource-run.ts), on the time-skipping test server with
// fake activities: the cancel signal while operations run or while submissions are in flight, the
// resource found deleted (when an attempt starts, by a submission, just before success, or the
// watcher's cancel on deletion), Temporal's own cancel and a spec change that stops a running attempt (a
// scheduled run replaced by a newer one: scheduled-cancel.test.ts). Each asserts what Icarus was asked to
// stop, that nothing new was submitted, the status and Event written, and how the workflow ended.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { cancelSignal, specChangedSignal } from '../../../workflows/signals.js';
import { FailureType } from '../../../src/contract/failures.js';
import { FakeBackupActivities, runOptions, startBackup } from '../../support/fake-backup-activities.js';
import {
  deferred,
  canceledOf,
  startTimeSkipping,
  timersOf,
  uniqueId,
  untilInHistory,
  withWorker,
} from '../../support/workflow-env.js';

const { EventType } = proto.temporal.api.enums.v1;

let env: TestWorkflowEnvironment;
before(async () => {
  env = await startTimeSkipping();
});
after(async () => {
  await env?.teardown();
});

const pods = (ops: { pod: string }[] | undefined) => (ops ?? []).map((o) => o.pod).sort();

test('the cancel signal while operations run: Icarus is asked to stop them, nothing more starts, CANCELLED', async () => {
  const fake = new FakeBackupActivities(3);
  fake.watchHolds = true;
  const queue = uniqueId('backup');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startBackup(env, queue, runOptions({ maxParallelNodes: 2 }));
    await fake.until('two operations watched', () => fake.watches[0]?.length === 2);
    await handle.signal(cancelSignal, {});
    await fake.until('Icarus asked to cancel', () => fake.cancels.length > 0);
    await canceledOf(handle.result());
  });
  assert.equal(fake.cancels.length, 1);
  assert.deepEqual(pods(fake.cancels[0]), ['c-dc1-rack1-0', 'c-dc1-rack1-1']);
  assert.equal(fake.submissions.length, 2, 'the third node is never submitted');
  assert.deepEqual(fake.states(), ['PENDING', 'RUNNING', 'CANCELLED']);
  assert.deepEqual(fake.condition(), {
    type: 'Succeeded',
    status: 'False',
    reason: 'Cancelled',
    message: 'Backup cancelled; Icarus operations: 2 cancelled',
  });
  assert.equal(fake.events.at(-1)?.reason, 'BackupCancelled');
  assert.equal(fake.ownCancels, 1, 'then the run asked Temporal to cancel it: it closed as Canceled');
});

test('a cancel while submissions are in flight waits for them and stops every operation they started', async () => {
  const fake = new FakeBackupActivities(3);
  const release = deferred();
  fake.beforeSubmit = () => release.promise;
  const queue = uniqueId('backup');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startBackup(env, queue, runOptions({ maxParallelNodes: 2 }));
    await fake.until('two submissions in flight', () => fake.submitting === 2);
    await handle.signal(cancelSignal, {});
    // The workflow has taken the cancel: it asked for its submissions to be cancelled (they cannot be:
    // they post and answer), and then they answer with the operations they started.
    await untilInHistory(
      handle,
      'the submissions asked to cancel',
      (e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
    );
    release.resolve();
    await canceledOf(handle.result());
  });
  assert.equal(fake.submissions.length, 2, 'nothing submitted after the cancel');
  assert.deepEqual(pods(fake.cancels[0]), ['c-dc1-rack1-0', 'c-dc1-rack1-1'], 'both operations stopped');
  assert.deepEqual(
    fake.cancels[0]?.map((o) => o.operationId).sort(),
    fake.submissions.map((s) => s.operationId).sort(),
  );
  assert.deepEqual(fake.watches, [], 'no watch started');
  assert.deepEqual(fake.states().slice(-1), ['CANCELLED']);
});

test('a resource found being deleted when an attempt starts: nothing planned or submitted, CANCELLED with ResourceDeleted', async () => {
  const fake = new FakeBackupActivities(3);
  fake.deleting = true;
  const queue = uniqueId('backup');
  await withWorker(env, queue, fake.activities(), async () => {
    await canceledOf((await startBackup(env, queue)).result());
  });
  assert.equal(fake.plans, 0);
  assert.deepEqual(fake.submissions, []);
  assert.deepEqual(fake.cancels, [], 'nothing to stop');
  assert.deepEqual(fake.states(), ['CANCELLED']);
  assert.deepEqual(fake.condition(), {
    type: 'Succeeded',
    status: 'False',
    reason: 'ResourceDeleted',
    message: 'The resource was deleted: backup cancelled',
  });
});

test('a submission that finds the resource deleted cancels the run; an operation a sibling started is stopped', async () => {
  const fake = new FakeBackupActivities(3);
  fake.beforeSubmit = async (s) => {
    if (s.pod !== 'c-dc1-rack1-1') return;
    // After its sibling's operation started, as the real check runs just before posting. Waiting for
    // the sibling's result in the history, not only in the fake: the time-skipping server wedges the
    // run when a workflow task cancels an activity whose completion arrived meanwhile (temporalio
    // sdk-typescript#1058, sdk-java#2391); Temporal's own server answers with the completion.
    await fake.until('node 0 submitted', () => fake.submissions.some((x) => x.pod === 'c-dc1-rack1-0'));
    const run = env.client.workflow.getHandle(Context.current().info.workflowExecution?.workflowId ?? '');
    await untilInHistory(
      run,
      'node 0’s submission completed',
      (e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, // the submissions are its only activities
    );
    throw ApplicationFailure.create({
      message: 'CassandraBackup ns/backup is being deleted: nothing is submitted for it',
      type: FailureType.resourceDeleted,
      nonRetryable: true,
    });
  };
  const queue = uniqueId('backup');
  await withWorker(env, queue, fake.activities(), async () => {
    await canceledOf((await startBackup(env, queue)).result());
  });
  assert.deepEqual(
    fake.submissions.map((s) => s.pod),
    ['c-dc1-rack1-0'],
  );
  assert.deepEqual(pods(fake.cancels[0]), ['c-dc1-rack1-0']);
  assert.equal(fake.condition()?.reason, 'ResourceDeleted');
  assert.ok(!fake.eventReasons().includes('NodeFailed'), 'a deletion is not a node failure');
});

test('a resource deleted while the last operation ran: no success is written, CANCELLED with ResourceDeleted', async () => {
  const fake = new FakeBackupActivities(2);
  fake.beforeSubmit = (s) => {
    if (s.topology) fake.deleting = true;
  };
  const queue = uniqueId('backup');
  await withWorker(env, queue, fake.activities(), async () => {
    await canceledOf((await startBackup(env, queue)).result());
  });
  assert.ok(!fake.states().includes('COMPLETED'));
  assert.ok(!fake.eventReasons().includes('BackupSucceeded'));
  assert.deepEqual(fake.cancels, [], 'every operation had ended');
  assert.equal(fake.condition()?.reason, 'ResourceDeleted');
});

test('the watcher’s cancel on deletion ends a failed run waiting for a retry', async () => {
  const fake = new FakeBackupActivities(2);
  fake.outcome = () => 'FAILED';
  const queue = uniqueId('backup');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startBackup(env, queue);
    await fake.until('FAILED written', () => fake.states().includes('FAILED'));
    await handle.signal(cancelSignal, { reason: 'ResourceDeleted' });
    await canceledOf(handle.result());
    assert.deepEqual(await timersOf(handle), [runOptions().retryWindowMs], 'the wait, cut short');
  });
  assert.equal(fake.plans, 1, 'no new attempt');
  assert.deepEqual(fake.cancels, []);
  assert.deepEqual(fake.states().slice(-2), ['FAILED', 'CANCELLED']);
  assert.equal(fake.condition()?.reason, 'ResourceDeleted');
});

test('Temporal’s own cancel (Web UI, CLI) stops the operations and writes CANCELLED; the workflow ends cancelled', async () => {
  const fake = new FakeBackupActivities(3);
  fake.watchHolds = true;
  const queue = uniqueId('backup');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startBackup(env, queue);
    await fake.until('operations watched', () => fake.watches.length > 0);
    await handle.cancel();
    await fake.until('Icarus asked to cancel', () => fake.cancels.length > 0);
    await canceledOf(handle.result());
  });
  assert.deepEqual(pods(fake.cancels[0]), ['c-dc1-rack1-0', 'c-dc1-rack1-1']);
  assert.deepEqual(fake.states().slice(-1), ['CANCELLED']);
  assert.equal(fake.condition()?.reason, 'Cancelled');
  assert.equal(fake.submissions.length, 2);
  assert.equal(fake.ownCancels, 0, 'already cancelled by Temporal: no request of its own');
});

test('a spec change under a running backup stops its operations and starts again with the new spec', async () => {
  const fake = new FakeBackupActivities(3);
  fake.watchHolds = true;
  const queue = uniqueId('backup');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startBackup(env, queue);
    await fake.until('operations watched', () => fake.watches.length > 0);
    fake.generation = 2;
    fake.watchHolds = false;
    await handle.signal(specChangedSignal, { generation: 2 });
    await fake.until('Icarus asked to cancel', () => fake.cancels.length > 0);
    assert.deepEqual(await handle.result(), {
      outcome: 'Succeeded',
      snapshotTag: 'tag-schema-1-2',
      nodes: 3,
    });
  });
  assert.deepEqual(pods(fake.cancels[0]), ['c-dc1-rack1-0', 'c-dc1-rack1-1']);
  assert.ok(fake.eventReasons().includes('SpecChanged'));
  const again = fake.submissions.filter((s) => s.tag === 'tag-schema-1-2' && !s.topology);
  assert.equal(again.length, 3, 'every node under the new tag');
  assert.ok(!fake.states().includes('CANCELLED') && !fake.states().includes('FAILED'));
});
