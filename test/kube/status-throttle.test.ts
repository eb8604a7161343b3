// The status writer's throttle on the real kube-apiserver (src/kube/status-writer.ts): many updates
// become few writes that store the last values, flush writes at once, and a resource that is gone drops
// its pending update.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { resourceNames } from '../../src/kube/api/resources.js';
import { StatusWriter, statusApi, type ResourceRef } from '../../src/kube/status-writer.js';
import { createBackup, readBackup } from '../support/resources.js';
import { createNamespace, kubeConfig } from '../support/stack-env.js';

const kc = kubeConfig();
const custom = kc.makeApiClient(CustomObjectsApi);
const { group, version, plural } = resourceNames.CassandraBackup;
let namespace: string;

before(async () => {
  namespace = await createNamespace(kc, 'status');
});

const backup = () => createBackup(kc, namespace);

const read = (ref: ResourceRef) => readBackup(kc, namespace, ref.name);

test('many updates from many callers become few writes, and the last values are stored', async () => {
  const created = await backup();
  const ref: ResourceRef = { kind: 'CassandraBackup', namespace, name: created.metadata.name ?? '' };
  let writes = 0;
  const api = statusApi(custom);
  const writer = new StatusWriter(
    {
      read: (r) => api.read(r),
      patch: (r, s, v) => {
        writes += 1;
        return api.patch(r, s, v);
      },
    },
    { maxWritesPerSecond: 2 },
  );
  const started = Date.now();
  const updates: Promise<void>[] = [];
  // 6 "nodes" each reporting 20 progress steps as fast as they can.
  for (let step = 1; step <= 20; step++) {
    for (let node = 0; node < 6; node++) {
      updates.push(
        writer
          .update(ref, { fields: { state: 'RUNNING', progress: Math.round((step / 20) * 100) } })
          .then(() => undefined),
      );
    }
    await sleep(10);
  }
  await Promise.all(updates);
  const elapsed = (Date.now() - started) / 1000;
  assert.ok(writes <= Math.ceil(elapsed * 2) + 1, `${writes} writes in ${elapsed.toFixed(2)} s at 2/s`);
  assert.ok(writes >= 1);
  assert.equal((await read(ref)).status?.progress, 100);
});

test('flush writes at once; a resource that is gone drops its pending update', async () => {
  const created = await backup();
  const ref: ResourceRef = { kind: 'CassandraBackup', namespace, name: created.metadata.name ?? '' };
  // One write per 1000 s: only flush can write the second update before the test's time-out.
  const writer = new StatusWriter(statusApi(custom), { maxWritesPerSecond: 0.001 });
  await writer.update(ref, { fields: { state: 'PENDING' } });
  const outcome = await Promise.race([
    writer.flush(ref, { fields: { state: 'COMPLETED', progress: 100 } }).then(() => 'flushed'),
    sleep(60_000, undefined, { ref: false }).then(() => 'waited for the throttle'),
  ]);
  assert.equal(outcome, 'flushed');
  assert.equal((await read(ref)).status?.state, 'COMPLETED');
  await custom.deleteNamespacedCustomObject({ group, version, namespace, plural, name: ref.name });
  assert.deepEqual(await writer.flush(ref, { fields: { state: 'FAILED' } }), { gone: true });
});
