// Reading a CassandraBackupSchedule as it is now. Its status is written, by its runs (several at once
// under concurrencyPolicy Allow) and by the watcher, through the status writer (./status-writer.ts),
// whose concurrency policy keeps one writer from undoing another's write.
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { resourceNames, type CassandraBackupSchedule } from './api/resources.js';
import { errorCode } from '../contract/error-code.js';

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
