import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Reason } from '../../../src/contract/reasons.js';
import type { StatusPatch } from '../../../src/contract/status.js';
import type { Condition } from '../../../src/kube/api/resources.js';
import {
  MAX_CONFLICTS,
  StatusWriter,
  type ResourceRef,
  type Seen,
  type StatusApi,
} from '../../../src/kube/status-writer.js';

const ref: ResourceRef = { kind: 'CassandraBackup', namespace: 'ns', name: 'b' };

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

/**
 * One object the way the API server keeps it, for the policy's pure logic: a resourceVersion that every
 * write moves on, a patch with a stale one refused 409, a merge patch applied field by field. Another
 * client writes through `other`.
 */
class FakeApi implements StatusApi {
  uid = 'u1';
  version = 1;
  status: Record<string, unknown> = {};
  exists = true;
  reads = 0;
  readonly patches: { status: Record<string, unknown>; resourceVersion?: string }[] = [];

  read(): Promise<Seen | undefined> {
    this.reads += 1;
    return Promise.resolve(this.exists ? this.seen() : undefined);
  }

  patch(_r: ResourceRef, status: Record<string, unknown>, resourceVersion?: string): Promise<Seen> {
    this.patches.push({ status, ...(resourceVersion ? { resourceVersion } : {}) });
    if (!this.exists) return Promise.reject(Object.assign(new Error('not found'), { code: 404 }));
    if (resourceVersion && resourceVersion !== String(this.version))
      return Promise.reject(Object.assign(new Error('the object has been modified'), { code: 409 }));
    this.other(status);
    return Promise.resolve(this.seen());
  }

  /** A write of another client: a merge patch, no lock. */
  other(status: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(status)) {
      if (v === null) delete this.status[k];
      else this.status[k] = structuredClone(v);
    }
    this.version += 1;
  }

  private seen(): Seen {
    return {
      metadata: { uid: this.uid, resourceVersion: String(this.version) },
      status: structuredClone(this.status),
    };
  }
}

const owned: ResourceRef<'CassandraBackup'> = { ...ref, kind: 'CassandraBackup', uid: 'u1' };
const succeeded = (status: 'True' | 'False' | 'Unknown', reason: Reason) => ({
  changes: [{ type: 'Succeeded', status, reason, message: reason }],
  generation: 1,
});

test('a patch of values alone goes without a read and without a resourceVersion', async () => {
  const api = new FakeApi();
  api.other({ conditions: [{ type: 'Theirs', status: 'True' }] });
  const writer = new StatusWriter(api, { maxWritesPerSecond: 0.001 });
  await writer.flush(owned, { fields: { progress: 40, nodes: [{ pod: 'p' }] } });
  assert.equal(api.reads, 0);
  assert.deepEqual(api.patches, [{ status: { progress: 40, nodes: [{ pod: 'p' }] } }]);
  assert.deepEqual(api.status.conditions, [{ type: 'Theirs', status: 'True' }]);
});

test('conditions are set on the object as last seen and locked on its version; the next write starts from what the last one returned', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-01-01T00:00:00Z') });
  const api = new FakeApi();
  const writer = new StatusWriter(api, { maxWritesPerSecond: 0.001 });
  const first = await writer.flush(owned, {
    fields: { state: 'RUNNING' },
    conditions: succeeded('Unknown', 'Running'),
  });
  assert.deepEqual(first, { gone: false, before: {} });
  assert.equal(api.reads, 1, 'read once: nothing was seen yet');
  assert.equal(api.patches[0]?.resourceVersion, '1');
  t.mock.timers.tick(60_000);
  const second = await writer.flush(owned, { conditions: succeeded('Unknown', 'Downloading') });
  assert.equal(api.reads, 1, 'no read: the object the first write returned is the one last seen');
  assert.equal(second.gone ? undefined : second.before?.state, 'RUNNING');
  assert.equal(api.patches[1]?.resourceVersion, '2');
  const [condition] = api.status.conditions as Condition[];
  assert.equal(condition?.reason, 'Downloading');
  assert.equal(condition?.lastTransitionTime, '2026-01-01T00:00:00.000Z', 'no flip: the time stays');
});

test('a conflict reads again and sets the conditions anew: another writer’s condition and field survive', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-01-01T00:00:00Z') });
  const api = new FakeApi();
  const conflicts: string[] = [];
  const writer = new StatusWriter(api, {
    maxWritesPerSecond: 0.001,
    onWritten: (_r, result) => result === 'conflict' && conflicts.push(result),
  });
  await writer.flush(owned, { fields: { state: 'RUNNING' }, conditions: succeeded('Unknown', 'Running') });
  const theirs = {
    type: 'Audited',
    status: 'True',
    reason: 'Scheduled',
    message: 'm',
    lastTransitionTime: 'x',
  };
  api.other({ conditions: [...(api.status.conditions as Condition[]), theirs], workflowUrl: 'http://ui' });
  t.mock.timers.tick(1000);
  await writer.flush(owned, { fields: { state: 'COMPLETED' }, conditions: succeeded('True', 'Completed') });
  assert.deepEqual(conflicts, ['conflict']);
  assert.equal(api.reads, 2, 'read again after the conflict');
  assert.deepEqual(
    (api.status.conditions as Condition[]).map((c) => [c.type, c.status, c.reason, c.lastTransitionTime]),
    [
      ['Succeeded', 'True', 'Completed', '2026-01-01T00:00:01.000Z'],
      ['Audited', 'True', 'Scheduled', 'x'],
    ],
  );
  assert.equal(api.status.workflowUrl, 'http://ui');
  assert.equal(api.status.state, 'COMPLETED');
});

test('derived fields are derived again from the fresher object after a conflict', async () => {
  const api = new FakeApi();
  const writer = new StatusWriter(api, { maxWritesPerSecond: 0.001 });
  const schedule: ResourceRef<'CassandraBackupSchedule'> = { ...owned, kind: 'CassandraBackupSchedule' };
  const add = (name: string) => ({
    derive: ({ status }: Seen<'CassandraBackupSchedule'>) => ({ active: [...(status?.active ?? []), name] }),
  });
  await writer.flush(schedule, add('a'));
  api.other({ active: ['a', 'b'] });
  await writer.flush(schedule, add('c'));
  assert.deepEqual(api.status.active, ['a', 'b', 'c']);
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

test('another uid under the name, or none, is a gone resource: nothing is written to it', async () => {
  const api = new FakeApi();
  const writer = new StatusWriter(api, { maxWritesPerSecond: 0.001 });
  await writer.flush(owned, { conditions: succeeded('Unknown', 'Running') });
  // Deleted and created again under the name.
  api.uid = 'u2';
  api.status = {};
  api.version += 1;
  assert.deepEqual(await writer.flush(owned, { conditions: succeeded('True', 'Completed') }), { gone: true });
  assert.deepEqual(api.status, {}, 'the new resource is not written');
  api.exists = false;
  const fresh = new StatusWriter(api, { maxWritesPerSecond: 0.001 });
  assert.deepEqual(await fresh.flush(owned, { conditions: succeeded('True', 'Completed') }), { gone: true });
});

test('a turn that keeps meeting conflicts fails after MAX_CONFLICTS and is written at the next turn', async () => {
  const api = new FakeApi();
  const patch = api.patch.bind(api);
  let interfere = MAX_CONFLICTS;
  api.patch = (r, status, version) => {
    // Another writer comes first every time, MAX_CONFLICTS times.
    if (version && interfere-- > 0) api.other({ lastResult: `other-${interfere}` });
    return patch(r, status, version);
  };
  const errors: unknown[] = [];
  const writer = new StatusWriter(api, { maxWritesPerSecond: 50, onError: (_r, e) => errors.push(e) });
  const written = await writer.update(owned, { conditions: succeeded('True', 'Completed') });
  assert.equal(written.gone, false);
  assert.equal(errors.length, 1, 'the turn gave up once');
  assert.equal(api.patches.length, MAX_CONFLICTS + 1);
  assert.equal((api.status.conditions as Condition[])[0]?.reason, 'Completed');
});

test('a 409 for a patch of values alone is a failure like another: no read, written again at the next turn', async () => {
  const api = new FakeApi();
  const patch = api.patch.bind(api);
  let refuse = 1;
  api.patch = (r, status, version) =>
    refuse-- > 0
      ? Promise.reject(Object.assign(new Error('conflict'), { code: 409 }))
      : patch(r, status, version);
  const results: string[] = [];
  const writer = new StatusWriter(api, {
    maxWritesPerSecond: 50,
    onWritten: (_r, result) => results.push(result),
  });
  await writer.update(owned, { fields: { progress: 5 } });
  assert.deepEqual(results, ['error', 'ok']);
  assert.equal(api.reads, 0);
  assert.equal(api.status.progress, 5);
});

/** Lets every promise callback that is ready run (a write resolves through several). */
function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
