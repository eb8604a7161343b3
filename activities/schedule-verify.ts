// A schedule's verify of each backup of it that succeeded (spec.verifyBackups): the CassandraRestore
// `<backup>-verify` with mode Verify, owned by the backup (Kubernetes' garbage collector deletes it with
// the backup, by retention or by hand), created once: a repeated run finds it and makes no second one.
// The watcher hands it to its own restore workflow, like any restore.
import { apiMessage } from '../src/kube/api-message.js';
import { GROUP, VERSION } from '../src/kube/api/schema.js';
import {
  cassandraRestoreSpecSchema,
  resourceNames,
  type CassandraBackupSchedule,
  type CassandraRestore,
} from '../src/kube/api/resources.js';
import type { EventRecord } from '../src/kube/events.js';
import { SCHEDULE_LABEL, verifyRestoreName } from '../src/schedule/backup-name.js';
import type { ResourceKey } from '../src/contract/ids.js';
import { errorCode } from '../src/contract/error-code.js';
import type { ActivityDeps } from './deps.js';
import { readByName } from './resource.js';

/**
 * Creates the backup's verify when the schedule asks for one. Returns the Event that says so on the
 * schedule (none when it asks for none, or the verify was made before).
 */
export async function verifyScheduledBackup(
  deps: ActivityDeps,
  schedule: CassandraBackupSchedule,
  backup: ResourceKey,
): Promise<EventRecord | undefined> {
  if (schedule.spec.verifyBackups !== true) return undefined;
  const name = verifyRestoreName(backup.name);
  const body: CassandraRestore = {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'CassandraRestore',
    metadata: {
      name,
      namespace: backup.namespace,
      labels: { [SCHEDULE_LABEL]: schedule.metadata.name ?? '' },
      ownerReferences: [
        {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'CassandraBackup',
          name: backup.name,
          uid: backup.uid,
          controller: true,
        },
      ],
    },
    // The CRD's defaults filled in, as the API server would.
    spec: cassandraRestoreSpecSchema.parse({
      cassandraCluster: schedule.spec.backupTemplate.spec.cassandraCluster,
      cassandraBackup: backup.name,
      mode: 'Verify',
    }),
  };
  const notCreated = (why: string): EventRecord => ({
    type: 'Warning',
    reason: 'VerifyNotCreated',
    message: `CassandraBackup ${backup.name} succeeded, but its verify ${name} was not created: ${why}`,
  });
  try {
    await deps.custom.createNamespacedCustomObject({
      ...resourceNames.CassandraRestore,
      namespace: backup.namespace,
      body,
    });
  } catch (err) {
    const code = errorCode(err);
    if (code === 422) return notCreated(`the API server refused it: ${apiMessage(err)}`);
    if (code !== 409) throw err;
    // Made before (a retried activity, a repeated run): nothing to say, if it is this backup's.
    const found = await readByName(deps, 'CassandraRestore', backup.namespace, name);
    if (found?.metadata.ownerReferences?.some((o) => o.uid === backup.uid)) return undefined;
    return notCreated(
      'a CassandraRestore of that name exists and does not belong to the backup: rename or delete it',
    );
  }
  return {
    type: 'Normal',
    reason: 'VerifyCreated',
    message: `Created CassandraRestore ${name} (mode Verify) to verify CassandraBackup ${backup.name}`,
  };
}
