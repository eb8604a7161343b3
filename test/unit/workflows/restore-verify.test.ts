// A restore with spec.mode Verify (workflows/restore-verify.ts) on the time-skipping test server with fake
// activities: DOWNLOAD then CLEANUP on every node and never TRUNCATE or IMPORT, CLEANUP keeping every
// truncated-* snapshot, in a download folder of its own; the files and bytes each node verified; a
// DOWNLOAD that names missing or changed files fails with the node and the files, after CLEANUP, and the
// retry verifies that node again; a cancel during DOWNLOAD.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { cancelSignal, retrySignal } from '../../../workflows/signals.js';
import { filesFailingVerification } from '../../../workflows/restore-verify.js';
import { cassandraRestoreSpecSchema } from '../../../src/kube/api/generated.js';
import {
  FakeRestoreActivities,
  restoreResource,
  startRestore,
} from '../../support/fake-restore-activities.js';
import { canceledOf, startTimeSkipping, uniqueId, withWorker } from '../../support/workflow-env.js';

let env: TestWorkflowEnvironment;
before(async () => {
  env = await startTimeSkipping();
});
after(async () => {
  await env?.teardown();
});

const PODS = ['c-dc1-rack1-0', 'c-dc1-rack1-1', 'c-dc1-rack1-2'];
const KEYS = [
  'data/shop/orders-27c8b910e85b11f1a3d9595f6025123b/2-3961378373/nb-2-big-Data.db',
  'data/shop/orders-27c8b910e85b11f1a3d9595f6025123b/2-3961378373/nb-2-big-Index.db',
];

/** A verify of 3 nodes whose manifests the operator reads: node i holds 10+i files of 1000*(i+1) bytes. */
function verifying(): FakeRestoreActivities {
  const fake = new FakeRestoreActivities(3);
  fake.spec = cassandraRestoreSpecSchema.parse({
    cassandraCluster: 'c',
    cassandraBackup: 'backup',
    mode: 'Verify',
    entities: 'shop',
  });
  fake.contents = {
    known: true,
    tables: ['shop.carts', 'shop.orders'],
    manifests: 3,
    nodes: PODS.map((pod, i) => ({ dc: 'dc1', hostId: `host-${pod}`, files: 10 + i, bytes: 1000 * (i + 1) })),
  };
  return fake;
}

const lastNodes = (fake: FakeRestoreActivities) =>
  fake.restoreStatuses.filter((s) => s.fields.nodes).at(-1)?.fields.nodes ?? [];

test('a verify runs DOWNLOAD then CLEANUP on every node, never TRUNCATE or IMPORT, and says the files and bytes verified', async () => {
  const fake = verifying();
  const queue = uniqueId('verify');
  const result = await withWorker(env, queue, fake.activities(), async () =>
    (await startRestore(env, queue)).result(),
  );
  assert.equal(result.outcome, 'Succeeded');
  assert.deepEqual(fake.phasesSubmitted(), [
    'DOWNLOAD',
    'DOWNLOAD',
    'DOWNLOAD',
    'CLEANUP',
    'CLEANUP',
    'CLEANUP',
  ]);
  assert.deepEqual(fake.downloadChecks, [], 'nothing to confirm: nothing is truncated');
  assert.deepEqual(
    fake.contentReads.map((r) => r.countFiles),
    [{ entities: 'shop' }],
    'the manifests read once, counting the files of the selected keyspace',
  );
  for (const request of fake.requests) {
    assert.equal(request.entities, 'shop.carts,shop.orders', 'the backup’s tables by name');
    assert.equal(
      request.import?.sourceDir,
      `file:///var/lib/cassandra/downloadedsstables/verify-${restoreResource.uid}`,
    );
    if (request.restorationPhase === 'CLEANUP') {
      assert.equal(request.noDeleteTruncates, true, 'CLEANUP keeps every truncated-* snapshot');
    }
  }
  assert.deepEqual(fake.condition(), {
    type: 'Succeeded',
    status: 'True',
    reason: 'BackupVerified',
    message:
      "Backup tag-schema-1-1 in s3://bucket: 3 node(s), 33 file(s), 6000 bytes verified, every file equal to the SHA-256 of the backup's manifest. No table was touched; the downloaded files were deleted",
  });
  assert.deepEqual(
    lastNodes(fake).map((n) => [n.pod, n.verifiedFiles, n.verifiedBytes]),
    PODS.map((pod, i) => [pod, 10 + i, 1000 * (i + 1)]),
  );
  const final = fake.restoreStatuses.at(-1)?.fields;
  assert.equal(final?.state, 'COMPLETED');
  assert.deepEqual(
    final?.phases?.map((p) => [p.name, p.state]),
    [
      ['DOWNLOAD', 'COMPLETED'],
      ['CLEANUP', 'COMPLETED'],
    ],
  );
  for (const reason of ['BackupTablesRead', 'Downloaded', 'CleanedUp', 'BackupVerified'])
    assert.ok(fake.eventReasons().includes(reason), reason);
  assert.ok(!fake.eventReasons().includes('Truncated'));
});

test('a DOWNLOAD naming missing or changed files fails the verify with the node and the files, after CLEANUP on every node; the retry verifies that node again', async () => {
  const fake = verifying();
  let damaged = true;
  fake.outcome = (s) => (s.phase === 'DOWNLOAD' && s.pod === PODS[1] && damaged ? 'FAILED' : 'COMPLETED');
  fake.failureMessage = () => `Unable to download files successfully: ${KEYS.join(',')}`;
  const queue = uniqueId('verify');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startRestore(env, queue);
    await fake.until('FAILED written', () => fake.states().includes('FAILED'));
    const condition = fake.condition();
    assert.equal(condition?.reason, 'BackupVerificationFailed');
    assert.equal(
      condition?.message,
      `Backup tag-schema-1-1 in s3://bucket failed verification on 1 of 3 node(s): ${PODS[1]} (host id host-${PODS[1]}): 2 file(s) missing from storage or not equal to the manifest's SHA-256: ${KEYS.join(', ')}. No table was touched. The downloaded files were deleted (CLEANUP). Restore from another backup, or take a new one; the retry signal verifies the failed node(s) again`,
    );
    assert.deepEqual(
      fake.phasesSubmitted().filter((p) => p === 'CLEANUP').length,
      3,
      'CLEANUP on every node, the failed one too',
    );
    assert.ok(!fake.phasesSubmitted().some((p) => p === 'TRUNCATE' || p === 'IMPORT'));
    const failed = fake.restoreStatuses.at(-1)?.fields;
    assert.deepEqual(failed?.errors, [
      { source: PODS[1], message: `DOWNLOAD: Unable to download files successfully: ${KEYS.join(',')}` },
    ]);
    assert.deepEqual(
      lastNodes(fake).map((n) => [n.pod, n.verifiedFiles]),
      [
        [PODS[0], 10],
        [PODS[1], undefined],
        [PODS[2], 12],
      ],
    );
    assert.ok(fake.eventReasons().includes('BackupVerificationFailed'));

    const before = fake.submissions.length;
    damaged = false;
    await handle.signal(retrySignal);
    assert.equal((await handle.result()).outcome, 'Succeeded');
    const [first, ...cleanups] = fake.submissions.slice(before).map((s) => `${s.phase} ${s.pod}`);
    assert.equal(first, `DOWNLOAD ${PODS[1]}`, 'only the failed node downloads again');
    assert.deepEqual(
      cleanups.sort(),
      PODS.map((pod) => `CLEANUP ${pod}`),
      'then CLEANUP on every node',
    );
  });
  assert.equal(fake.condition()?.reason, 'BackupVerified');
  assert.deepEqual(
    lastNodes(fake).map((n) => n.verifiedFiles),
    [10, 11, 12],
  );
});

test('a node that cannot verify at all fails the verify with its own reason, not BackupVerificationFailed', async () => {
  const fake = verifying();
  fake.outcome = (s) => (s.phase === 'DOWNLOAD' && s.pod === PODS[0] ? 'FAILED' : 'COMPLETED');
  fake.failureMessage = () => 'Tokens from snapshot and tokens of this node does not match!';
  const queue = uniqueId('verify');
  await withWorker(env, queue, fake.activities(), async () => {
    await startRestore(env, queue);
    await fake.until('FAILED written', () => fake.states().includes('FAILED'));
  });
  assert.equal(fake.condition()?.reason, 'TokensDoNotMatch', 'the reason a restore would give');
  assert.match(
    fake.condition()?.message ?? '',
    /^DOWNLOAD failed on 1 of 3 node\(s\): c-dc1-rack1-0: DOWNLOAD: Tokens from snapshot .*\. The downloaded files were deleted \(CLEANUP\)\.$/,
  );
});

test('manifests the operator cannot read: esop still verifies, and the status says the numbers are unknown', async () => {
  const fake = verifying();
  fake.contents = { known: false, why: 'no route to the store' };
  const queue = uniqueId('verify');
  await withWorker(env, queue, fake.activities(), async () => (await startRestore(env, queue)).result());
  assert.equal(fake.condition()?.reason, 'BackupVerified');
  assert.match(fake.condition()?.message ?? '', /3 node\(s\) verified \(how many files and bytes is unknown/);
  assert.ok(
    fake.requests.every((r) => r.entities === 'shop'),
    'the spec’s entities, as given',
  );
  assert.ok(fake.requests.filter((r) => r.restorationPhase === 'CLEANUP').every((r) => r.noDeleteTruncates));
  const warning = fake.events.find((e) => e.reason === 'BackupContentsUnknown');
  assert.match(warning?.message ?? '', /esop still checks every file/);
  assert.deepEqual(
    lastNodes(fake).map((n) => n.verifiedFiles),
    [undefined, undefined, undefined],
  );
});

test('a verify cancelled during DOWNLOAD stops its operations, then cleans up every node (never TRUNCATE or IMPORT), and says so', async () => {
  const fake = verifying();
  fake.watchHolds = (watched) => watched.some((s) => s.phase === 'DOWNLOAD');
  const queue = uniqueId('verify');
  await withWorker(env, queue, fake.activities(), async () => {
    const handle = await startRestore(env, queue);
    await fake.until('DOWNLOAD watched', () => fake.holding > 0);
    await handle.signal(cancelSignal, {});
    await fake.until('Icarus asked to cancel', () => fake.cancels.length > 0);
    await canceledOf(handle.result());
  });
  assert.ok(fake.cancels[0]?.every((o) => o.operationId.includes('-DOWNLOAD-')));
  assert.deepEqual(fake.phasesSubmitted(), ['DOWNLOAD', 'DOWNLOAD', 'CLEANUP', 'CLEANUP']);
  assert.deepEqual(fake.condition(), {
    type: 'Succeeded',
    status: 'False',
    reason: 'Cancelled',
    message: `Restore cancelled; Icarus operations: 2 cancelled. No table was touched; CLEANUP deleted what the 2 node(s) downloaded`,
  });
});

test('the files a DOWNLOAD error names: esop’s object keys, nothing from other messages', () => {
  assert.deepEqual(
    filesFailingVerification(`DOWNLOAD: Unable to download files successfully: ${KEYS.join(',')}`),
    KEYS,
  );
  assert.deepEqual(
    filesFailingVerification(`Unable to download files successfully: ${KEYS[0]}; other error`),
    [KEYS[0]],
  );
  assert.deepEqual(filesFailingVerification('Unable to download files successfully: (cancelled)'), []);
  assert.deepEqual(filesFailingVerification('There is no manifest requested found.'), []);
  assert.deepEqual(filesFailingVerification(undefined), []);
});
