// The TRUNCATE witness (patch `truncate-retry-with-download-witness`): a restore recorded before it replays
// under today's code, and so does one recorded under it, whose TRUNCATE submission names the truncating
// node's DOWNLOAD (an operation a submission of the same restore returned).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, patchesOf, replaysCleanly, submissionsOf } from '../../support/history-fixtures.js';

test('a restore recorded before `truncate-retry-with-download-witness` replays under today’s code, and so does one recorded under it', async () => {
  // restore-before-verify-mode was recorded before the patch: its TRUNCATE submission names no witness.
  const before = fixture('restore-before-verify-mode');
  assert.ok(!patchesOf(before).includes('truncate-retry-with-download-witness'), 'recorded before the patch');
  // Recorded with record.ts on the code with the patch: TRUNCATE names the truncating node's DOWNLOAD.
  const under = fixture('restore-truncate-witness');
  assert.ok(patchesOf(under).includes('truncate-retry-with-download-witness'), 'recorded under the patch');
  const submissions = submissionsOf(under) as { phase: string; witness?: string; node: { pod: string } }[];
  const truncate = submissions.find((s) => s.phase === 'TRUNCATE');
  assert.ok(truncate?.witness, 'TRUNCATE names a witness');
  const downloads = (under.events ?? [])
    .map((e) => e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data)
    .filter((d): d is Uint8Array => d !== undefined && d !== null)
    .map((d) => JSON.parse(Buffer.from(d).toString()) as { operationId?: string });
  assert.ok(
    downloads.some((r) => r.operationId === truncate.witness),
    'the witness is an operation a submission of this restore returned (its DOWNLOAD)',
  );
  assert.ok(
    submissions.every((s) => s.phase === 'TRUNCATE' || s.witness === undefined),
    'only TRUNCATE names one',
  );
  await replaysCleanly(
    [
      { workflowId: 'restore-before-verify-mode', history: before },
      { workflowId: 'restore-truncate-witness', history: under },
    ],
    2,
  );
});
