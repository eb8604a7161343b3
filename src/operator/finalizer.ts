// The operator's finalizer on its resources: added before any external work starts, so a deletion
// waits until the Icarus operations were cancelled; removed when the workflow has ended. JSON patches
// with a `test`, so a concurrent change of the finalizer list is never overwritten.
import {
  PatchStrategy,
  setHeaderOptions,
  type CustomObjectsApi,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { ResourceType } from './informer.js';
import { errorCode } from '../contract/error-code.js';

export const FINALIZER = 'db.ibm.com/icarus-operations';
/** On a CassandraBackupSchedule: its Temporal Schedule is deleted before the resource goes. */
export const SCHEDULE_FINALIZER = 'db.ibm.com/temporal-schedule';

export function hasFinalizer(obj: KubernetesObject, finalizer = FINALIZER): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) ?? false;
}

async function jsonPatch(api: CustomObjectsApi, type: ResourceType, obj: KubernetesObject, body: object[]) {
  await api.patchNamespacedCustomObject(
    { ...type, namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '', body },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
}

export async function addFinalizer(
  api: CustomObjectsApi,
  type: ResourceType,
  obj: KubernetesObject,
  finalizer = FINALIZER,
) {
  const finalizers = obj.metadata?.finalizers;
  await jsonPatch(
    api,
    type,
    obj,
    finalizers?.length
      ? [
          { op: 'test', path: `/metadata/finalizers/${finalizers.length - 1}`, value: finalizers.at(-1) },
          { op: 'add', path: '/metadata/finalizers/-', value: finalizer },
        ]
      : [
          { op: 'test', path: '/metadata/resourceVersion', value: obj.metadata?.resourceVersion },
          { op: 'add', path: '/metadata/finalizers', value: [finalizer] },
        ],
  );
}

export async function removeFinalizer(
  api: CustomObjectsApi,
  type: ResourceType,
  obj: KubernetesObject,
  finalizer = FINALIZER,
) {
  const i = obj.metadata?.finalizers?.indexOf(finalizer) ?? -1;
  if (i < 0) return;
  try {
    await jsonPatch(api, type, obj, [
      { op: 'test', path: `/metadata/finalizers/${i}`, value: finalizer },
      { op: 'remove', path: `/metadata/finalizers/${i}` },
    ]);
  } catch (err) {
    // Gone already: nothing left to remove.
    if (errorCode(err) === 404) return;
    throw err;
  }
}
