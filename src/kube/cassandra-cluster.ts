// The IBM operator's CassandraCluster resource, when its CRD is installed: a backup waits until the
// cluster exists and reports status.ready. Clusters made by other operators have no such resource and
// are not checked.
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { PlanError } from './plan-error.js';
import { errorCode } from '../contract/error-code.js';

export const cassandraClusterNames = {
  group: 'db.ibm.com',
  version: 'v1alpha1',
  plural: 'cassandraclusters',
};

export async function checkClusterReady(
  custom: CustomObjectsApi,
  namespace: string,
  cluster: string,
  /** The resource to read: the IBM one; tests use their own group so other tests are not affected. */
  names: { group: string; version: string; plural: string } = cassandraClusterNames,
): Promise<void> {
  let obj: { status?: { ready?: boolean } };
  try {
    obj = (await custom.getNamespacedCustomObject({ ...names, namespace, name: cluster })) as {
      status?: { ready?: boolean };
    };
  } catch (err) {
    if (errorCode(err) !== 404) throw err;
    // A missing object names itself in the answer's details; a missing resource type does not.
    if (!notFoundNamesObject((err as { body?: unknown }).body)) return;
    throw new PlanError(
      'CassandraClusterNotFound',
      `CassandraCluster ${cluster} not found in namespace ${namespace}: check spec.cassandraCluster`,
      true,
    );
  }
  if (obj.status?.ready !== true) {
    throw new PlanError(
      'CassandraClusterNotReady',
      `CassandraCluster ${cluster} is not ready yet (status.ready is not true): waiting for it`,
      true,
    );
  }
}

function notFoundNamesObject(body: unknown): boolean {
  try {
    const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { details?: { name?: string } };
    return Boolean(parsed?.details?.name);
  } catch {
    return false;
  }
}
