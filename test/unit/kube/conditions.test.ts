import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findCondition, isConditionTrue, setCondition } from '../../../src/kube/conditions.js';

const t0 = new Date('2026-11-24T10:00:00Z');
const t1 = new Date('2026-11-24T10:05:00Z');
const t2 = new Date('2026-11-24T10:09:00Z');

test('a new condition gets the time of the update', () => {
  const list = setCondition(
    [],
    { type: 'Succeeded', status: 'Unknown', reason: 'Running', message: 'backing up 3 nodes' },
    { generation: 1, now: t0 },
  );
  assert.deepEqual(list, [
    {
      type: 'Succeeded',
      status: 'Unknown',
      reason: 'Running',
      message: 'backing up 3 nodes',
      observedGeneration: 1,
      lastTransitionTime: t0.toISOString(),
    },
  ]);
});

test('lastTransitionTime moves only when the status flips; reason, message and generation always update', () => {
  let list = setCondition(
    undefined,
    { type: 'Succeeded', status: 'Unknown', reason: 'Running', message: '0/3' },
    { generation: 1, now: t0 },
  );
  list = setCondition(
    list,
    { type: 'Succeeded', status: 'Unknown', reason: 'Running', message: '2/3' },
    { generation: 2, now: t1 },
  );
  assert.equal(findCondition(list, 'Succeeded')?.lastTransitionTime, t0.toISOString());
  assert.equal(findCondition(list, 'Succeeded')?.message, '2/3');
  assert.equal(findCondition(list, 'Succeeded')?.observedGeneration, 2);
  list = setCondition(
    list,
    { type: 'Succeeded', status: 'True', reason: 'Completed', message: 'done' },
    { generation: 2, now: t2 },
  );
  assert.equal(findCondition(list, 'Succeeded')?.lastTransitionTime, t2.toISOString());
  assert.ok(isConditionTrue(list, 'Succeeded'));
  assert.equal(list.length, 1);
});

test('other condition types are kept, and the input is not modified', () => {
  const start = setCondition(
    [],
    { type: 'Validated', status: 'True', reason: 'Scheduled', message: 'ok' },
    { generation: 1, now: t0 },
  );
  const frozen = structuredClone(start);
  const list = setCondition(
    start,
    { type: 'Succeeded', status: 'False', reason: 'NodeFailed', message: 'node-2: disk full' },
    { generation: 1, now: t1 },
  );
  assert.deepEqual(start, frozen);
  assert.deepEqual(
    list.map((c) => c.type),
    ['Validated', 'Succeeded'],
  );
  assert.equal(isConditionTrue(list, 'Succeeded'), false);
});

test('a reason must be one CamelCase word', () => {
  assert.throws(
    () =>
      setCondition(
        [],
        // @ts-expect-error: not a Reason; what comes from history is checked at run time too.
        { type: 'Succeeded', status: 'False', reason: 'node failed', message: 'x' },
        { generation: 1, now: t0 },
      ),
    /CamelCase/,
  );
});
