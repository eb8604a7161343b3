// Which CassandraRestores still need a CassandraBackup's data, pure: a schedule's retention and a
// backup's deletionPolicy Delete both leave a backup in storage while one of them does.
import type { CassandraBackup, CassandraRestore } from './api/resources.js';
import { isConditionTrue } from './conditions.js';

const normalLocation = (l: string | undefined) => (l ?? '').replace(/\/+$/, '');

/**
 * Whether a restore reads this backup: by name, or by location and a tag the backup's full tag starts
 * with (a restore by tag prefix picks the newest match when it runs).
 */
export function restoreUses(restore: CassandraRestore, backup: CassandraBackup): boolean {
  const name = backup.metadata.name;
  if (restore.spec.cassandraBackup === name || restore.status?.source?.cassandraBackup === name) return true;
  const tag = backup.status?.snapshotTag;
  const restoreTag = restore.status?.source?.snapshotTag || restore.spec.snapshotTag;
  const restoreLocation = restore.status?.source?.storageLocation || restore.spec.storageLocation;
  return Boolean(
    tag &&
    restoreTag &&
    tag.startsWith(restoreTag) &&
    normalLocation(restoreLocation) === normalLocation(backup.spec.storageLocation),
  );
}

const ENDED = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/**
 * The restores that still use the backup: those that read it and have neither succeeded nor are being
 * deleted (a failed restore can be retried, so it still counts). A verify (mode Verify) only while it
 * runs: it restores nothing, and one that found the backup damaged must not keep it from going.
 */
export function restoresUsing(
  restores: readonly CassandraRestore[],
  backup: CassandraBackup,
): CassandraRestore[] {
  return restores.filter(
    (r) =>
      !r.metadata.deletionTimestamp &&
      !isConditionTrue(r.status?.conditions, 'Succeeded') &&
      !(r.spec.mode === 'Verify' && ENDED.has(r.status?.state ?? '')) &&
      restoreUses(r, backup),
  );
}
