// Reads a CassandraBackup as it is now (level-triggered: the workflow acts on the current spec, never
// on a copy from an event). The spec is validated with the generated schema: a resource stored under an
// older CRD, without our rules, gets a clear InvalidSpec failure instead of odd requests.
import { ApplicationFailure } from '@temporalio/activity';
import { cassandraBackupSpecSchema, resourceNames, type CassandraBackup } from '../src/kube/api/resources.js';
import type { LoadedBackup, ResourceKey } from '../workflows/definitions.js';
import { FailureType } from '../workflows/definitions.js';
import type { ActivityDeps } from './deps.js';

export async function readBackup(
  deps: ActivityDeps,
  resource: ResourceKey,
): Promise<CassandraBackup | undefined> {
  const { group, version, plural } = resourceNames.CassandraBackup;
  try {
    const obj = (await deps.custom.getNamespacedCustomObject({
      group,
      version,
      plural,
      namespace: resource.namespace,
      name: resource.name,
    })) as CassandraBackup;
    return obj.metadata.uid === resource.uid ? obj : undefined;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/** The backup's generation and validated spec, or undefined when the resource is gone. */
export async function loadBackup(
  deps: ActivityDeps,
  resource: ResourceKey,
): Promise<LoadedBackup | undefined> {
  const obj = await readBackup(deps, resource);
  if (!obj) return undefined;
  const parsed = cassandraBackupSpecSchema.safeParse(obj.spec ?? {});
  if (!parsed.success) {
    throw ApplicationFailure.create({
      message: `spec is invalid: ${parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ')}`,
      type: FailureType.invalidSpec,
      nonRetryable: true,
      details: [{ transient: false }],
    });
  }
  return { generation: obj.metadata.generation ?? 1, spec: parsed.data };
}
