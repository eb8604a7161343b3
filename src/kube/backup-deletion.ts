// What deleting a CassandraBackup does to its data, pure (spec.deletionPolicy; docs/usage.md, "Deleting"):
//   - Retain (the default): nothing, the data stays;
//   - Delete: the backup stored under status.snapshotTag is removed before the finalizer goes, unless
//     nothing is there to remove (no tag: it never got as far as writing; or the tag a schedule's
//     retention already removed, which it records in an annotation before deleting the resource), and
//     not while a CassandraRestore that has neither succeeded nor is being deleted uses it.
import type { CassandraBackup, CassandraRestore } from './api/resources.js';
import { restoresUsing } from './restore-uses.js';

/** Written by whoever removed a backup's data from storage, before its resource is deleted: the tag removed. */
export const REMOVED_FROM_STORAGE_ANNOTATION = 'cassandra-backup-operator.io/removed-from-storage';

export type DeletionDecision =
  /** deletionPolicy Retain: the data stays. */
  | { kind: 'retain' }
  /** Nothing in storage to remove; `why` says so to a person. */
  | { kind: 'nothing'; why: string }
  /** Restores (their names) still use the backup: the removal waits. */
  | { kind: 'held'; tag: string; by: string[] }
  /** Remove the backup stored under `tag`. */
  | { kind: 'remove'; tag: string };

/** The tag of the backup's data a removal already took out of storage, if any. */
export function removedTag(backup: CassandraBackup): string | undefined {
  return backup.metadata.annotations?.[REMOVED_FROM_STORAGE_ANNOTATION];
}

export function decideDeletion(
  backup: CassandraBackup,
  restores: readonly CassandraRestore[],
): DeletionDecision {
  if ((backup.spec.deletionPolicy ?? 'Retain') !== 'Delete') return { kind: 'retain' };
  const tag = backup.status?.snapshotTag;
  if (!tag) {
    return {
      kind: 'nothing',
      why: 'it never started writing to storage (it has no status.snapshotTag)',
    };
  }
  if (removedTag(backup) === tag) {
    return { kind: 'nothing', why: `backup ${tag} was removed from storage already` };
  }
  const users = restoresUsing(restores, backup);
  if (users.length > 0) return { kind: 'held', tag, by: users.map((r) => r.metadata.name ?? '') };
  return { kind: 'remove', tag };
}
