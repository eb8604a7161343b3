import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkQueue } from '../../../src/operator/work-queue.js';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

test('a key added many times while queued is handled once', async () => {
  const seen: string[] = [];
  let release: () => void = () => {};
  const q = new WorkQueue(
    async (key) => {
      seen.push(key);
      if (key === 'busy') await new Promise<void>((r) => (release = r));
    },
    { concurrency: 1 },
  );
  q.add('busy');
  await tick();
  q.add('a');
  q.add('a');
  q.add('b');
  q.add('a');
  release();
  await tick(20);
  assert.deepEqual(seen, ['busy', 'a', 'b']);
  await q.stop();
});

test('a key is never handled twice at once; an add while it runs runs it again afterwards', async () => {
  let running = 0;
  let maxRunning = 0;
  let calls = 0;
  let release: () => void = () => {};
  const q = new WorkQueue(
    async () => {
      calls += 1;
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      if (calls === 1) await new Promise<void>((r) => (release = r));
      running -= 1;
    },
    { concurrency: 4 },
  );
  q.add('k');
  await tick();
  q.add('k');
  q.add('k');
  await tick();
  assert.equal(calls, 1, 'not started again while the first run is in progress');
  release();
  await tick(20);
  assert.equal(calls, 2, 'run once more for the adds made meanwhile');
  assert.equal(maxRunning, 1);
  await q.stop();
});

test('a failing key is retried with a growing delay; other keys go on', async () => {
  const times: number[] = [];
  const errors: number[] = [];
  const other: string[] = [];
  const q = new WorkQueue(
    (key) => {
      if (key === 'other') {
        other.push(key);
        return Promise.resolve();
      }
      times.push(Date.now());
      return times.length < 3 ? Promise.reject(new Error('not yet')) : Promise.resolve();
    },
    { concurrency: 1, baseBackoffMs: 20, onError: (_k, _e, retryIn) => errors.push(retryIn) },
  );
  q.add('bad');
  q.add('other');
  await tick(200);
  assert.deepEqual(other, ['other']);
  assert.equal(times.length, 3);
  assert.deepEqual(errors, [20, 40]);
  await q.stop();
});

test('requeueAfterMs calls the handler again later', async () => {
  let calls = 0;
  const q = new WorkQueue(() => Promise.resolve(++calls < 3 ? { requeueAfterMs: 10 } : {}), {
    concurrency: 1,
  });
  q.add('poll');
  await tick(100);
  assert.equal(calls, 3);
  await q.stop();
});

test('stop waits for running work and takes no more', async () => {
  let finished = false;
  const q = new WorkQueue(
    async () => {
      await tick(30);
      finished = true;
    },
    { concurrency: 1 },
  );
  q.add('x');
  await tick();
  await q.stop();
  assert.equal(finished, true);
  q.add('y');
  assert.equal(q.length, 0);
});
