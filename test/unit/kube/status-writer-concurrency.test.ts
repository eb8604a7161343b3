// The status writer's concurrency policy (src/kube/status-writer.ts), its logic alone, on one object
// kept as the API server keeps it: values alone go unlocked and unread; conditions and derived fields are
// set on the object as last seen and locked on its resourceVersion, derived again after a 409, so another
// writer's condition or field survives; another uid is a gone resource; MAX_CONFLICTS bounds a turn.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Condition } from '../../../src/kube/api/resources.js';
import { MAX_CONFLICTS, StatusWriter, type ResourceRef, type Seen } from '../../../src/kube/status-writer.js';
import { FakeApi, owned, succeeded } from '../../support/fake-status-api.js';

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
