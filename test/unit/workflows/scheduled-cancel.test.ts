// A scheduled run replaced by a newer one (workflows/scheduled-backup.ts, Temporal's Replace overlap
// policy cancels it): it asks its backup's workflow to cancel and records how the backup ended, or gives
// up after its rounds when the backup never ends. On the time-skipping test server with fake activities;
// the backup's workflow is the real one.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Activities } from '../../../activities/index.js';
import { backupOutcome } from '../../../activities/schedule-run.js';
import type { CassandraBackup } from '../../../src/kube/api/resources.js';
import type { BackupRunOutcome } from '../../../src/contract/activity-io.js';
import type { ResourceKey } from '../../../src/contract/ids.js';
import type { scheduledBackupWorkflow } from '../../../workflows/scheduled-backup.js';
import { backupWorkflowId } from '../../../src/contract/ids.js';
import {
  FakeBackupActivities,
  heartbeatUntilCancelled,
  runOptions,
  startBackup,
} from '../../support/fake-backup-activities.js';
import {
  canceledOf,
  deferred,
  startTimeSkipping,
  timersOf,
  uniqueId,
  withWorker,
} from '../../support/workflow-env.js';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await startTimeSkipping();
});
after(async () => {
  await env?.teardown();
});

/** A schedule's run and its backup, on one worker: the run's activities read the fake backup's status. */
function scheduledRun(fake: FakeBackupActivities, backup: ResourceKey) {
  const ended: BackupRunOutcome[] = [];
  const awaiting = deferred();
  const outcomeNow = () => {
    const condition = fake.condition();
    if (!condition) return undefined;
    const state = fake.states().at(-1);
    return backupOutcome({
      metadata: {},
      status: { state, conditions: [{ ...condition, lastTransitionTime: '' }] },
    } as unknown as CassandraBackup);
  };
  const activities: Partial<Activities> = {
    ...fake.activities(),
    startScheduledRun: () => Promise.resolve({ backup, created: true }),
    awaitBackup: () => {
      awaiting.resolve();
      return heartbeatUntilCancelled();
    },
    readBackupOutcome: () => Promise.resolve(outcomeNow()),
    endScheduledRun: (input) => {
      ended.push(input.outcome);
      return Promise.resolve();
    },
  };
  return { activities, ended, awaiting: awaiting.promise };
}

test('a scheduled run replaced by a newer one cancels its backup and records how it ended', async () => {
  const fake = new FakeBackupActivities(2);
  fake.watchHolds = true;
  const queue = uniqueId('schedule');
  const backup = { namespace: 'ns', name: 'nightly-1', uid: queue };
  const schedule = { namespace: 'ns', name: 'nightly', uid: `${queue}-schedule` };
  const run = scheduledRun(fake, backup);
  await withWorker(env, queue, run.activities, async () => {
    const backupHandle = await startBackup(env, queue, runOptions(), {
      workflowId: backupWorkflowId(backup.namespace, backup.name, backup.uid),
      resource: backup,
    });
    const runHandle = await env.client.workflow.start<typeof scheduledBackupWorkflow>(
      'scheduledBackupWorkflow',
      {
        taskQueue: queue,
        workflowId: `${queue}-run`,
        args: [{ schedule, options: { pollIntervalMs: 1_000, heartbeatTimeoutMs: 60_000 } }],
      },
    );
    await fake.until('the backup runs', () => fake.watches.length > 0);
    await runHandle.cancel(); // what Temporal does to the older run under the Replace overlap policy
    await fake.until('the backup asked Icarus to cancel', () => fake.cancels.length > 0);
    const err = await runHandle.result().then(
      () => assert.fail('the run succeeded'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure, String(err));
    await canceledOf(backupHandle.result());
  });
  assert.deepEqual(run.ended, [
    { result: 'Cancelled', reason: 'Cancelled', message: 'Backup cancelled; Icarus operations: 2 cancelled' },
  ]);
});

test('a replaced run whose backup never ends stops waiting after 60 rounds of 2 s', async () => {
  const fake = new FakeBackupActivities(2);
  const queue = uniqueId('schedule');
  // No backup workflow runs under that id: the cancel signal cannot be delivered, and nothing ends.
  const run = scheduledRun(fake, { namespace: 'ns', name: 'nightly-2', uid: queue });
  await withWorker(env, queue, run.activities, async () => {
    const runHandle = await env.client.workflow.start<typeof scheduledBackupWorkflow>(
      'scheduledBackupWorkflow',
      {
        taskQueue: queue,
        workflowId: `${queue}-run`,
        args: [
          {
            schedule: { namespace: 'ns', name: 'nightly', uid: `${queue}-schedule` },
            options: { pollIntervalMs: 1_000, heartbeatTimeoutMs: 60_000 },
          },
        ],
      },
    );
    await run.awaiting;
    await runHandle.cancel();
    const err = await runHandle.result().then(
      () => assert.fail('the run succeeded'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure, String(err));
    assert.deepEqual(await timersOf(runHandle), Array<number>(60).fill(2_000));
  });
  assert.deepEqual(run.ended, [
    {
      result: 'Cancelled',
      message: 'replaced by a newer run; its backup had not ended when that run started',
    },
  ]);
});
