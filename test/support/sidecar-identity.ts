// The Icarus 2.x sidecar's identity on the test stack, as its Pod's ServiceAccount would give it: a
// ServiceAccount in the namespace, a Role that may only `list` Secrets there (esop 2.x lists the
// namespace's Secrets and picks its own by name; `get` is not enough), and a kubeconfig that holds
// nothing but a token of that account.
import { join } from 'node:path';
import { CoreV1Api, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { writeTokenKubeconfig } from '../../dev/stack/operator-identity.js';

export const SIDECAR_ACCOUNT = 'icarus';

/** Creates the identity in `namespace` and returns the path of its token-only kubeconfig (written to `dir`). */
export async function sidecarKubeconfig(kc: KubeConfig, namespace: string, dir: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: SIDECAR_ACCOUNT } } });
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name: `${SIDECAR_ACCOUNT}-secrets` },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: `${SIDECAR_ACCOUNT}-secrets` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${SIDECAR_ACCOUNT}-secrets` },
      subjects: [{ kind: 'ServiceAccount', name: SIDECAR_ACCOUNT, namespace }],
    },
  });
  const request = await core.createNamespacedServiceAccountToken({
    namespace,
    name: SIDECAR_ACCOUNT,
    body: { spec: { audiences: [], expirationSeconds: 24 * 3600 } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`no token was issued for ServiceAccount ${namespace}/${SIDECAR_ACCOUNT}`);
  const admin = process.env.KUBECONFIG;
  if (!admin) throw new Error('KUBECONFIG is not set: run the tests with `npm test`');
  const path = join(dir, 'icarus-kubeconfig');
  writeTokenKubeconfig(admin, token, path);
  return path;
}
