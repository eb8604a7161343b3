import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Logger } from '../../../src/logger.js';
import { SearchAttributeFallback } from '../../../src/temporal/search-attributes.js';

function recordingLog(): { log: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const log = { warn: (_fields: unknown, message: string) => warnings.push(message) } as unknown as Logger;
  return { log, warnings };
}

test('search attributes stay on through other errors, and go off once Temporal refuses them, said once', () => {
  const fallback = new SearchAttributeFallback();
  const { log, warnings } = recordingLog();
  assert.equal(fallback.enabled, true);
  assert.equal(fallback.turnedOffBy(new Error('connection refused'), log, 'starting workflows'), false);
  assert.equal(fallback.enabled, true);

  const refusal = new Error(
    'INVALID_ARGUMENT: Namespace default has no mapping defined for search attribute KubernetesNamespace',
  );
  assert.equal(fallback.turnedOffBy(refusal, log, 'starting workflows'), true);
  assert.equal(fallback.enabled, false);
  assert.deepEqual(warnings, [
    'Search attributes KubernetesNamespace, CassandraCluster, ResourceKind, ResourceState are not registered in this Temporal namespace; starting workflows without them (see docs/operator.md)',
  ]);
  // Already off: the caller's retry without them fails for its own reasons.
  assert.equal(fallback.turnedOffBy(refusal, log, 'starting workflows'), false);
  assert.equal(warnings.length, 1);
});
