import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeWork } from '../../../src/contract/status.js';
import { nodeErrors, nodeStatus, overallProgress, percent } from '../../../src/contract/node-progress.js';

const node = (pod: string, extra: Partial<NodeWork> = {}): NodeWork => ({
  pod,
  dc: 'dc1',
  rack: 'r1',
  hostId: `h-${pod}`,
  address: `${pod}:4567`,
  icarusUrl: `http://${pod}:4567`,
  ...extra,
});

test('overall progress is the mean over every node, not-started nodes at 0, and 100 only when all completed', () => {
  assert.equal(overallProgress([]), 0);
  assert.equal(
    overallProgress([
      node('a', { state: 'COMPLETED' }),
      node('b', { state: 'RUNNING', progress: 50 }),
      node('c'),
    ]),
    50,
  );
  assert.equal(
    overallProgress([node('a', { state: 'COMPLETED' }), node('b', { state: 'RUNNING', progress: 99 })]),
    99,
  );
  assert.equal(overallProgress([node('a', { state: 'COMPLETED' }), node('b', { state: 'COMPLETED' })]), 100);
});

test("a FAILED operation's progress 1.0 is not taken as done: the last value seen is kept", () => {
  assert.equal(percent('FAILED', 1, 37), 37);
  assert.equal(percent('FAILED', 1, undefined), 0);
  assert.equal(percent('RUNNING', 1, 10), 99, 'running is never shown as 100');
  assert.equal(percent('RUNNING', 0.426, 10), 42);
  assert.equal(percent('COMPLETED', 1, 10), 100);
});

test('errors list the pods with an error; status entries hide the internal Icarus URL', () => {
  assert.deepEqual(nodeErrors([node('a'), node('b', { lastError: 'disk full' })]), [
    { source: 'b', message: 'disk full' },
  ]);
  const entry = nodeStatus(node('a', { operationId: 'op' }));
  assert.equal((entry as Record<string, unknown>).icarusUrl, undefined);
  assert.equal(entry.operationId, 'op');
  assert.equal(entry.address, 'a:4567');
});
