// The custom search attributes of the operator's workflows, by name: the watcher sets them when it starts
// a run (src/temporal/search-attributes.ts turns them into the SDK's keys) and a backup's or restore's
// run keeps `ResourceState` in step with its resource's state (workflows/run/resource-state.ts), so that
// the Temporal Web UI can list, for example, the failed runs that wait for a retry. Each is a Keyword.

export const searchAttributeNames = {
  kubernetesNamespace: 'KubernetesNamespace',
  cassandraCluster: 'CassandraCluster',
  resourceKind: 'ResourceKind',
  /** The resource's `status.state` as its run last wrote it: PENDING, RUNNING, FAILED, ... */
  resourceState: 'ResourceState',
} as const;
