// Workflow ids are derived from the resource, so every reconcile of it, by any operator replica, names
// the same workflow: Temporal then refuses a second one. The uid tells a deleted-and-recreated resource
// from the old one of the same name. Readable in the Temporal Web UI.
export function backupWorkflowId(namespace: string, name: string, uid: string): string {
  return `cassandrabackup/${namespace}/${name}/${uid}`;
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
