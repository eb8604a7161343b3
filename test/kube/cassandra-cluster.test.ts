// The CassandraCluster readiness check on the real kube-apiserver. CRDs are cluster-wide, so the test
// installs a CassandraCluster CRD under its own group: the IBM group stays absent for the other tests,
// which is the "other operator" case the check must let through.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { ApiextensionsV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { checkClusterReady, cassandraClusterNames } from '../../src/kube/cassandra-cluster.js';
import { PlanError } from '../../src/kube/plan-error.js';
import { createNamespace, kubeConfig } from '../support/stack-env.js';
import { eventually } from '../support/wait.js';

const kc = kubeConfig();
const custom = kc.makeApiClient(CustomObjectsApi);
const names = {
  group: 'test.cassandra-backup-operator.dev',
  version: 'v1alpha1',
  plural: 'cassandraclusters',
};
let namespace: string;

before(async () => {
  namespace = await createNamespace(kc, 'cluster-ready');
  const crds = kc.makeApiClient(ApiextensionsV1Api);
  await crds
    .createCustomResourceDefinition({
      body: {
        metadata: { name: `${names.plural}.${names.group}` },
        spec: {
          group: names.group,
          scope: 'Namespaced',
          names: { plural: names.plural, singular: 'cassandracluster', kind: 'CassandraCluster' },
          versions: [
            {
              name: names.version,
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
            },
          ],
        },
      },
    })
    .catch((err: { code?: number }) => {
      if (err.code !== 409) throw err;
    });
  await eventually('the test CRD to serve', async () => {
    await custom.listNamespacedCustomObject({ ...names, namespace });
    return true;
  });
});

async function reason(cluster: string, n = names): Promise<string | undefined> {
  try {
    await checkClusterReady(custom, namespace, cluster, n);
    return undefined;
  } catch (err) {
    assert.ok(err instanceof PlanError, String(err));
    assert.equal(err.transient, true);
    return err.reason;
  }
}

test('without the CassandraCluster CRD (another operator made the cluster), nothing is checked', async () => {
  assert.equal(await reason('any', cassandraClusterNames), undefined);
});

test('with the CRD: a missing cluster, then one not ready, then a ready one', async () => {
  assert.equal(await reason('ring'), 'CassandraClusterNotFound');
  await custom.createNamespacedCustomObject({
    ...names,
    namespace,
    body: {
      apiVersion: `${names.group}/${names.version}`,
      kind: 'CassandraCluster',
      metadata: { name: 'ring' },
    },
  });
  assert.equal(await reason('ring'), 'CassandraClusterNotReady');
  await custom.replaceNamespacedCustomObject({
    ...names,
    namespace,
    name: 'ring',
    body: {
      ...((await custom.getNamespacedCustomObject({ ...names, namespace, name: 'ring' })) as object),
      status: { ready: true },
    },
  });
  assert.equal(await reason('ring'), undefined);
});
