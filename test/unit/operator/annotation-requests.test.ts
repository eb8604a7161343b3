// Which annotation requests are still to answer: pure, so every case is shown here; the answers
// themselves (signals, Events, the handled mark) run on the real stack in test/e2e/kubectl-control.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CassandraBackup } from '../../../src/kube/api/resources.js';
import {
  CANCEL_ANNOTATION,
  pendingRequests,
  RETRY_ANNOTATION,
  RETRY_HANDLED_ANNOTATION,
} from '../../../src/operator/annotation-requests.js';

const withAnnotations = (annotations?: Record<string, string>) =>
  ({
    metadata: { name: 'b', namespace: 'ns', uid: 'u', ...(annotations ? { annotations } : {}) },
  }) as CassandraBackup;

test('a retry value not yet handled is pending; the handled one, or none, is not', () => {
  assert.deepEqual(pendingRequests(withAnnotations(), false), {});
  assert.deepEqual(pendingRequests(withAnnotations({ [RETRY_ANNOTATION]: '1' }), false), { retry: '1' });
  assert.deepEqual(
    pendingRequests(withAnnotations({ [RETRY_ANNOTATION]: '1', [RETRY_HANDLED_ANNOTATION]: '1' }), false),
    {},
  );
  assert.deepEqual(
    pendingRequests(withAnnotations({ [RETRY_ANNOTATION]: '2', [RETRY_HANDLED_ANNOTATION]: '1' }), false),
    { retry: '2' },
  );
  assert.deepEqual(
    pendingRequests(withAnnotations({ [RETRY_ANNOTATION]: '' }), false),
    {},
    'an empty value asks nothing',
  );
});

test('cancel: any value but "false", once per process', () => {
  for (const value of ['true', 'yes', '', 'now'])
    assert.deepEqual(pendingRequests(withAnnotations({ [CANCEL_ANNOTATION]: value }), false), {
      cancel: value,
    });
  for (const value of ['false', 'False', ' false '])
    assert.deepEqual(pendingRequests(withAnnotations({ [CANCEL_ANNOTATION]: value }), false), {});
  assert.deepEqual(
    pendingRequests(withAnnotations({ [CANCEL_ANNOTATION]: 'true' }), true),
    {},
    'answered already',
  );
});
