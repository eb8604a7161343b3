// The finalizer of a deleted CassandraBackup as its deletionPolicy says (src/operator/backup-removal.ts):
// the action from the policy now and the state of its removal workflow, for every pair.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { removalAction, type RemovalState } from '../../../src/operator/backup-removal.js';

const states: RemovalState[] = ['none', 'running', 'finished', 'retained'];

test('Delete: start the removal, wait while it runs, release once it has finished', () => {
  assert.deepEqual(
    states.map((s) => [s, removalAction('Delete', s)]),
    [
      ['none', 'start'],
      ['running', 'wait'],
      ['finished', 'release'],
      // Set to Retain (the removal ended without removing), then back to Delete: remove after all.
      ['retained', 'start'],
    ],
  );
});

test('Retain: release at once; a removal that runs is stopped first', () => {
  assert.deepEqual(
    states.map((s) => [s, removalAction('Retain', s)]),
    [
      ['none', 'release'],
      ['running', 'stop-and-release'],
      ['finished', 'release'],
      ['retained', 'release'],
    ],
  );
});
