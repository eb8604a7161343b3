// The watcher's list+watch on the real kube-apiserver: a kind whose CRD is not installed (an upgrade that
// applied the Deployment before the CRDs) does not stop the start-up; readiness names it with the API
// server's answer, while a kind that exists is listed and its resources are reconciled from the cache.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import { resourceNames } from '../../src/kube/api/resources.js';
import { createLogger } from '../../src/logger.js';
import { watchResources } from '../../src/operator/informer.js';
import { createNamespace, kubeConfig, uniqueName } from '../support/stack-env.js';
import { eventually } from '../support/wait.js';

const kc = kubeConfig();
const logger = createLogger('silent');

test('a kind without its CRD: start() returns, problems() says 404; the cache of an installed kind is ready', async () => {
  const namespace = await createNamespace(kc, 'informer');
  const missing = watchResources<KubernetesObject>(
    kc,
    { group: 'db.ibm.com', version: 'v1alpha1', plural: 'cassandranothings' },
    [namespace],
    { onChange: () => {}, onDelete: () => {} },
    logger,
  );
  const seen: string[] = [];
  const present = watchResources<KubernetesObject>(
    kc,
    resourceNames.CassandraBackup,
    [namespace],
    // Reconciles triggered by the first list find the object in the cache already.
    {
      onChange: (obj) => seen.push(present.get(namespace, obj.metadata?.name ?? '') ? 'cached' : 'missing'),
      onDelete: () => {},
    },
    logger,
  );
  assert.deepEqual(missing.problems(), [
    `/apis/db.ibm.com/v1alpha1/namespaces/${namespace}/cassandranothings not listed yet`,
  ]);
  await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    ...resourceNames.CassandraBackup,
    namespace,
    body: {
      apiVersion: 'db.ibm.com/v1alpha1',
      kind: 'CassandraBackup',
      metadata: { name: uniqueName('listed') },
      spec: { cassandraCluster: 'c', storageLocation: 's3://b', secretName: 's' },
    },
  });
  try {
    await Promise.all([missing.start(), present.start()]);
    assert.deepEqual(present.problems(), []);
    assert.deepEqual(seen, ['cached']);
    const [problem] = await eventually('the 404 in problems()', () => {
      const p = missing.problems();
      return Promise.resolve(p[0]?.includes('HTTP 404') ? p : undefined);
    });
    assert.match(problem ?? '', /cassandranothings not listed yet: HTTP 404/);
  } finally {
    await missing.stop();
    await present.stop();
  }
});
