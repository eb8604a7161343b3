// Determinism across upgrades: histories recorded by an earlier version of the workflow code (a 3-node
// backup and its restore, recorded before the `kubernetes-local-activities` patch, with ordinary
// Kubernetes activities) replay without a difference under today's code. A worker upgraded while such
// runs are in flight therefore carries them on; a change that breaks this needs a `patched()` branch.
// The fixtures are binary History protobufs (`History.encode` of `fetchHistory()`): the JSON form goes
// through a second copy of protobufjs that npm nests under @temporalio/common, which cannot decode it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import proto from '@temporalio/proto';
import { fixture, patchesOf, replaysCleanly, submissionsOf } from '../../support/history-fixtures.js';

const { History } = proto.temporal.api.history.v1;
const { EventType } = proto.temporal.api.enums.v1;

test('backup and restore histories recorded before the local-activities patch replay under today’s code', async () => {
  const histories = ['backup-before-local-activities', 'restore-before-local-activities'].map((name) => ({
    workflowId: name,
    history: fixture(name),
  }));
  for (const { workflowId, history } of histories) {
    const types = history.events.map((e) => e.eventType);
    assert.ok(
      types.includes(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
      `${workflowId}: ordinary activities`,
    );
    assert.ok(!types.includes(EventType.EVENT_TYPE_MARKER_RECORDED), `${workflowId}: no patch marker`);
    assert.ok(
      types.includes(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED),
      `${workflowId}: a whole run`,
    );
  }
  await replaysCleanly(histories, 2);
});

test('a backup, its restore and a cancelled backup recorded before the issue-19 patches replay under today’s code', async () => {
  // Recorded with test/fixtures/histories/record.ts on the code before `topology-upload-resubmits`,
  // `no-submission-after-cancel`, `restart-on-spec-change` and `confirm-downloads-before-truncate`.
  const names = ['backup-before-issue-19', 'restore-before-issue-19', 'cancelled-backup-before-issue-19'];
  const histories = names.map((name) => ({ workflowId: name, history: fixture(name) }));
  for (const { workflowId, history } of histories) {
    const types = history.events.map((e) => e.eventType);
    assert.ok(
      types.includes(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED) ||
        types.includes(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED),
      `${workflowId}: a whole run`,
    );
  }
  const cancelled = histories[2]?.history.events ?? [];
  assert.ok(
    cancelled.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'cancel'),
    'the cancelled backup has its cancel signal',
  );
  await replaysCleanly(histories, names.length);
});

test('a restore recorded before `truncate-only-backup-tables` replays under today’s code', async () => {
  // Recorded with test/fixtures/histories/record.ts on the code before the restore read its backup's
  // tables (issue 20): its history holds the issue-19 patch markers and no read of the manifests.
  const history = fixture('restore-before-issue-20');
  const types = history.events.map((e) => e.eventType);
  assert.ok(types.includes(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED), 'a whole run');
  const markers = history.events
    .map((e) => e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data)
    .filter((d): d is Uint8Array => d instanceof Uint8Array)
    .map((d) => Buffer.from(d).toString('utf8'));
  assert.ok(
    markers.some((m) => m.includes('confirm-downloads-before-truncate')),
    'recorded with the issue-19 patches',
  );
  assert.ok(!markers.some((m) => m.includes('truncate-only-backup-tables')));
  await replaysCleanly([{ workflowId: 'restore-before-issue-20', history }], 1);
});

test('a backup whose bucket did not exist replays, recorded before the bucket-not-found-reason patch and under it', async () => {
  // Recorded with test/fixtures/histories/record.ts: every node FAILED with esop's "Bucket … does not
  // exist …", then the bucket was made and the retry signal sent. Before the patch the reason was
  // NodeFailed; under it BucketNotFound (a marker in the history).
  const names = ['missing-bucket-backup-before-bucket-reason', 'missing-bucket-backup-bucket-reason'];
  const histories = names.map((name) => ({ workflowId: name, history: fixture(name) }));
  // The patches a history recorded: core_patch markers, whose details hold {"id": <patch>}.
  const patches = histories.map(({ history }) =>
    history.events.flatMap((e) =>
      e.markerRecordedEventAttributes?.markerName === 'core_patch'
        ? Object.values(e.markerRecordedEventAttributes.details ?? {}).flatMap((d) =>
            (d.payloads ?? []).map(
              (p) => (JSON.parse(Buffer.from(p.data ?? []).toString()) as { id: string }).id,
            ),
          )
        : [],
    ),
  );
  assert.ok(!patches[0]?.includes('bucket-not-found-reason'), 'recorded before the patch');
  assert.ok(patches[1]?.includes('bucket-not-found-reason'), 'recorded under the patch');
  for (const { workflowId, history } of histories) {
    const types = history.events.map((e) => e.eventType);
    assert.ok(
      types.includes(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED),
      `${workflowId}: a whole run`,
    );
    assert.ok(
      history.events.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'retry'),
      `${workflowId}: retried`,
    );
  }
  await replaysCleanly(histories, names.length);
});

test('a backup and a restore whose store refused the nodes’ credentials, recorded before `storage-failure-reasons`, replay under today’s code', async () => {
  // Recorded with test/fixtures/histories/record.ts on the simulator: every node's Azure credentials
  // refused (the backup with the store's words, the restore's DOWNLOAD with esop's "Unable to determine
  // if the bucket … exists."), so the run said NodeFailed (status writes are local activities, whose
  // inputs a history does not keep); then put right and the retry signal sent.
  // Today's code reaches the new reasons only through a patched() branch, which these runs never took.
  const names = ['refused-backup-before-storage-reasons', 'refused-restore-before-storage-reasons'];
  const histories = names.map((name) => ({ workflowId: name, history: fixture(name) }));
  const words = [
    'Server failed to authenticate the request',
    'Unable to determine if the bucket record-access exists.',
  ];
  histories.forEach(({ workflowId, history }, i) => {
    const text = Buffer.from(History.encode(history).finish()).toString('latin1');
    assert.ok(text.includes(words[i] ?? ''), `${workflowId}: the nodes failed with the store's words`);
    assert.ok(!text.includes('storage-failure-reasons'), `${workflowId}: recorded before the patch`);
    assert.ok(
      history.events.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'retry'),
      `${workflowId}: retried`,
    );
    assert.ok(
      history.events.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED),
      `${workflowId}: a whole run`,
    );
  });
  await replaysCleanly(histories, names.length);
});

test('a backup, its restore and a cancelled backup recorded before the request was built once per plan replay, and so do runs recorded under it', async () => {
  // Recorded with test/fixtures/histories/record.ts on the code before `backup-request-built-in-plan` and
  // `restore-request-built-in-plan`: every submission carried the spec and the plan, and the plans no
  // request. Then again under the patches: the submissions carry the plan's request and no spec.
  const before = ['backup', 'restore', 'cancelled-backup'].map((kind) => `${kind}-before-request-in-plan`);
  const under = ['backup', 'restore'].map((kind) => `${kind}-request-in-plan`);
  const histories = [...before, ...under].map((name) => ({ workflowId: name, history: fixture(name) }));
  const requestPatches = ['backup-request-built-in-plan', 'restore-request-built-in-plan'];
  for (const { workflowId, history } of histories) {
    const recordedBefore = before.includes(workflowId);
    assert.ok(
      history.events.some(
        (e) =>
          e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED ||
          e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
      ),
      `${workflowId}: a whole run`,
    );
    const patches = patchesOf(history);
    assert.equal(
      requestPatches.some((p) => patches.includes(p)),
      !recordedBefore,
      `${workflowId}: ${recordedBefore ? 'recorded before the patch' : 'recorded under it'} (${patches.join(', ')})`,
    );
    const inputs = submissionsOf(history);
    assert.ok(inputs.length > 0, `${workflowId}: submissions`);
    for (const input of inputs) {
      assert.equal('spec' in input, recordedBefore, `${workflowId}: the spec is in a submission only before`);
      assert.equal('request' in input, !recordedBefore, `${workflowId}: the plan's request after`);
    }
  }
  await replaysCleanly(histories, histories.length);
});

test('runs recorded before issue 22’s patches replay under today’s code, and so do runs recorded under them', async () => {
  // Recorded with test/fixtures/histories/record.ts, first on the code before `close-cancelled-run-as-canceled`,
  // `resource-state-search-attribute`, `fail-configuration-waits`, `topology-upload-in-status` and
  // `absent-tag-fails-before-nodes` (commit 14376d8), then on the code with them (RECORD_CONFIGURATION_WAIT=1):
  // a backup, its restore, a backup cancelled by the signal, and a backup that waited for its Secret.
  const before = ['backup', 'restore', 'cancelled-backup', 'late-secret-backup'].map(
    (kind) => `${kind}-before-issue-22`,
  );
  const under = ['backup', 'cancelled-backup', 'late-secret-backup'].map((kind) => `${kind}-issue-22`);
  const histories = [...before, ...under].map((name) => ({ workflowId: name, history: fixture(name) }));
  const issuePatches = [
    'close-cancelled-run-as-canceled',
    'resource-state-search-attribute',
    'fail-configuration-waits',
    'topology-upload-in-status',
    'absent-tag-fails-before-nodes',
  ];
  for (const { workflowId, history } of histories) {
    const patches = patchesOf(history);
    assert.equal(
      issuePatches.some((p) => patches.includes(p)),
      under.includes(workflowId),
      `${workflowId}: ${patches.join(', ')}`,
    );
  }
  const closed = (name: string) =>
    fixture(name).events?.at(-1)?.eventType ?? EventType.EVENT_TYPE_UNSPECIFIED;
  assert.equal(closed('cancelled-backup-before-issue-22'), EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED);
  assert.equal(closed('cancelled-backup-issue-22'), EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED);
  assert.ok(patchesOf(fixture('late-secret-backup-issue-22')).includes('fail-configuration-waits'));
  assert.ok(patchesOf(fixture('backup-issue-22')).includes('topology-upload-in-status'));
  // Upserts of ResourceState (the SDK upserts TemporalChangeVersion with patches too).
  const upserts = (name: string) =>
    (fixture(name).events ?? []).filter(
      (e) =>
        e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.ResourceState !==
        undefined,
    ).length;
  assert.equal(upserts('backup-before-issue-22'), 0);
  assert.ok(upserts('backup-issue-22') >= 2, 'RUNNING and COMPLETED upserted');
  await replaysCleanly(histories, histories.length);
});

test('issue 23’s runs replay under today’s code: an imported backup, a sync’s listing, a restore into a rebuilt cluster', async () => {
  // Recorded with test/fixtures/histories/record-disaster-recovery.ts (the sync and the restore as far as
  // they had gone: the sync waits for its next listing, the restore for a retry after TokensDoNotMatch).
  const names = ['imported-backup-issue-23', 'backup-sync-issue-23', 'tokens-restore-issue-23'];
  const histories = names.map((name) => ({ workflowId: name, history: fixture(name) }));
  assert.ok(patchesOf(fixture('imported-backup-issue-23')).includes('imported-backups'));
  assert.ok(patchesOf(fixture('tokens-restore-issue-23')).includes('tokens-do-not-match-reason'));
  await replaysCleanly(histories, histories.length);
});

test('a restore recorded before `verify-mode` (issue 23) replays under today’s code, and so does a verify recorded under it', async () => {
  // Recorded with test/fixtures/histories/record.ts on main before a restore could verify its backup
  // (commit 2b95e97, with issue 23's other patches): its spec has no mode, and the run must go through
  // the phases as it did then.
  const history = fixture('restore-before-verify-mode');
  const types = history.events.map((e) => e.eventType);
  assert.ok(types.includes(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED), 'a whole run');
  const patches = patchesOf(history);
  assert.ok(
    patches.includes('truncate-only-backup-tables'),
    `recorded with issue 20’s patches: ${patches.join(', ')}`,
  );
  assert.ok(!patches.includes('verify-mode'), 'recorded before the patch');
  const phases = submissionsOf(history).map((s) => s.phase);
  assert.deepEqual([...new Set(phases)], ['DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP']);
  // Recorded with record.ts on the code with the patch: a verify of a backup (DOWNLOAD and CLEANUP only).
  const verify = fixture('verify-issue-23');
  assert.ok(
    verify.events.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED),
    'a whole verify',
  );
  assert.ok(patchesOf(verify).includes('verify-mode'), 'recorded under the patch');
  assert.deepEqual([...new Set(submissionsOf(verify).map((s) => s.phase))], ['DOWNLOAD', 'CLEANUP']);
  await replaysCleanly(
    [
      { workflowId: 'restore-before-verify-mode', history },
      { workflowId: 'verify-issue-23', history: verify },
    ],
    2,
  );
});
