// Status writes of a CassandraBackupSchedule. Its runs (several at once under concurrencyPolicy Allow)
// and the watcher write it: each write carries the resourceVersion it was computed from, so a write based
// on a stale read is refused (409) and made again from a fresh one, instead of undoing another's.
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';
import { resourceNames, type CassandraBackupSchedule } from './api/resources.js';
import { errorCode } from '../contract/error-code.js';
import type { StatusPatch } from '../contract/status.js';

type ScheduleStatusPatch = StatusPatch<'CassandraBackupSchedule'>;

const { group, version, plural } = resourceNames.CassandraBackupSchedule;

export async function readSchedule(
  custom: CustomObjectsApi,
  namespace: string,
  name: string,
): Promise<CassandraBackupSchedule | undefined> {
  try {
    return (await custom.getNamespacedCustomObject({
      group,
      version,
      plural,
      namespace,
      name,
    })) as CassandraBackupSchedule;
  } catch (err) {
    if (errorCode(err) === 404) return undefined;
    throw err;
  }
}

/** Merge-patches the status, only if the object is still at the resourceVersion it was read at. */
export async function patchScheduleStatus(
  custom: CustomObjectsApi,
  obj: CassandraBackupSchedule,
  status: ScheduleStatusPatch,
): Promise<void> {
  await custom.patchNamespacedCustomObjectStatus(
    {
      group,
      version,
      plural,
      namespace: obj.metadata.namespace ?? '',
      name: obj.metadata.name ?? '',
      body: { metadata: { resourceVersion: obj.metadata.resourceVersion }, status },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/**
 * Reads the schedule, computes a status change from it and writes it, again from a fresh read when
 * another writer came first. Returns false when the schedule (with this uid) is gone.
 */
export async function updateScheduleStatus(
  custom: CustomObjectsApi,
  key: { namespace: string; name: string; uid: string },
  change: (obj: CassandraBackupSchedule) => ScheduleStatusPatch | Promise<ScheduleStatusPatch>,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const obj = await readSchedule(custom, key.namespace, key.name);
    if (obj?.metadata.uid !== key.uid) return false;
    try {
      await patchScheduleStatus(custom, obj, await change(obj));
      return true;
    } catch (err) {
      const code = errorCode(err);
      if (code === 404) return false;
      if (code !== 409 || attempt >= 10) throw err;
    }
  }
}
