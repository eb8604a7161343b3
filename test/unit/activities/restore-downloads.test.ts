// Whether a node's download for a restore can still be counted on before TRUNCATE, from what Icarus lists.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { downloadProblem } from '../../../activities/restore-downloads.js';
import type { Operation } from '../../../src/icarus/types.js';

const op = (
  id: string,
  phase: string,
  state: Operation['state'],
  at: string,
  tag = 'nightly',
): Operation => ({
  id,
  type: 'restore',
  state,
  progress: state === 'RUNNING' ? 0.5 : 1,
  creationTime: at,
  restorationPhase: phase,
  snapshotTag: tag,
});
const DOWNLOAD = '00000000-0000-4000-8000-000000000001';
const TRUNCATE = '00000000-0000-4000-8000-000000000002';
const OTHER = '00000000-0000-4000-8000-000000000003';
const OLDER = '00000000-0000-4000-8000-000000000004';

test('a completed download with nothing else since, or only this restore’s own operations, is confirmed', () => {
  const ops = [
    op(TRUNCATE, 'TRUNCATE', 'FAILED', '2026-12-05T10:02:00Z'),
    op(DOWNLOAD, 'DOWNLOAD', 'COMPLETED', '2026-12-05T10:00:00Z'),
    op(OLDER, 'CLEANUP', 'COMPLETED', '2026-12-05T09:00:00Z', 'yesterday'),
  ];
  assert.equal(downloadProblem(ops, DOWNLOAD, new Set([DOWNLOAD, TRUNCATE])), undefined);
});

test('another restore’s operation after the download means the files may be gone', () => {
  const ops = [
    op(OTHER, 'CLEANUP', 'COMPLETED', '2026-12-05T10:05:00Z'),
    op(DOWNLOAD, 'DOWNLOAD', 'COMPLETED', '2026-12-05T10:00:00Z'),
  ];
  assert.match(
    downloadProblem(ops, DOWNLOAD, new Set([DOWNLOAD])) ?? '',
    new RegExp(
      `restore operation ${OTHER} \\(CLEANUP of nightly\\), not this restore's, ran on this node after its DOWNLOAD`,
    ),
  );
});

test('a download Icarus no longer lists, or that did not complete, cannot be confirmed', () => {
  assert.match(downloadProblem([], DOWNLOAD, new Set()) ?? '', /no longer lists this restore's DOWNLOAD/);
  assert.match(
    downloadProblem([op(DOWNLOAD, 'DOWNLOAD', 'FAILED', '2026-12-05T10:00:00Z')], DOWNLOAD, new Set()) ?? '',
    /is FAILED, not COMPLETED/,
  );
  assert.match(downloadProblem([], '', new Set()) ?? '', /no longer lists/);
});
