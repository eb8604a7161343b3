// The attempt loop of a backup or restore workflow (workflows/resource-run.ts), on the time-skipping test
// server with fake activities: a run that succeeds, a failed attempt waiting for the retry signal or a
// spec change within the retry window and giving up after it, and transient problems rechecked with
// backoff. Time skips: the hour-long retry window and the backoff timers pass without waiting, and the
// timers the workflow started are read from its history.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PlanError } from '../../../src/kube/plan-error.js';
import { retrySignal, specChangedSignal } from '../../../workflows/signals.js';
import { FakeBackupActivities, runOptions, startBackup } from '../../support/fake-backup-activities.js';
import { failureOf, startTimeSkipping, timersOf, uniqueId, withWorker } from '../../support/workflow-env.js';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await startTimeSkipping();
});
after(async () => {
  await env?.teardown();
});

test('a backup submits every node, at most maxParallelNodes at a time, uploads the topology last and succeeds', async () => {
  const fake = new FakeBackupActivities(3);
  const queue = uniqueId('backup');
  const result = await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startBackup(env, queue, runOptions({ maxParallelNodes: 2 }));
    return handle.result();
  });
  assert.deepEqual(result, { outcome: 'Succeeded', snapshotTag: 'tag-schema-1-1', nodes: 3 });
  const nodes = fake.submissions.filter((s) => !s.topology).map((s) => s.pod);
  assert.deepEqual(nodes.sort(), ['c-dc1-rack1-0', 'c-dc1-rack1-1', 'c-dc1-rack1-2']);
  assert.equal(fake.maxRunning, 2, 'two of three nodes at once');
  assert.deepEqual(
    fake.submissions.map((s) => s.topology),
    [false, false, false, true],
    'the topology upload after every node',
  );
  assert.deepEqual(fake.states(), ['PENDING', 'RUNNING', 'COMPLETED']);
  assert.deepEqual(
    fake.statuses.map((s) => s.conditions?.[0]?.reason),
    ['Planning', 'Running', 'UploadingTopology', 'Completed'],
    'the topology upload is named while it runs',
  );
  assert.match(
    fake.statuses[2]?.conditions?.[0]?.message ?? '',
    /^Every node is backed up; writing the cluster topology \(topology\/tag-schema-1-1\.json\) from c-dc1-rack1-0$/,
  );
  assert.deepEqual(fake.condition(), {
    type: 'Succeeded',
    status: 'True',
    reason: 'Completed',
    message: 'Backed up 3 node(s) to s3://bucket as tag-schema-1-1',
  });
  assert.deepEqual(
    fake.eventReasons().filter((r) => r !== 'NodeBackedUp'),
    ['BackupStarted', 'BackupSucceeded'],
  );
  assert.equal(fake.plans, 1);
});

test('a resource that is gone when an attempt starts ends the run without work', async () => {
  const fake = new FakeBackupActivities(3);
  fake.gone = true;
  const queue = uniqueId('backup');
  const result = await withWorker(env, queue, fake.activities(), async () =>
    (await startBackup(env, queue)).result(),
  );
  assert.deepEqual(result, { outcome: 'ResourceGone', nodes: 0 });
  assert.equal(fake.plans, 0);
  assert.deepEqual(fake.submissions, []);
  assert.deepEqual(fake.statuses, []);
});

test('a failed attempt waits for the retry signal; the retry keeps the tag and runs only the nodes that failed', async () => {
  const fake = new FakeBackupActivities(3);
  let failNode1 = true;
  fake.outcome = (s) => (s.pod === 'c-dc1-rack1-1' && failNode1 ? 'FAILED' : 'COMPLETED');
  const queue = uniqueId('backup');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startBackup(env, queue);
    // Time does not move until the test awaits the result: the retry window cannot pass meanwhile.
    await fake.until('FAILED written', () => fake.states().includes('FAILED'));
    assert.equal(fake.condition()?.reason, 'NodeFailed');
    assert.match(fake.condition()?.message ?? '', /^1 of 3 node\(s\) failed: c-dc1-rack1-1: /);
    const firstAttempt = fake.submissions.length;
    failNode1 = false;
    await handle.signal(retrySignal);
    assert.deepEqual(await handle.result(), {
      outcome: 'Succeeded',
      snapshotTag: 'tag-schema-1-1',
      nodes: 3,
    });
    const retried = fake.submissions.slice(firstAttempt);
    assert.deepEqual(
      retried.map((s) => [s.pod, s.topology]),
      [
        ['c-dc1-rack1-1', false],
        ['c-dc1-rack1-0', true],
      ],
      'the retry backs up the failed node only, then writes the topology',
    );
    assert.ok(
      retried.every((s) => s.tag === 'tag-schema-1-1'),
      'under the same tag',
    );
    assert.deepEqual(await timersOf(handle), [3_600_000], 'one wait, the retry window, ended by the signal');
  });
  assert.deepEqual(fake.states(), ['PENDING', 'RUNNING', 'FAILED', 'PENDING', 'RUNNING', 'COMPLETED']);
  assert.ok(fake.eventReasons().includes('BackupRetried'));
  assert.equal(fake.plans, 2);
});

test('a failed run that hears nothing within the retry window fails with the attempt’s reason', async () => {
  const fake = new FakeBackupActivities(3);
  fake.outcome = (s) => (s.pod === 'c-dc1-rack1-2' ? 'FAILED' : 'COMPLETED');
  const queue = uniqueId('backup');
  const retryWindowMs = 2 * 3_600_000;
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startBackup(env, queue, runOptions({ retryWindowMs }));
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'NodeFailed');
    assert.equal(failure.nonRetryable, true);
    assert.match(
      failure.message,
      /^1 of 3 node\(s\) failed: c-dc1-rack1-2: .*\(no retry signal or spec change within the retry window\)$/,
    );
    assert.deepEqual(await timersOf(handle), [retryWindowMs], 'it waited the whole window, once');
  });
  assert.equal(fake.plans, 1, 'no second attempt');
  assert.deepEqual(fake.states(), ['PENDING', 'RUNNING', 'FAILED']);
  assert.equal(fake.condition()?.status, 'False');
});

test('a spec change wakes a failed run, which starts again with the new spec: a new tag, every node', async () => {
  const fake = new FakeBackupActivities(3);
  fake.outcome = (s) => (s.pod === 'c-dc1-rack1-0' && fake.generation === 1 ? 'FAILED' : 'COMPLETED');
  const queue = uniqueId('backup');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startBackup(env, queue);
    await fake.until('FAILED written', () => fake.states().includes('FAILED'));
    const firstAttempt = fake.submissions.length;
    fake.generation = 2;
    await handle.signal(specChangedSignal, { generation: 2 });
    assert.deepEqual(await handle.result(), {
      outcome: 'Succeeded',
      snapshotTag: 'tag-schema-1-2',
      nodes: 3,
    });
    const second = fake.submissions.slice(firstAttempt);
    assert.equal(second.filter((s) => !s.topology).length, 3, 'every node again');
    assert.ok(second.every((s) => s.tag === 'tag-schema-1-2'));
  });
  assert.equal(fake.statuses.at(-1)?.generation, 2);
});

test('a transient problem is rechecked after 5 s, doubling to at most a minute, and fails once the retry window has passed', async () => {
  const fake = new FakeBackupActivities(3);
  fake.plan = () => {
    throw new PlanError('CassandraClusterNotReady', 'pod c-dc1-rack1-0 is not ready', true);
  };
  const queue = uniqueId('backup');
  const retryWindowMs = 3 * 60_000;
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startBackup(env, queue, runOptions({ retryWindowMs }));
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'CassandraClusterNotReady');
    assert.match(
      failure.message,
      /pod c-dc1-rack1-0 is not ready \(no retry signal or spec change within the retry window\)/,
    );
    // Checked at 0, 5, 15, 35, 75, 135 and 195 s; 195 s is past the 180 s window: a failure, which then
    // waits the retry window once more for a signal.
    assert.deepEqual(await timersOf(handle), [5_000, 10_000, 20_000, 40_000, 60_000, 60_000, retryWindowMs]);
  });
  assert.equal(fake.plans, 7);
  // Each check writes PENDING (Planning), and each one found transient PENDING again (what it waits for).
  assert.deepEqual(fake.states(), [...Array<string>(7 + 6).fill('PENDING'), 'FAILED']);
  const waiting = fake.statuses.filter(
    (s) => s.fields.state === 'PENDING' && s.conditions?.[0]?.reason === 'CassandraClusterNotReady',
  );
  assert.equal(waiting.length, 6, 'each recheck says what it waits for');
  assert.equal(
    fake.eventReasons().filter((r) => r === 'CassandraClusterNotReady').length,
    2,
    'one Warning while waiting (not one per recheck), and one with the failure',
  );
  assert.deepEqual(fake.submissions, []);
});

test('a transient problem that clears up goes on without a failure', async () => {
  const fake = new FakeBackupActivities(2);
  fake.plan = (attempt) => {
    if (attempt <= 2) throw new PlanError('SecretNotFound', 'Secret creds not found', true);
    return fake.defaultPlan();
  };
  const queue = uniqueId('backup');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startBackup(env, queue);
    assert.equal((await handle.result()).outcome, 'Succeeded');
    assert.deepEqual(await timersOf(handle), [5_000, 10_000]);
  });
  assert.ok(!fake.states().includes('FAILED'));
  assert.equal(fake.plans, 3);
  assert.ok(!fake.eventReasons().includes('BackupRetried'), 'a recheck is not a retry');
});

test('a missing Secret is PENDING with its reason, turns FAILED after the configuration wait while still checked, and the backup starts once it appears', async () => {
  const fake = new FakeBackupActivities(2);
  fake.plan = (attempt) => {
    if (attempt <= 6) throw new PlanError('SecretNotFound', 'Secret creds not found', true);
    return fake.defaultPlan();
  };
  const queue = uniqueId('backup');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startBackup(env, queue, runOptions({ configurationWaitMs: 60_000 }));
    assert.equal((await handle.result()).outcome, 'Succeeded');
    // Checked at 0, 5, 15, 35, 75 (past the minute: FAILED), 135 and 195 s (found).
    assert.deepEqual(await timersOf(handle), [5_000, 10_000, 20_000, 40_000, 60_000, 60_000]);
  });
  assert.equal(fake.plans, 7);
  // Four checks PENDING (Planning, then the wait's reason), the fifth FAILED; the checks after it leave
  // FAILED on show until the Secret is found.
  assert.deepEqual(fake.states(), [...Array<string>(9).fill('PENDING'), 'FAILED', 'RUNNING', 'COMPLETED']);
  const failed = fake.statuses.find((s) => s.fields.state === 'FAILED');
  assert.deepEqual(failed?.conditions?.[0], {
    type: 'Succeeded',
    status: 'False',
    reason: 'SecretNotFound',
    message: 'Secret creds not found (still checking: the backup starts as soon as this is fixed)',
  });
  const running = fake.statuses.find((s) => s.fields.state === 'RUNNING');
  assert.equal(running?.fields.errors, null, 'the failure’s errors go once it runs');
  assert.equal(running?.fields.completionTime, null);
  const reasons = fake.eventReasons();
  assert.equal(reasons.filter((r) => r === 'BackupFailed').length, 1, 'one failure, not one per check');
  assert.ok(reasons.includes('BackupStarted') && !reasons.includes('BackupRetried'), 'a start, not a retry');
});

test('a transient wait that is not about the spec (a cluster not ready) stays PENDING past the configuration wait', async () => {
  const fake = new FakeBackupActivities(2);
  fake.plan = (attempt) => {
    if (attempt <= 6) throw new PlanError('CassandraClusterNotReady', 'pod c-dc1-rack1-0 is not ready', true);
    return fake.defaultPlan();
  };
  const queue = uniqueId('backup');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startBackup(env, queue, runOptions({ configurationWaitMs: 60_000 }));
    assert.equal((await handle.result()).outcome, 'Succeeded');
  });
  assert.ok(!fake.states().includes('FAILED'));
  assert.ok(!fake.eventReasons().includes('BackupFailed'));
});

test('a failure the activities did not convert (a plain Error, after its retries) fails with the caller’s reason, never the error’s name', async () => {
  const fake = new FakeBackupActivities(2);
  fake.plan = () => {
    // What the workflow gets after the last retry of an unconverted Error: its name as the type.
    throw ApplicationFailure.create({
      type: 'Error',
      message: 'the API server answered 500',
      nonRetryable: true,
    });
  };
  const queue = uniqueId('backup');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startBackup(env, queue, runOptions({ retryWindowMs: 60_000 }));
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'PlanningFailed');
  });
  assert.equal(fake.condition()?.reason, 'PlanningFailed');
  assert.equal(fake.condition()?.message, 'the API server answered 500');
});
