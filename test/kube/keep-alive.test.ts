// The operator's KubeConfig reuses its connections to the API server: the client alone opens a new TLS
// connection per request, which cost more CPU than anything else with hundreds of resources.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { KeepAliveKubeConfig } from '../../src/kube/keep-alive.js';
import { resourceNames } from '../../src/kube/api/resources.js';

function keepAliveConfig(): KeepAliveKubeConfig {
  const kc = new KeepAliveKubeConfig();
  const file = process.env.KUBECONFIG;
  assert.ok(file, 'KUBECONFIG is set by npm test');
  kc.loadFromFile(file);
  return kc;
}

test('sequential requests, of several API groups, share one TLS connection', async () => {
  const kc = keepAliveConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  for (let i = 0; i < 10; i++) {
    const namespaces = await core.listNamespace();
    assert.ok(namespaces.items.some((n) => n.metadata?.name === 'default'));
    await custom.listClusterCustomObject(resourceNames.CassandraBackup);
  }
  assert.equal(kc.connections, 1);
});

test('concurrent requests open a connection each, which later requests reuse', async () => {
  const kc = keepAliveConfig();
  const core = kc.makeApiClient(CoreV1Api);
  await Promise.all(Array.from({ length: 4 }, () => core.listNamespace()));
  const opened = kc.connections;
  assert.ok(opened >= 1 && opened <= 4, `${opened} connection(s) for 4 concurrent requests`);
  for (let i = 0; i < 8; i++) await core.listNamespace();
  await Promise.all(Array.from({ length: 4 }, () => core.listNamespace()));
  assert.equal(kc.connections, opened, 'no new connection once the pool holds enough');
});
