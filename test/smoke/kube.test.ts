import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  makeInformer,
  setHeaderOptions,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { createBackup } from '../support/resources.js';
import { createNamespace, kubeConfig, uniqueName } from '../support/stack-env.js';

const group = 'db.ibm.com';
const version = 'v1alpha1';
const plural = 'cassandrabackups';
type Backup = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

test('a Secret and a custom resource are created, seen by an informer, and status is written through /status', async () => {
  const kc = kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const namespace = await createNamespace(kc, 'smoke');

  const secretName = uniqueName('creds');
  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: secretName }, stringData: { awsaccesskeyid: 'smoke-key' } },
  });
  const secret = await core.readNamespacedSecret({ namespace, name: secretName });
  assert.equal(Buffer.from(secret.data?.awsaccesskeyid ?? '', 'base64').toString(), 'smoke-key');

  const informer = makeInformer<Backup>(
    kc,
    `/apis/${group}/${version}/namespaces/${namespace}/${plural}`,
    () => custom.listNamespacedCustomObject({ group, version, namespace, plural }),
  );
  const seen: { event: string; obj: Backup }[] = [];
  const waitFor = async (predicate: (e: { event: string; obj: Backup }) => boolean): Promise<Backup> => {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const hit = seen.find(predicate);
      if (hit) return hit.obj;
      await sleep(50);
    }
    throw new Error(`the informer never saw it; it saw ${JSON.stringify(seen.map((e) => e.event))}`);
  };
  informer.on('add', (obj) => seen.push({ event: 'add', obj }));
  informer.on('update', (obj) => seen.push({ event: 'update', obj }));
  informer.on('error', (err) => seen.push({ event: `error ${String(err)}`, obj: {} }));
  await informer.start();
  try {
    const name = uniqueName('backup');
    await createBackup(kc, namespace, {
      name,
      spec: { cassandraCluster: 'smoke', secretName },
      // Ignored on create: status is a subresource.
      status: { state: 'IGNORED' },
    });
    const added = await waitFor((e) => e.event === 'add' && e.obj.metadata?.name === name);
    assert.equal(
      added.status,
      undefined,
      'status sent with the create must be dropped by the status subresource',
    );

    await custom.patchNamespacedCustomObjectStatus(
      { group, version, namespace, plural, name, body: { status: { state: 'RUNNING', progress: 42 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const updated = await waitFor((e) => e.event === 'update' && e.obj.status?.progress === 42);
    assert.equal(updated.status?.state, 'RUNNING');
    assert.equal(updated.metadata?.generation, 1, 'a status write must not move the generation');

    // Through kubectl, with the same kubeconfig.
    const kubectl = process.env.KUBECTL ?? 'kubectl';
    const { stdout } = await promisify(execFile)(kubectl, [
      'get',
      plural,
      '-n',
      namespace,
      name,
      '-o',
      'jsonpath={.status.state}',
    ]);
    assert.equal(stdout, 'RUNNING');
  } finally {
    await informer.stop();
  }
});
