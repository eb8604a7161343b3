// The clean-up of a cancelled verify (patch `verify-cleans-up-after-cancel`): a verify cancelled half-way
// through DOWNLOAD, recorded before the patch (its cancel stopped the DOWNLOADs and ended it), replays
// under today's code without running CLEANUP, and one recorded under the patch replays with the CLEANUP
// of every node between the cancel and the end.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, patchesOf, replaysCleanly, submissionsOf } from '../../support/history-fixtures.js';

const phases = (history: ReturnType<typeof fixture>) =>
  submissionsOf(history).map((s) => (s as { phase?: string }).phase);

test('a verify cancelled half-way, recorded before `verify-cleans-up-after-cancel` and under it, replays under today’s code', async () => {
  const before = fixture('cancelled-verify-before-verify-cancel-cleanup');
  assert.ok(patchesOf(before).includes('verify-mode'), 'a verify');
  assert.ok(!patchesOf(before).includes('verify-cleans-up-after-cancel'), 'recorded before the patch');
  assert.deepEqual(phases(before), ['DOWNLOAD', 'DOWNLOAD', 'DOWNLOAD'], 'cancelled with no CLEANUP');
  const under = fixture('cancelled-verify-verify-cancel-cleanup');
  assert.ok(patchesOf(under).includes('verify-cleans-up-after-cancel'), 'recorded under the patch');
  assert.deepEqual(
    phases(under),
    ['DOWNLOAD', 'DOWNLOAD', 'DOWNLOAD', 'CLEANUP', 'CLEANUP', 'CLEANUP'],
    'CLEANUP on every node after the cancel',
  );
  assert.ok(
    submissionsOf(under)
      .filter((s) => (s as { phase?: string }).phase === 'CLEANUP')
      .every((s) => (s as { afterCancel?: boolean }).afterCancel === true),
  );
  await replaysCleanly(
    [
      { workflowId: 'cancelled-verify-before-verify-cancel-cleanup', history: before },
      { workflowId: 'cancelled-verify-verify-cancel-cleanup', history: under },
    ],
    2,
  );
});
