import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIN_POLL_MS, nextPollDelay } from '../../../activities/poll-delay.js';
import type { Operation } from '../../../src/icarus/types.js';

const NOW = Date.parse('2026-11-25T10:00:00Z');
const op = (progress: number, runningForMs: number, state: Operation['state'] = 'RUNNING'): Operation => ({
  id: '6f1c2a9e-1d3b-4c5a-9e7f-0a1b2c3d4e5f',
  type: 'backup',
  state,
  progress,
  startTime: new Date(NOW - runningForMs).toISOString(),
});

test('the interval, while no operation is due to end before it', () => {
  assert.equal(nextPollDelay([op(0.5, 10_000), op(0.1, 1_000)], NOW, 1000), 1000);
  assert.equal(nextPollDelay([], NOW, 1000), 1000);
  assert.equal(nextPollDelay([undefined], NOW, 1000), 1000, 'a node that did not answer');
});

test('sooner when an operation is due to end within the interval, judged by its own pace', () => {
  // 90 % done in 9 s: at that pace the last 10 % takes 1 s.
  assert.equal(nextPollDelay([op(0.9, 9_000)], NOW, 5000), 1000);
  // 80 % in 2 s: 0.5 s left; the soonest of several nodes counts.
  assert.equal(nextPollDelay([op(0.5, 10_000), op(0.8, 2_000)], NOW, 1000), 500);
});

test('never below the floor, and never for operations that tell nothing', () => {
  assert.equal(nextPollDelay([op(0.99, 10_000)], NOW, 1000), MIN_POLL_MS);
  assert.equal(
    nextPollDelay([op(0.99, 10_000)], NOW, 150),
    150,
    'a configured interval below the floor wins',
  );
  assert.equal(nextPollDelay([op(0, 10_000)], NOW, 1000), 1000, 'no progress yet');
  assert.equal(nextPollDelay([op(1, 10_000, 'FAILED')], NOW, 1000), 1000, 'ended');
  assert.equal(nextPollDelay([{ ...op(0.9, 1), startTime: null }], NOW, 1000), 1000, 'no start time');
});
