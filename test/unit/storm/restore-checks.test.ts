// Every check of the storm can fail, for restores: a retried restore that truncates after another
// cleaned up, and a second TRUNCATE in one attempt, written as the evidence they would leave, give a
// violation, and the right end gives none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CassandraRestore } from '../../../src/kube/api/resources.js';
import {
  LOCATION,
  T0,
  at,
  cluster,
  evidence,
  journal,
  tag,
  violations,
} from '../../support/storm-check-fixtures.js';

function completedRestore(name: string, c: ReturnType<typeof cluster>) {
  const req = (phase: string) => ({
    type: 'restore',
    restorationPhase: phase,
    snapshotTag: tag('src'),
    storageLocation: LOCATION,
  });
  c.nodes.forEach((_, i) => c.op(i, req('DOWNLOAD'), 1, 2));
  const truncate = c.op(0, req('TRUNCATE'), 3, 4);
  c.nodes.forEach((_, i) => c.op(i, req('IMPORT'), 5, 6));
  const cleanup = c.nodes.map((_, i) => c.op(i, req('CLEANUP'), 7, 8));
  const r = {
    metadata: { name },
    status: {
      state: 'COMPLETED',
      phases: ['DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP'].map((p) => ({
        name: p,
        state: 'COMPLETED',
        nodes: 3,
        completedNodes: 3,
      })),
      nodes: c.nodes.map((n, i) => ({
        address: n.identity.address,
        phase: 'CLEANUP',
        operationId: cleanup[i],
        state: 'COMPLETED',
      })),
      conditions: [{ type: 'Succeeded', status: 'True', reason: 'Completed' }],
    },
  } as unknown as CassandraRestore;
  return { r, truncate, req };
}

test('defect 2: a retried restore truncates after a second restore cleaned up: rows lost, the cluster ends empty', () => {
  const c = cluster('r');
  const rows = [[{ id: 0 }], [{ id: 1 }], [{ id: 2 }]];
  const { r, truncate } = completedRestore('first', c);
  c.nodes.forEach((n, i) => n.data.set('shop.orders', rows[i] ?? []));
  const j = journal('first', 'restore', c, r);
  j.source = { backup: 'src', rows };
  j.rowsAtEnd = { rows, othersBusy: false };
  const histories = new Map([['first', { found: true, truncateOps: [truncate] }]]);
  assert.deepEqual(violations(evidence([j], { histories })), [], 'the right end passes');

  c.nodes.forEach((n) => n.data.set('shop.orders', []));
  j.rowsAtEnd = { rows: [[], [], []], othersBusy: false };
  const found = violations(evidence([j], { histories })).join('\n');
  assert.match(found, /rows right after COMPLETED: \[\[\],\[\],\[\]\]/);
  assert.match(found, /ends with rows \[\[\],\[\],\[\]\]/);
});

test('TRUNCATE at most once per attempt: a second one needs a retry after a lost TRUNCATE; one in no history is flagged', () => {
  const c = cluster('r');
  const rows = [[], [], []];
  const { r, truncate, req } = completedRestore('t', c);
  const again = c.op(0, req('TRUNCATE'), 4.5, 4.8);
  const j = journal('t', 'restore', c, r);
  j.source = { backup: 'src', rows };
  c.nodes.forEach((n) => n.data.set('shop.orders', []));
  const histories = new Map([['t', { found: true, truncateOps: [truncate, again] }]]);
  assert.match(violations(evidence([j], { histories })).join('\n'), /2 TRUNCATEs for 1 attempt/);
  j.retries.push({ at: T0 + 4400, afterReason: 'TruncateLost' });
  j.failures.push({ at: T0 + 4300, reason: 'TruncateLost', message: 'lost' });
  c.nodes[0]?.simulator.restarts.push(at(3.5));
  assert.deepEqual(violations(evidence([j], { histories })), []);
  // A second lost TRUNCATE needs a restart after the retry that started its attempt.
  const twice = { ...j, failures: [...j.failures], retries: [...j.retries] };
  twice.failures.push({ at: T0 + 4450, reason: 'TruncateLost', message: 'lost again' });
  twice.retries.push({ at: T0 + 4460, afterReason: 'TruncateLost' });
  const again3 = c.op(0, req('TRUNCATE'), 4.47, 4.49);
  const three = new Map([['t', { found: true, truncateOps: [truncate, again, again3] }]]);
  assert.match(
    violations(evidence([twice], { histories: three })).join('\n'),
    /FAILED TruncateLost, not a designed end/,
    'the restart at 3.5 s explains the first loss only',
  );
  c.nodes[2]?.simulator.restarts.push(at(4.42));
  assert.deepEqual(violations(evidence([twice], { histories: three })), []);
  const orphan = new Map([['t', { found: true, truncateOps: [truncate] }]]);
  assert.match(
    violations(evidence([j], { histories: orphan })).join('\n'),
    /TRUNCATE .* is in no restore's history/,
  );
});
