// backupRemovalWorkflow (a CassandraBackup deleted with deletionPolicy Delete) on the time-skipping test
// server with a fake removeDeletedBackup: it tries until a try is done, waiting 5 s, then twice as long
// each time up to the cap; an unexpected failure of a try is retried by the activity's policy; a long wait
// continues as new (a short history) and keeps its backoff; a cancel (the person set Retain) ends it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Activities } from '../../../activities/index.js';
import type { BackupRemovalInput, BackupRemovalStep } from '../../../src/contract/backup-removal.js';
import { TRIES_PER_RUN, type backupRemovalWorkflow } from '../../../workflows/backup-removal.js';
import { eventually } from '../../support/wait.js';
import { startTimeSkipping, timersOf, uniqueId, withWorker } from '../../support/workflow-env.js';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await startTimeSkipping();
});
after(async () => {
  await env?.teardown();
});

const held: BackupRemovalStep = { done: false, reason: 'BackupInUse', message: 'restore r uses it' };

function input(over: Partial<BackupRemovalInput> = {}): BackupRemovalInput {
  return {
    backup: { namespace: 'ns', name: 'nightly', uid: 'u1' },
    pollIntervalMs: 100,
    heartbeatTimeoutMs: 10_000,
    recheckMs: 5_000,
    maxRecheckMs: 30_000,
    ...over,
  };
}

/** A fake removeDeletedBackup that answers `steps` in turn (the last one from then on). */
function tries(steps: (BackupRemovalStep | Error)[]) {
  const calls: unknown[] = [];
  const activities: Partial<Activities> = {
    removeDeletedBackup: (arg) => {
      calls.push(arg);
      const step = steps[Math.min(calls.length - 1, steps.length - 1)] as BackupRemovalStep | Error;
      return step instanceof Error ? Promise.reject(step) : Promise.resolve(step);
    },
  };
  return { activities, calls };
}

function start(queue: string, arg: BackupRemovalInput) {
  return env.client.workflow.start<typeof backupRemovalWorkflow>('backupRemovalWorkflow', {
    workflowId: uniqueId('removal'),
    taskQueue: queue,
    args: [arg],
  });
}

test('tries until one is done, the wait doubling from 5 s up to the cap', async () => {
  const fake = tries([
    held,
    held,
    { done: false, reason: 'CassandraClusterNotFound', message: 'gone' },
    held,
    held,
    { done: true, outcome: 'Removed' },
  ]);
  const queue = uniqueId('removal');
  await withWorker(env, queue, fake.activities, async () => {
    const handle = await start(queue, input());
    assert.deepEqual(await handle.result(), { outcome: 'Removed' });
    assert.deepEqual(await timersOf(handle), [5_000, 10_000, 20_000, 30_000, 30_000]);
  });
  assert.equal(fake.calls.length, 6);
  assert.deepEqual(fake.calls[0], { backup: input().backup, pollIntervalMs: 100 });
});

test('a try that fails unexpectedly is retried by the activity policy, not counted as a wait', async () => {
  const fake = tries([new Error('the API server is restarting'), { done: true, outcome: 'NothingToRemove' }]);
  const queue = uniqueId('removal');
  await withWorker(env, queue, fake.activities, async () => {
    const handle = await start(queue, input());
    assert.deepEqual(await handle.result(), { outcome: 'NothingToRemove' });
    assert.deepEqual(await timersOf(handle), [], 'no wait of its own');
  });
  assert.equal(fake.calls.length, 2);
});

test('a long wait continues as new after TRIES_PER_RUN tries, with the backoff it had reached', async () => {
  const steps: BackupRemovalStep[] = [...Array<BackupRemovalStep>(TRIES_PER_RUN + 2).fill(held)];
  steps.push({ done: true, outcome: 'Removed' });
  const fake = tries(steps);
  const queue = uniqueId('removal');
  await withWorker(env, queue, fake.activities, async () => {
    const handle = await start(queue, input({ maxRecheckMs: 20_000 }));
    assert.deepEqual(await handle.result(), { outcome: 'Removed' }, 'the result of the last run');
    const first = await env.client.workflow
      .getHandle(handle.workflowId, handle.firstExecutionRunId)
      .describe();
    assert.equal(first.status.name, 'CONTINUED_AS_NEW');
    assert.deepEqual(
      await timersOf(handle),
      [20_000, 20_000],
      'the new run waits as long as the old one did',
    );
  });
  assert.equal(fake.calls.length, TRIES_PER_RUN + 3);
});

test('cancelled while it waits (deletionPolicy set back to Retain): it ends cancelled, trying no more', async () => {
  const fake = tries([held]);
  const queue = uniqueId('removal');
  await withWorker(env, queue, fake.activities, async () => {
    const handle = await start(queue, input());
    await eventually('the first try', () => Promise.resolve(fake.calls.length > 0), { intervalMs: 20 });
    await handle.cancel();
    const err = await handle.result().then(
      () => assert.fail('the workflow completed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure, String(err));
  });
  assert.equal(fake.calls.length, 1);
});
