// The status writer and Events on the real kube-apiserver.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { resourceNames, type CassandraBackup } from '../../src/kube/api/resources.js';
import { recordEvent } from '../../src/kube/events.js';
import { StatusWriter, patchStatusWith, type ResourceRef } from '../../src/kube/status-writer.js';
import { createBackup } from '../support/resources.js';
import { createNamespace, kubeConfig } from '../support/stack-env.js';

const kc = kubeConfig();
const custom = kc.makeApiClient(CustomObjectsApi);
const core = kc.makeApiClient(CoreV1Api);
const { group, version, plural } = resourceNames.CassandraBackup;
let namespace: string;

before(async () => {
  namespace = await createNamespace(kc, 'status');
});

const backup = () => createBackup(kc, namespace);

const read = async (ref: ResourceRef) =>
  (await custom.getNamespacedCustomObject({
    group,
    version,
    namespace,
    plural,
    name: ref.name,
  })) as CassandraBackup;

test('many updates from many callers become few writes, and the last values are stored', async () => {
  const created = await backup();
  const ref: ResourceRef = { kind: 'CassandraBackup', namespace, name: created.metadata.name ?? '' };
  let writes = 0;
  const patch = patchStatusWith(custom);
  const writer = new StatusWriter(
    (r, s) => {
      writes += 1;
      return patch(r, s);
    },
    { maxWritesPerSecond: 2 },
  );
  const started = Date.now();
  const updates: Promise<void>[] = [];
  // 6 "nodes" each reporting 20 progress steps as fast as they can.
  for (let step = 1; step <= 20; step++) {
    for (let node = 0; node < 6; node++) {
      updates.push(writer.update(ref, { state: 'RUNNING', progress: Math.round((step / 20) * 100) }));
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
  const writer = new StatusWriter(patchStatusWith(custom), { maxWritesPerSecond: 0.001 });
  await writer.update(ref, { state: 'PENDING' });
  const outcome = await Promise.race([
    writer.flush(ref, { state: 'COMPLETED', progress: 100 }).then(() => 'flushed'),
    sleep(60_000, undefined, { ref: false }).then(() => 'waited for the throttle'),
  ]);
  assert.equal(outcome, 'flushed');
  assert.equal((await read(ref)).status?.state, 'COMPLETED');
  await custom.deleteNamespacedCustomObject({ group, version, namespace, plural, name: ref.name });
  await writer.flush(ref, { state: 'FAILED' }); // resolves: nothing to write to
});

test('Events are recorded on the resource, as kubectl shows them', async () => {
  const created = await backup();
  const name = created.metadata.name ?? '';
  const object = {
    apiVersion: `${group}/${version}`,
    kind: 'CassandraBackup',
    namespace,
    name,
    uid: created.metadata.uid ?? '',
  };
  await recordEvent(core, object, {
    type: 'Normal',
    reason: 'BackupStarted',
    message: 'backing up 3 nodes of c to s3://b',
  });
  await recordEvent(core, object, {
    type: 'Warning',
    reason: 'SecretNotFound',
    message: 'Secret s not found',
  });
  const { stdout } = await promisify(execFile)(process.env.KUBECTL ?? 'kubectl', [
    'describe',
    'cassandrabackup',
    name,
    '-n',
    namespace,
  ]);
  assert.match(stdout, /Normal\s+BackupStarted\s+.*backing up 3 nodes of c to s3:\/\/b/);
  assert.match(stdout, /Warning\s+SecretNotFound\s+.*Secret s not found/);
  await assert.rejects(
    // @ts-expect-error: not a Reason; what comes from history is checked at run time too.
    recordEvent(core, object, { type: 'Normal', reason: 'not camel', message: 'x' }),
    /CamelCase/,
  );
});
