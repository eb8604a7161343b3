// The status writer's throttle (src/kube/status-writer.ts), its logic alone: at most one write per
// resource and turn, updates made in between merged into it, flush at once, a failed write retried at the
// next turn, a gone resource (404) resolved, and nothing kept of a resource once its turn has passed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StatusPatch } from '../../../src/contract/status.js';
import type { Condition } from '../../../src/kube/api/resources.js';
import { StatusWriter, type ResourceRef, type StatusApi } from '../../../src/kube/status-writer.js';
import { FakeApi, owned, ref, succeeded } from '../../support/fake-status-api.js';

/** An API that only takes patches (what these tests look at): values alone need no read. */
function patching(patch: (r: ResourceRef, status: Record<string, unknown>) => Promise<void>): StatusApi {
  return { patch, read: () => Promise.reject(new Error('no read expected')) };
}

test('the throttle holds across an idle gap: the next write waits for its turn', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
  const sent: StatusPatch<'CassandraBackup'>[] = [];
  const writer = new StatusWriter(
    patching((_r, s) => {
      sent.push(s);
      return Promise.resolve();
    }),
    { maxWritesPerSecond: 0.001 },
  );
  const first = writer.update(ref, { fields: { progress: 10 } });
  t.mock.timers.tick(0); // the first write goes at once
  await first;
  const second = writer.update(ref, { fields: { progress: 20 } });
  t.mock.timers.tick(999_999);
  await settle();
  assert.deepEqual(sent, [{ progress: 10 }], 'a second write within 1000 s would break the throttle');
  t.mock.timers.tick(1);
  await second;
  assert.deepEqual(sent, [{ progress: 10 }, { progress: 20 }], 'written at its turn');
  const third = writer.update(ref, { fields: { progress: 30 } });
  await writer.flush(ref);
  await third;
  assert.deepEqual(sent.at(-1), { progress: 30 }, 'flush writes at once, within the interval');
});

test('a resource that is gone (404) resolves its updates; forget drops pending ones', async () => {
  const gone = new StatusWriter(
    patching(() => Promise.reject(Object.assign(new Error('not found'), { code: 404 }))),
    { maxWritesPerSecond: 10 },
  );
  assert.deepEqual(await gone.update(ref, { fields: { state: 'RUNNING' } }), { gone: true });
  const never = new StatusWriter(
    patching(() => Promise.resolve()),
    { maxWritesPerSecond: 0.001 },
  );
  await never.update(ref, { fields: { state: 'A' } });
  const pending = never.update(ref, { fields: { state: 'B' } });
  never.forget(ref);
  await pending;
  assert.equal(never.writes, 1);
});

test('a failed write is reported and retried, merged with newer updates', async () => {
  const sent: StatusPatch<'CassandraBackup'>[] = [];
  const errors: unknown[] = [];
  let fail = 1;
  const writer = new StatusWriter(
    patching((_r, s) => {
      if (fail-- > 0) return Promise.reject(new Error('conflict'));
      sent.push(s);
      return Promise.resolve();
    }),
    { maxWritesPerSecond: 50, onError: (_r, e) => errors.push(e) },
  );
  await Promise.all([
    writer.update(ref, { fields: { state: 'RUNNING', progress: 5 } }),
    writer.update(ref, { fields: { progress: 7 } }),
  ]);
  assert.equal(errors.length, 1);
  assert.deepEqual(sent, [{ state: 'RUNNING', progress: 7 }]);
});

test('once a resource has had its last write and its turn has passed, the writer holds nothing of it', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
  const writer = new StatusWriter(
    patching(() => Promise.resolve()),
    { maxWritesPerSecond: 50 },
  );
  const refs = Array.from({ length: 300 }, (_, i): ResourceRef => ({ ...ref, name: `b${i}` }));
  const updates = Promise.all(refs.map((r) => writer.update(r, { fields: { state: 'RUNNING' } })));
  t.mock.timers.tick(0);
  await updates;
  const flushes = Promise.all(refs.map((r) => writer.flush(r, { fields: { state: 'COMPLETED' } })));
  await flushes;
  assert.ok(writer.tracked > 0, 'within the throttle interval the last write time is kept');
  t.mock.timers.tick(19);
  await settle();
  assert.equal(writer.tracked, 300, 'kept for the whole interval (20 ms at 50 writes/s)');
  t.mock.timers.tick(1);
  await settle();
  assert.equal(writer.tracked, 0, 'finished resources would accumulate for the life of the process');
  // The throttle still holds for a resource written again within its interval.
  const slow = new StatusWriter(
    patching(() => Promise.resolve()),
    { maxWritesPerSecond: 0.001 },
  );
  const firstSlow = slow.update(ref, { fields: { progress: 1 } });
  t.mock.timers.tick(0);
  await firstSlow;
  t.mock.timers.tick(500_000);
  void slow.update(ref, { fields: { progress: 2 } });
  t.mock.timers.tick(499_999);
  await settle();
  assert.equal(slow.writes, 1);
  slow.forget(ref);
  assert.equal(slow.tracked, 0);
});

test('updates merged in one write: the last value of a field wins, conditions apply in order', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.parse('2026-01-01T00:00:00Z') });
  const api = new FakeApi();
  const writer = new StatusWriter(api, { maxWritesPerSecond: 1 });
  const first = writer.update(owned, { fields: { progress: 1 } });
  t.mock.timers.tick(0);
  await first;
  const merged = Promise.all([
    writer.update(owned, { fields: { state: 'RUNNING', progress: 2 } }),
    writer.update(owned, { conditions: succeeded('Unknown', 'Running') }),
    writer.update(owned, { fields: { progress: 3 } }),
    writer.update(owned, { conditions: succeeded('False', 'NodeFailed') }),
  ]);
  await settle();
  assert.equal(api.patches.length, 1, 'not before its turn');
  t.mock.timers.tick(1000);
  await merged;
  assert.equal(api.patches.length, 2, 'one write for the four updates');
  assert.equal(api.status.progress, 3);
  assert.equal(api.status.state, 'RUNNING');
  assert.deepEqual(
    (api.status.conditions as Condition[]).map((c) => [c.status, c.reason]),
    [['False', 'NodeFailed']],
  );
});

/** Lets every promise callback that is ready run (a write resolves through several). */
function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
