// The restore's own workflow logic (workflows/restore.ts) on the time-skipping test server with fake
// activities: phases as barriers with TRUNCATE once, a lost DOWNLOAD submitted again but a lost TRUNCATE
// never (TruncateLost, then the retry signal), a retry that resumes at the failed phase and node, and a
// cancel after TRUNCATE that says what it left behind.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { cancelSignal, retrySignal } from '../../../workflows/signals.js';
import { restorePhaseNames } from '../../../src/contract/status.js';
import { FakeRestoreActivities, startRestore } from '../../support/fake-restore-activities.js';
import { canceledOf, startTimeSkipping, uniqueId, withWorker } from '../../support/workflow-env.js';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await startTimeSkipping();
});
after(async () => {
  await env?.teardown();
});

const phaseIndex = (phase: string) => restorePhaseNames.indexOf(phase as (typeof restorePhaseNames)[number]);

test('a restore runs DOWNLOAD, TRUNCATE once, IMPORT and CLEANUP, each phase a barrier over every node', async () => {
  const fake = new FakeRestoreActivities(3);
  const queue = uniqueId('restore');
  const result = await withWorker(env, queue, fake.activities(), async () =>
    (await startRestore(env, queue)).result(),
  );
  assert.deepEqual(result, { outcome: 'Succeeded', snapshotTag: 'tag-schema-1-1', nodes: 3 });
  const phases = fake.phasesSubmitted();
  assert.deepEqual(
    phases,
    [...phases].sort((a, b) => phaseIndex(a) - phaseIndex(b)),
    'no phase starts before the one before it ended on every node',
  );
  assert.deepEqual(
    restorePhaseNames.map((p) => phases.filter((x) => x === p).length),
    [3, 1, 3, 3],
  );
  const downloads = fake.submissions.filter((s) => s.phase === 'DOWNLOAD').map((s) => s.operationId);
  assert.deepEqual(
    fake.downloadChecks.map((ids) => [...ids].sort()),
    [downloads.sort()],
    'the downloads confirmed once, before TRUNCATE',
  );
  assert.deepEqual(fake.states().slice(-1), ['COMPLETED']);
  for (const reason of ['BackupContentsUnknown', 'Downloaded', 'Truncated', 'Imported', 'CleanedUp']) {
    assert.ok(fake.eventReasons().includes(reason), reason);
  }
});

test('a lost DOWNLOAD is submitted again; a lost TRUNCATE never is: TruncateLost, and the retry signal checks the downloads and truncates again', async () => {
  const fake = new FakeRestoreActivities(3);
  let truncateLost = true;
  fake.outcome = (s) => {
    const earlier = fake.submissions.filter((x) => x.pod === s.pod && x.phase === s.phase);
    if (s.phase === 'DOWNLOAD' && s.pod === 'c-dc1-rack1-2' && earlier.length === 1) return 'LOST';
    if (s.phase === 'TRUNCATE' && truncateLost) return 'LOST';
    return 'COMPLETED';
  };
  const queue = uniqueId('restore');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startRestore(env, queue);
    await fake.until('FAILED written', () => fake.states().includes('FAILED'));
    assert.equal(fake.condition()?.reason, 'TruncateLost');
    assert.equal(
      fake.phasesSubmitted().filter((p) => p === 'TRUNCATE').length,
      1,
      'not sent again on its own',
    );
    assert.ok(!fake.phasesSubmitted().includes('IMPORT'));
    truncateLost = false;
    await handle.signal(retrySignal);
    assert.equal((await handle.result()).outcome, 'Succeeded');
  });
  const phases = fake.phasesSubmitted();
  assert.equal(phases.filter((p) => p === 'DOWNLOAD').length, 4, 'three, and the lost one once more');
  assert.equal(
    phases.filter((p) => p === 'TRUNCATE').length,
    2,
    'once per decision: the run, then the retry',
  );
  assert.equal(fake.downloadChecks.length, 2, 'the downloads confirmed before each TRUNCATE');
  assert.ok(fake.eventReasons().includes('RestoreRetried'));
});

test('IMPORT failing on one node: the retry resumes at IMPORT on that node, finished phases are not run again', async () => {
  const fake = new FakeRestoreActivities(3);
  let importFails = true;
  fake.outcome = (s) =>
    s.phase === 'IMPORT' && s.pod === 'c-dc1-rack1-1' && importFails ? 'FAILED' : 'COMPLETED';
  const queue = uniqueId('restore');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startRestore(env, queue);
    await fake.until('FAILED written', () => fake.states().includes('FAILED'));
    assert.equal(fake.condition()?.reason, 'NodeFailed');
    assert.match(
      fake.condition()?.message ?? '',
      /^IMPORT failed on 1 of 3 node\(s\): c-dc1-rack1-1: .*The retry signal resumes at IMPORT on the failed node\(s\)\. The restored tables were truncated and are not fully imported yet/,
    );
    assert.ok(!fake.phasesSubmitted().includes('CLEANUP'), 'a barrier: no CLEANUP after a failed IMPORT');
    const before = fake.submissions.length;
    importFails = false;
    await handle.signal(retrySignal);
    assert.equal((await handle.result()).outcome, 'Succeeded');
    assert.deepEqual(
      fake.submissions
        .slice(before)
        .map((s) => `${s.phase} ${s.pod}`)
        .sort(),
      [
        'IMPORT c-dc1-rack1-1',
        'CLEANUP c-dc1-rack1-0',
        'CLEANUP c-dc1-rack1-1',
        'CLEANUP c-dc1-rack1-2',
      ].sort(),
    );
  });
});

test('a restore cancelled during IMPORT stops its operations and says the tables miss rows until it finishes', async () => {
  const fake = new FakeRestoreActivities(3);
  fake.watchHolds = (watched) => watched.some((s) => s.phase === 'IMPORT');
  const queue = uniqueId('restore');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startRestore(env, queue);
    await fake.until('IMPORT watched', () => fake.holding > 0);
    await handle.signal(cancelSignal, {});
    await fake.until('Icarus asked to cancel', () => fake.cancels.length > 0);
    await canceledOf(handle.result());
  });
  assert.ok(
    fake.cancels[0]?.every((o) => o.operationId.includes('-IMPORT-')),
    'the IMPORT operations',
  );
  assert.equal(fake.cancels[0]?.length, 2, 'maxParallelNodes of them ran');
  assert.ok(!fake.phasesSubmitted().includes('CLEANUP'));
  assert.deepEqual(fake.condition(), {
    type: 'Succeeded',
    status: 'False',
    reason: 'Cancelled',
    message:
      'Restore cancelled; Icarus operations: 2 cancelled. The restored tables were truncated and are not fully imported yet: until the restore finishes they miss rows',
  });
  assert.equal(fake.restoreStatuses.at(-1)?.fields.phase, 'IMPORT');
});

test('Icarus 2.x nodes and a store that told the operator the bucket does not exist, or refused the Secret: the restore fails before any node works; the retry reads again', async () => {
  for (const [refusal, reason] of [
    ['no-bucket', 'BucketNotFound'],
    ['denied', 'StorageAccessDenied'],
  ] as const) {
    const fake = new FakeRestoreActivities(3);
    fake.icarusGeneration = 2;
    fake.contents = { known: false, why: `the store's words for ${refusal}`, refusal };
    const queue = uniqueId('restore');
    await withWorker(env, queue, fake.activities(), async () => {
      const handle = await startRestore(env, queue);
      await fake.until('FAILED written', () => fake.states().includes('FAILED'));
      assert.equal(fake.condition()?.reason, reason);
      assert.match(
        fake.condition()?.message ?? '',
        new RegExp(
          `with Secret creds, which the nodes' Icarus 2\\.x reads too, the store answered: the store's words for ${refusal}\\. No node was asked`,
        ),
      );
      assert.deepEqual(fake.submissions, [], 'no node was asked to do anything');
      assert.ok(fake.eventReasons().includes(reason), `a ${reason} Event`);
      fake.contents = { known: true, tables: ['shop.orders'], manifests: 3 };
      await handle.signal(retrySignal);
      await handle.result();
    });
    assert.deepEqual(fake.states().slice(-1), ['COMPLETED']);
    assert.ok(fake.eventReasons().includes('BackupTablesRead'));
  }
});

test('Icarus 3.x nodes (their own credentials, perhaps their own account): the same refusals only warn, and the restore goes on keeping truncated files', async () => {
  const fake = new FakeRestoreActivities(3);
  fake.contents = { known: false, why: 'the bucket does not exist', refusal: 'no-bucket' };
  const queue = uniqueId('restore');
  await withWorker(env, queue, fake.activities(), async () => (await startRestore(env, queue)).result());
  assert.deepEqual(fake.states().slice(-1), ['COMPLETED']);
  assert.ok(fake.eventReasons().includes('BackupContentsUnknown'));
  assert.ok(!fake.states().includes('FAILED'));
});

test('a tag the location does not hold, while it holds other backups: SnapshotTagNotFound before any node works; the retry reads again', async () => {
  const fake = new FakeRestoreActivities(3);
  fake.contents = {
    known: false,
    why: 'no manifest of nightly under s3://bucket for the restored node(s)',
    tagAbsent: { found: ['weekly-s1-1.json', 'weekly-s1-2.json'], count: 2 },
  };
  const queue = uniqueId('restore');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startRestore(env, queue);
    await fake.until('FAILED written', () => fake.states().includes('FAILED'));
    assert.equal(fake.condition()?.reason, 'SnapshotTagNotFound');
    assert.match(
      fake.condition()?.message ?? '',
      /^No backup \S+ in s3:\/\/bucket: the operator looked for manifests\/\S+\* in the folder of each restored node \(cluster \S+\) and found only 2 manifest\(s\) of other backups \(weekly-s1-1\.json, weekly-s1-2\.json\)\. No node was asked to do anything/,
    );
    assert.deepEqual(fake.submissions, [], 'no node was asked to do anything');
    fake.contents = { known: true, tables: ['shop.orders'], manifests: 3 };
    await handle.signal(retrySignal);
    await handle.result();
  });
  assert.deepEqual(fake.states().slice(-1), ['COMPLETED']);
});
