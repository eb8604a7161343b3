// Reads a CassandraBackup, CassandraRestore (or a CassandraBackupSync) as it is now (level-triggered: the workflow acts on the
// current spec, never on a copy from an event). The spec is validated with the generated schema and the
// CRD's field rules (../src/kube/api/spec-rules.ts): a resource stored under an older CRD, without our
// rules, gets a clear InvalidSpec failure instead of odd requests.
import { ApplicationFailure } from '@temporalio/activity';
import type { z } from 'zod';
import {
  cassandraBackupSpecSchema,
  cassandraRestoreSpecSchema,
  resourceNames,
  type CassandraBackup,
  type CassandraBackupSync,
  type CassandraRestore,
} from '../src/kube/api/resources.js';
import { specRuleProblems } from '../src/kube/api/spec-rules.js';
import type { LoadedBackup, LoadedRestore } from '../src/contract/activity-io.js';
import type { ResourceKey, ResourceKind } from '../src/contract/ids.js';
import { FailureType } from '../src/contract/failures.js';
import type { ActivityDeps } from './deps.js';
import { errorCode } from '../src/contract/error-code.js';

interface Resources {
  CassandraBackup: CassandraBackup;
  CassandraRestore: CassandraRestore;
  CassandraBackupSync: CassandraBackupSync;
}

/** The resource with this key's uid, or undefined when it is gone (or was recreated under the name). */
export async function readResource<K extends keyof Resources>(
  deps: ActivityDeps,
  kind: K,
  resource: ResourceKey,
): Promise<Resources[K] | undefined> {
  const obj = await readByName(deps, kind, resource.namespace, resource.name);
  return obj?.metadata.uid === resource.uid ? obj : undefined;
}

/** The resource of that name, whatever its uid; undefined on 404. */
export async function readByName<K extends keyof Resources>(
  deps: ActivityDeps,
  kind: K,
  namespace: string,
  name: string,
): Promise<Resources[K] | undefined> {
  const { group, version, plural } = resourceNames[kind];
  try {
    return (await deps.custom.getNamespacedCustomObject({
      group,
      version,
      plural,
      namespace,
      name,
    })) as Resources[K];
  } catch (err) {
    if (errorCode(err) === 404) return undefined;
    throw err;
  }
}

function validSpec<S extends z.ZodTypeAny>(kind: ResourceKind, schema: S, spec: unknown): z.infer<S> {
  const parsed = schema.safeParse(spec ?? {});
  const problems = parsed.success
    ? specRuleProblems(kind, parsed.data as Record<string, unknown>)
    : parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`);
  if (problems.length > 0) {
    throw ApplicationFailure.create({
      message: `spec is invalid: ${problems.join('; ')}`,
      type: FailureType.invalidSpec,
      nonRetryable: true,
      details: [{ transient: false }],
    });
  }
  return parsed.data as z.infer<S>;
}

/** The backup's generation and validated spec, or undefined when the resource is gone. */
export async function loadBackup(
  deps: ActivityDeps,
  resource: ResourceKey,
): Promise<LoadedBackup | undefined> {
  const obj = await readResource(deps, 'CassandraBackup', resource);
  if (!obj) return undefined;
  return {
    generation: obj.metadata.generation ?? 1,
    spec: validSpec('CassandraBackup', cassandraBackupSpecSchema, obj.spec),
    ...(obj.metadata.deletionTimestamp ? { deleting: true } : {}),
  };
}

/** The restore's generation and validated spec, or undefined when the resource is gone. */
export async function loadRestore(
  deps: ActivityDeps,
  resource: ResourceKey,
): Promise<LoadedRestore | undefined> {
  const obj = await readResource(deps, 'CassandraRestore', resource);
  if (!obj) return undefined;
  return {
    generation: obj.metadata.generation ?? 1,
    spec: validSpec('CassandraRestore', cassandraRestoreSpecSchema, obj.spec),
    ...(obj.metadata.deletionTimestamp ? { deleting: true } : {}),
  };
}

/**
 * The last look before an operation is posted to Icarus: a resource deleted (or being deleted) since the
 * workflow planned gets nothing new started for it. The watcher's cancel signal follows the deletion, so
 * a submission that gets past this read was made before the cancel could be recorded.
 */
export async function ensureNotDeleted<K extends ResourceKind>(
  deps: ActivityDeps,
  kind: K,
  resource: ResourceKey,
): Promise<void> {
  const obj = await readResource(deps, kind, resource);
  if (obj && !obj.metadata.deletionTimestamp) return;
  throw ApplicationFailure.create({
    message: `${kind} ${resource.namespace}/${resource.name} is ${obj ? 'being deleted' : 'gone'}: nothing is submitted for it`,
    type: FailureType.resourceDeleted,
    nonRetryable: true,
  });
}
