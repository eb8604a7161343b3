// Every check of the storm can fail, for how a run ends: a workflow left waiting without a reason gives
// a violation, one waiting with a documented reason none; the documented reasons are read from
// docs/troubleshooting.md's headings and codes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CassandraBackup } from '../../../src/kube/api/resources.js';
import { documentedReasons } from '../../support/storm/checks.js';
import {
  cluster,
  completedBackup,
  evidence,
  journal,
  violations,
} from '../../support/storm-check-fixtures.js';

test('no workflow left waiting without a reason', () => {
  const c = cluster('a');
  const { b } = completedBackup('b1', c);
  const running = [{ id: 'cassandrabackup/ns/b1/uid', name: 'b1' }];
  assert.match(
    violations(evidence([journal('b1', 'backup', c, b)], { running })).join('\n'),
    /still running, waiting without a reason \(the resource is COMPLETED/,
  );
  const waiting = {
    ...b,
    status: {
      ...b.status,
      state: 'PENDING',
      conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'WaitingForRestore' }],
    },
  } as CassandraBackup;
  const j = journal('b1', 'backup', c, waiting);
  j.ended = false;
  const found = violations(evidence([j], { running }));
  assert.ok(!found.some((x) => x.includes('still running')), 'waiting with a documented reason');
  assert.ok(found.some((x) => x.includes('never ended')));
});

test('documented reasons come from the headings and the codes in backticks', () => {
  const reasons = documentedReasons(
    '## Restores\n### CassandraBackupFailed, CassandraBackupCancelled\n| `Pending`, `Planning` | x |\nplain Words here',
  );
  assert.deepEqual([...reasons].sort(), [
    'CassandraBackupCancelled',
    'CassandraBackupFailed',
    'Pending',
    'Planning',
  ]);
});
