// The operator's per-key work queue. Tests wait on what the queue did (a handler call, the queue going
// idle) and move mocked timers for its delays: no test sleeps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkQueue } from '../../../src/operator/work-queue.js';
import { eventually } from '../../support/wait.js';

/** A promise with its resolve function. */
function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

/** Until nothing is queued or running (timers pending for later adds are not counted). */
const idle = (q: WorkQueue) =>
  eventually('the queue to go idle', () => Promise.resolve(q.length === 0 || undefined), {
    timeoutMs: 10_000,
    intervalMs: 1,
  });

/** Lets every promise callback that is ready run (the queue's handlers resolve through several). */
const settle = () => new Promise<void>((r) => setImmediate(r));

test('a key added many times while queued is handled once', async () => {
  const seen: string[] = [];
  const busy = gate();
  const started = gate();
  const q = new WorkQueue(
    async (key) => {
      seen.push(key);
      if (key === 'busy') {
        started.open();
        await busy.opened;
      }
    },
    { concurrency: 1 },
  );
  q.add('busy');
  await started.opened;
  q.add('a');
  q.add('a');
  q.add('b');
  q.add('a');
  busy.open();
  await idle(q);
  assert.deepEqual(seen, ['busy', 'a', 'b']);
  await q.stop();
});

test('a key is never handled twice at once; an add while it runs runs it again afterwards', async () => {
  let running = 0;
  let maxRunning = 0;
  let calls = 0;
  const first = gate();
  const started = gate();
  const q = new WorkQueue(
    async () => {
      calls += 1;
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      if (calls === 1) {
        started.open();
        await first.opened;
      }
      running -= 1;
    },
    { concurrency: 4 },
  );
  q.add('k');
  await started.opened;
  q.add('k');
  q.add('k');
  // A queue that started the key again would have called the handler within add() itself.
  assert.equal(calls, 1, 'not started again while the first run is in progress');
  first.open();
  await idle(q);
  assert.equal(calls, 2, 'run once more for the adds made meanwhile');
  assert.equal(maxRunning, 1);
  await q.stop();
});

test('a failing key is retried with a growing delay; other keys go on', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const errors: number[] = [];
  const other: string[] = [];
  let calls = 0;
  const q = new WorkQueue(
    (key) => {
      if (key === 'other') {
        other.push(key);
        return Promise.resolve();
      }
      calls += 1;
      return calls < 3 ? Promise.reject(new Error('not yet')) : Promise.resolve();
    },
    { concurrency: 1, baseBackoffMs: 20, onError: (_k, _e, retryIn) => errors.push(retryIn) },
  );
  q.add('bad');
  q.add('other');
  await settle();
  assert.deepEqual(other, ['other'], 'the other key is not held up by the failing one');
  assert.equal(calls, 1);
  assert.deepEqual(errors, [20]);
  t.mock.timers.tick(19);
  await settle();
  assert.equal(calls, 1, 'not before the first delay');
  t.mock.timers.tick(1);
  await settle();
  assert.equal(calls, 2, 'after 20 ms');
  assert.deepEqual(errors, [20, 40]);
  t.mock.timers.tick(39);
  await settle();
  assert.equal(calls, 2, 'not before the doubled delay');
  t.mock.timers.tick(1);
  await settle();
  assert.equal(calls, 3, 'after 40 ms more');
  t.mock.timers.tick(1_000);
  await settle();
  assert.equal(calls, 3, 'a success is not retried');
  assert.deepEqual(errors, [20, 40]);
  await q.stop();
});

test('requeueAfterMs calls the handler again later', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let calls = 0;
  const q = new WorkQueue(() => Promise.resolve(++calls < 3 ? { requeueAfterMs: 10 } : {}), {
    concurrency: 1,
  });
  q.add('poll');
  await settle();
  assert.equal(calls, 1);
  for (const expected of [2, 3]) {
    t.mock.timers.tick(9);
    await settle();
    assert.equal(calls, expected - 1, 'not before requeueAfterMs');
    t.mock.timers.tick(1);
    await settle();
    assert.equal(calls, expected);
  }
  t.mock.timers.tick(1_000);
  await settle();
  assert.equal(calls, 3, 'no requeue asked, none made');
  await q.stop();
});

test('stop waits for running work and takes no more', async () => {
  let finished = false;
  const work = gate();
  const started = gate();
  const q = new WorkQueue(
    async () => {
      started.open();
      await work.opened;
      finished = true;
    },
    { concurrency: 1 },
  );
  q.add('x');
  await started.opened;
  let stopped = false;
  const stopping = q.stop().then(() => (stopped = true));
  await settle();
  assert.equal(stopped, false, 'stop waits while the handler runs');
  work.open();
  await stopping;
  assert.equal(finished, true);
  q.add('y');
  assert.equal(q.length, 0);
});
