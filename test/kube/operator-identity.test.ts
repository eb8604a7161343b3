// Least privilege, for the whole suite: every operator process the tests start acts as the
// ServiceAccount of k8s/deploy, with nothing but its token (scripts/test.ts applies that RBAC and sets
// OPERATOR_KUBECONFIG; test/support/operator.ts hands it over). So every e2e test also proves the RBAC
// grants what it exercises; this one proves the identity, and that what the role does not grant stays
// forbidden.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthenticationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { resourceNames } from '../../src/kube/api/resources.js';

const forbidden = (err: { code?: number }) => {
  assert.equal(err.code, 403);
  return true;
};

test('the operators of this suite act as the ServiceAccount of k8s/deploy, and only as much as it may', async (t) => {
  const path = process.env.OPERATOR_KUBECONFIG;
  if (!path && process.env.USE_EXISTING_CLUSTER === 'true') {
    t.skip('an existing cluster: operators use its KUBECONFIG as given');
    return;
  }
  assert.ok(path, 'scripts/test.ts sets OPERATOR_KUBECONFIG on the local stack');
  const kc = new KubeConfig();
  kc.loadFromFile(path);

  const review = await kc
    .makeApiClient(AuthenticationV1Api)
    .createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
  assert.equal(
    review.status?.userInfo?.username,
    'system:serviceaccount:cassandra-backup:cassandra-backup-operator',
  );

  // What the operator does is allowed...
  const custom = kc.makeApiClient(CustomObjectsApi);
  await custom.listClusterCustomObject(resourceNames.CassandraBackup);
  await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'default' });
  // ...what it never does is refused by the API server: reading every Secret, deleting a restore,
  // creating a Pod.
  await assert.rejects(kc.makeApiClient(CoreV1Api).listSecretForAllNamespaces(), forbidden);
  await assert.rejects(
    custom.deleteNamespacedCustomObject({
      ...resourceNames.CassandraRestore,
      namespace: 'default',
      name: 'any',
    }),
    forbidden,
  );
  await assert.rejects(
    kc.makeApiClient(CoreV1Api).createNamespacedPod({
      namespace: 'default',
      body: { metadata: { name: 'not-allowed' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    }),
    forbidden,
  );
});
