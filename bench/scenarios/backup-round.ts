// N backups created at once, one per cluster, then waited for: what the start-latency, completion and
// scale scenarios share.
import type { PodCluster } from '../../dev/simulated-pods.js';
import { BENCH_LOCATION, type Bench } from '../harness.js';
import type { Observer } from '../observer.js';

const ENDED = ['COMPLETED', 'FAILED'];

export interface Round {
  names: string[];
  /** Cluster of each backup, by name. */
  clusterOf: Map<string, PodCluster>;
  startedAt: number;
  endedAt: number;
}

export async function backupRound(
  bench: Bench,
  namespace: string,
  observer: Observer,
  clusters: readonly PodCluster[],
  prefix: string,
  timeoutMs: number,
): Promise<Round> {
  const names = clusters.map((_, i) => `${prefix}-${i}`);
  const clusterOf = new Map(names.map((n, i) => [n, clusters[i] as PodCluster]));
  const startedAt = Date.now();
  await Promise.all(
    names.map((name) =>
      bench.create(namespace, 'CassandraBackup', name, {
        cassandraCluster: clusterOf.get(name)?.cluster.opts.name,
        storageLocation: BENCH_LOCATION,
        secretName: 'creds',
      }),
    ),
  );
  await observer.until(
    `${names.length} backups (${prefix}) to end`,
    () => observer.countIn(names, ENDED) === names.length,
    timeoutMs,
  );
  const failed = names.filter((n) => observer.seen.get(n)?.states.has('FAILED'));
  if (failed.length > 0) {
    const first = observer.seen.get(failed[0] as string)?.latest.status as { errors?: unknown } | undefined;
    throw new Error(`${failed.length} backup(s) failed, e.g. ${failed[0]}: ${JSON.stringify(first?.errors)}`);
  }
  return { names, clusterOf, startedAt, endedAt: Date.now() };
}

/** The workflow of each resource, as Temporal describes it: start time and history length. */
export async function describeWorkflows(
  bench: Bench,
  observer: Observer,
  names: readonly string[],
): Promise<Map<string, { startTime: number; historyLength: number }>> {
  const out = new Map<string, { startTime: number; historyLength: number }>();
  for (const name of names) {
    const id = (observer.seen.get(name)?.latest.status as { workflowId?: string } | undefined)?.workflowId;
    if (!id) throw new Error(`${name} has no status.workflowId`);
    const d = await bench.temporal.workflow.getHandle(id).describe();
    out.set(name, { startTime: d.startTime.getTime(), historyLength: d.historyLength });
  }
  return out;
}
