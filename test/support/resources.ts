import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { resourceNames, type CassandraBackup } from '../../src/kube/api/resources.js';
import { uniqueName } from './stack-env.js';

/** Creates a CassandraBackup (valid by default) and returns it as the API server stored it. */
export async function createBackup(
  kc: KubeConfig,
  namespace: string,
  opts: { name?: string; spec?: Record<string, unknown>; status?: Record<string, unknown> } = {},
): Promise<CassandraBackup> {
  const { group, version, plural } = resourceNames.CassandraBackup;
  return (await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group,
    version,
    namespace,
    plural,
    body: {
      apiVersion: `${group}/${version}`,
      kind: 'CassandraBackup',
      metadata: { name: opts.name ?? uniqueName('backup') },
      spec: { cassandraCluster: 'c', storageLocation: 's3://bucket', secretName: 'creds', ...opts.spec },
      ...(opts.status ? { status: opts.status } : {}),
    },
  })) as CassandraBackup;
}

/** A CassandraBackup as the API server has it now. */
export async function readBackup(kc: KubeConfig, namespace: string, name: string): Promise<CassandraBackup> {
  return (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    ...resourceNames.CassandraBackup,
    namespace,
    name,
  })) as CassandraBackup;
}
