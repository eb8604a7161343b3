// What the per-cluster series say, derived from the backups' or restores' status as the watcher's cache
// holds them (level-triggered: recomputed at each scrape, so a restarted operator shows the same values):
// per namespace and Cassandra cluster, how many resources are in each state, when the oldest was created,
// when the last run succeeded and how long it took, and when the last one failed. Times come from status.completionTime; a resource
// without it (written by the IBM operator, or a state set by hand) falls back to the time its Succeeded
// condition turned True or False, and without that it counts in its state only. The status holds no size
// of a backup, so there is none here. A restore with spec.mode Verify only checks its backup: verifies
// are counted apart from the restores of the same cluster (`verify`), so that a verify neither fires nor
// ends a restore's alert.
import type { CassandraBackupStatus, CassandraRestoreStatus } from '../kube/api/resources.js';

/** What is read of a backup or a restore. */
export interface RunResource {
  /** creationTimestamp: a string as the API sends it (the client's type says Date). */
  metadata: { namespace?: string; creationTimestamp?: Date | string };
  spec: { cassandraCluster: string; mode?: string };
  status?: Pick<
    CassandraBackupStatus | CassandraRestoreStatus,
    'state' | 'startTime' | 'completionTime' | 'conditions'
  >;
}

export interface ClusterRuns {
  namespace: string;
  /** spec.cassandraCluster. */
  cluster: string;
  /** Restores with spec.mode Verify: counted apart from the cluster's restores. */
  verify: boolean;
  /** Resources by status.state (`New` before any status). */
  states: Map<string, number>;
  /** When the oldest of them was created, in seconds since the epoch. */
  oldestCreatedAt?: number;
  /** The latest successful run (state COMPLETED): when it ended, in seconds since the epoch, and how long it ran. */
  lastSuccess?: { at: number; durationSeconds?: number };
  /** When the latest failed run (state FAILED) ended, in seconds since the epoch. */
  lastFailureAt?: number;
}

const seconds = (time: Date | string | undefined): number | undefined => {
  if (!time) return undefined;
  const ms = new Date(time).getTime();
  return Number.isFinite(ms) ? ms / 1000 : undefined;
};

/** When the run ended: completionTime, else when its Succeeded condition became `status`. */
function endedAt(resource: RunResource, status: 'True' | 'False'): number | undefined {
  const s = resource.status;
  return (
    seconds(s?.completionTime) ??
    seconds(s?.conditions?.find((c) => c.type === 'Succeeded' && c.status === status)?.lastTransitionTime)
  );
}

/** One entry per (namespace, cluster, verify or not) that has at least one resource, in the order first seen. */
export function clusterRuns(resources: Iterable<RunResource>): ClusterRuns[] {
  const clusters = new Map<string, ClusterRuns>();
  for (const resource of resources) {
    const namespace = resource.metadata.namespace ?? '';
    const cluster = resource.spec.cassandraCluster;
    const verify = resource.spec.mode === 'Verify';
    const key = JSON.stringify([namespace, cluster, verify]);
    let entry = clusters.get(key);
    if (!entry) {
      entry = { namespace, cluster, verify, states: new Map() };
      clusters.set(key, entry);
    }
    const state = resource.status?.state ?? 'New';
    entry.states.set(state, (entry.states.get(state) ?? 0) + 1);
    const created = seconds(resource.metadata.creationTimestamp);
    if (created !== undefined && created < (entry.oldestCreatedAt ?? Infinity))
      entry.oldestCreatedAt = created;
    if (state === 'COMPLETED') {
      const at = endedAt(resource, 'True');
      if (at !== undefined && at > (entry.lastSuccess?.at ?? -Infinity)) {
        const start = seconds(resource.status?.startTime);
        entry.lastSuccess = start !== undefined && at >= start ? { at, durationSeconds: at - start } : { at };
      }
    } else if (state === 'FAILED') {
      const at = endedAt(resource, 'False');
      if (at !== undefined && at > (entry.lastFailureAt ?? -Infinity)) entry.lastFailureAt = at;
    }
  }
  return [...clusters.values()];
}
