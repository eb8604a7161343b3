// Who a workflow works for, and the ids derived from it. Workflow ids are derived from the resource, so
// every reconcile of it, by any operator replica, names the same workflow: Temporal then refuses a second
// one. The uid tells a deleted-and-recreated resource from the old one of the same name. Readable in the
// Temporal Web UI. Plain functions: the watcher and the workflows (a scheduled run signals its backup's
// workflow) derive the same ids.

/** The resources this operator runs workflows for. */
export type ResourceKind = 'CassandraBackup' | 'CassandraRestore';

/** The resource a workflow works for. The uid makes a deleted-and-recreated resource another one. */
export interface ResourceKey {
  namespace: string;
  name: string;
  uid: string;
}

export function backupWorkflowId(namespace: string, name: string, uid: string): string {
  return `cassandrabackup/${namespace}/${name}/${uid}`;
}

/**
 * The removal of a deleted backup's data (deletionPolicy Delete): one per resource, whichever replica
 * starts it, apart from the backup's own workflow (which has ended by then).
 */
export function backupRemovalWorkflowId(namespace: string, name: string, uid: string): string {
  return `cassandrabackup-removal/${namespace}/${name}/${uid}`;
}

export function restoreWorkflowId(namespace: string, name: string, uid: string): string {
  return `cassandrarestore/${namespace}/${name}/${uid}`;
}

export function workflowIdOf(
  kind: 'CassandraBackup' | 'CassandraRestore',
  namespace: string,
  name: string,
  uid: string,
): string {
  return kind === 'CassandraBackup'
    ? backupWorkflowId(namespace, name, uid)
    : restoreWorkflowId(namespace, name, uid);
}

/** The Temporal Schedule of a CassandraBackupSchedule (its runs are `<id>/run-<time>`, named by Temporal). */
export function scheduleIdOf(namespace: string, name: string, uid: string): string {
  return `cassandrabackupschedule/${namespace}/${name}/${uid}`;
}

/** The workflow that lists a CassandraBackupSync's location, for as long as the resource exists. */
export function syncWorkflowId(namespace: string, name: string, uid: string): string {
  return `cassandrabackupsync/${namespace}/${name}/${uid}`;
}
