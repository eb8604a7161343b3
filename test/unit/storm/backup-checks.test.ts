// Every check of the storm can fail, for backups: each defect the storm hunts in a backup (a duplicate
// operation, COMPLETED for an older spec, a lost topology upload left FAILED, an operation run after the
// cancel), written as the evidence it would leave, gives a violation, and the right end gives none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CassandraBackup } from '../../../src/kube/api/resources.js';
import { checkAll, claimedStopped } from '../../support/storm/checks.js';
import {
  T0,
  at,
  backupOp,
  cluster,
  completedBackup,
  evidence,
  journal,
  violations,
} from '../../support/storm-check-fixtures.js';

test('a backup that ended as designed has no violation; one op too many while the first runs is a duplicate', () => {
  const c = cluster('a');
  const { b } = completedBackup('b1', c);
  assert.deepEqual(violations(evidence([journal('b1', 'backup', c, b)])), []);
  // The same node gets a second operation while Icarus still runs the first (no restart between).
  const first = c.op(1, backupOp('b2'), 1, 30);
  const { b: b2 } = completedBackup('b2', c);
  void first;
  const v = checkAll(evidence([journal('b2', 'backup', c, b2)]));
  assert.equal(v[0]?.duplicated, 1);
  assert.match(v[0]?.violations.join('\n') ?? '', /sent while Icarus still ran/);
});

test('a second operation after a restart lost the first is a resubmission, not a duplicate', () => {
  const c = cluster('a');
  c.op(1, backupOp('b1'), 0.5, null);
  c.nodes[1]?.simulator.restarts.push(at(0.8));
  const { b } = completedBackup('b1', c);
  const v = checkAll(evidence([journal('b1', 'backup', c, b)]));
  assert.equal(v[0]?.resubmitted, 1);
  assert.equal(v[0]?.duplicated, 0);
  assert.deepEqual(v[0]?.violations, []);
});

test('defect 3: COMPLETED for an older generation, with operations written to the old location', () => {
  const c = cluster('a');
  const { b } = completedBackup('edited', c, { generation: 2, observed: 1 });
  (b.spec as { storageLocation: string }).storageLocation = 's3://storm-moved';
  const found = violations(
    evidence([journal('edited', 'backup, storageLocation edited at 30 %', c, b)]),
  ).join('\n');
  assert.match(found, /COMPLETED for generation 1, but the spec is at generation 2/);
  assert.match(found, /wrote to s3:\/\/storm; spec.storageLocation is s3:\/\/storm-moved/);
  assert.match(found, /without a completed topology upload/);
});

test('defect 1: FAILED TopologyUploadFailed after a sidecar restart is not a designed end, even when a retry completes it', () => {
  const c = cluster('a');
  const { b } = completedBackup('b1', c);
  const j = journal('b1', 'backup', c, b);
  c.nodes[0]?.simulator.restarts.push(at(12));
  j.failures.push({ at: T0 + 15_000, reason: 'TopologyUploadFailed', message: 'topology upload lost' });
  j.retries.push({ at: T0 + 16_000, afterReason: 'TopologyUploadFailed' });
  assert.match(violations(evidence([j])).join('\n'), /FAILED TopologyUploadFailed, not a designed end/);
  // IcarusOperationLost after three restarts of one node is designed (and documented).
  const k = journal('b1', 'backup', c, b);
  c.nodes[0]?.simulator.restarts.push(at(13), at(14));
  k.failures.push({ at: T0 + 15_000, reason: 'IcarusOperationLost', message: 'lost 3 times' });
  k.retries.push({ at: T0 + 16_000, afterReason: 'IcarusOperationLost' });
  assert.deepEqual(violations(evidence([k])), []);
  // An undocumented reason, and a resource left FAILED, are violations.
  const u = journal('b1', 'backup', c, {
    ...b,
    status: {
      ...b.status,
      state: 'FAILED',
      conditions: [{ type: 'Succeeded', status: 'False', reason: 'Mystery' }],
    },
  } as CassandraBackup);
  u.failures.push({ at: T0 + 15_000, reason: 'Mystery', message: '?' });
  const found = violations(evidence([u])).join('\n');
  assert.match(found, /docs\/troubleshooting.md does not name/);
  assert.match(found, /still FAILED Mystery after 0 retries/);
});

test('defect 4: an operation submitted after the cancel ran to COMPLETED; the Event claims operations stopped', () => {
  const c = cluster('a');
  const j = journal('gone1', 'backup, deleted 0–50 ms after create', c, 'gone');
  c.op(0, backupOp('gone1'), 0.2, 20);
  const histories = new Map([['gone1', { found: true, cancelAt: T0 + 100, truncateOps: [] }]]);
  const events = new Map([
    [
      'gone1',
      [
        {
          reason: 'BackupCancelled',
          type: 'Warning',
          message: 'The resource was deleted: backup cancelled; 3 Icarus operation(s) stopped',
        },
      ],
    ],
  ]);
  const v = checkAll(evidence([j], { histories, events }));
  assert.equal(v[0]?.afterCancel, 1);
  const found = v[0]?.violations.join('\n') ?? '';
  assert.match(found, /submitted 100 ms after the cancel signal ran to COMPLETED/);
  assert.match(found, /Event says 3 Icarus operation\(s\) were stopped; Icarus stopped 0/);
  // Stopped for real, and submitted before the cancel: as designed.
  const d = cluster('b');
  d.op(0, backupOp('gone2'), 0, 1, { state: 'FAILED', cancelRequested: true });
  const ok = journal('gone2', 'backup, deleted 0–50 ms after create', d, 'gone');
  const h2 = new Map([['gone2', { found: true, cancelAt: T0 + 100, truncateOps: [] }]]);
  const e2 = new Map([
    [
      'gone2',
      [
        {
          reason: 'BackupCancelled',
          type: 'Warning',
          message: 'backup cancelled; 1 Icarus operation(s) stopped',
        },
      ],
    ],
  ]);
  assert.deepEqual(violations(evidence([ok], { histories: h2, events: e2 })), []);
  // Still there after the delete.
  const stuck = journal('gone3', 'backup, deleted 0–50 ms after create', d, {
    metadata: {},
    status: { state: 'RUNNING' },
  } as CassandraBackup);
  assert.match(violations(evidence([stuck])).join('\n'), /still there after the delete/);
});

test('the cancel Event of today counts what it says it stopped: cancelled and stopped, not completed', () => {
  assert.equal(
    claimedStopped('Backup cancelled; Icarus operations: 2 cancelled, 1 had already completed'),
    2,
  );
  assert.equal(
    claimedStopped(
      'Backup cancelled; Icarus operations: 1 stopped (ended FAILED), 1 cancelled. The restored …',
    ),
    2,
  );
  assert.equal(claimedStopped('Backup cancelled; Icarus operations: 3 had already completed'), 0);
  assert.equal(
    claimedStopped('The resource was deleted: backup cancelled; 3 Icarus operation(s) stopped'),
    3,
  );
  assert.equal(claimedStopped('Backup cancelled'), 0);
});
