// The operator's own Prometheus series (prom-client, one registry per process): resources by state, runs
// started and finished with their durations, Icarus errors per node, status writes and reconciles, per
// Cassandra cluster the last successful and failed run (./cluster-runs.ts), plus Node's process metrics.
// Names are prefixed `cassandra_operator_`; docs/observability.md lists them.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { clusterRuns, type ClusterRuns, type RunResource } from './cluster-runs.js';

const PREFIX = 'cassandra_operator_';

/** States a backup or restore status moves through (the IBM `state` field). */
const TERMINAL: Record<string, 'succeeded' | 'failed' | 'cancelled'> = {
  COMPLETED: 'succeeded',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
};

export interface ResourceCount {
  kind: string;
  state: string;
  count: number;
}

export class OperatorMetrics {
  readonly registry = new Registry();
  private readonly resourceSources: (() => ResourceCount[])[] = [];
  private readonly runSources: { kind: string; list: () => Iterable<RunResource> }[] = [];
  private readonly runsStarted: Counter<'kind'>;
  private readonly runsFinished: Counter<'kind' | 'result'>;
  private readonly runDuration: Histogram<'kind' | 'result'>;
  private readonly icarusErrors: Counter<'node' | 'reason'>;
  private readonly statusWrites: Counter<'kind' | 'result'>;
  private readonly reconciles: Counter<'kind' | 'result'>;

  constructor(opts: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const sources = this.resourceSources;
    new Gauge({
      name: `${PREFIX}resources`,
      help: 'Watched resources by kind and state (backups and restores: status.state; schedules: the Ready reason).',
      labelNames: ['kind', 'state'],
      registers,
      collect() {
        this.reset();
        for (const source of sources)
          for (const { kind, state, count } of source()) this.inc({ kind, state }, count);
      },
    });
    this.clusterGauges(registers);
    this.runsStarted = new Counter({
      name: `${PREFIX}runs_started_total`,
      help: 'Attempts of backups and restores that started work on the nodes (status.state became RUNNING; a retry counts again).',
      labelNames: ['kind'],
      registers,
    });
    this.runsFinished = new Counter({
      name: `${PREFIX}runs_finished_total`,
      help: 'Backups and restores that ended, by result: succeeded, failed, cancelled.',
      labelNames: ['kind', 'result'],
      registers,
    });
    this.runDuration = new Histogram({
      name: `${PREFIX}run_duration_seconds`,
      help: 'From status.startTime to status.completionTime of the backups and restores that ended.',
      labelNames: ['kind', 'result'],
      buckets: [10, 30, 60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400],
      registers,
    });
    this.icarusErrors = new Counter({
      name: `${PREFIX}icarus_errors_total`,
      help: 'Failed Icarus calls per node (its sidecar host:port) and reason: IcarusUnavailable, IcarusRejected, IcarusProtocolError, IcarusOperationLost.',
      labelNames: ['node', 'reason'],
      registers,
    });
    this.statusWrites = new Counter({
      name: `${PREFIX}status_writes_total`,
      help: 'Status writes to the Kubernetes API, by kind and result: ok, gone (resource deleted), conflict (written again from a fresh read), error.',
      labelNames: ['kind', 'result'],
      registers,
    });
    this.reconciles = new Counter({
      name: `${PREFIX}reconciles_total`,
      help: 'Reconciles of the watcher, by kind and result: ok, error.',
      labelNames: ['kind', 'result'],
      registers,
    });
  }

  /** A source of resource counts, read at each scrape (the watcher's caches). */
  countResources(source: () => ResourceCount[]): void {
    this.resourceSources.push(source);
  }

  /** Backups or restores of one kind, read at each scrape (the watcher's cache) for the per-cluster series. */
  runsOf(kind: string, list: () => Iterable<RunResource>): void {
    this.runSources.push({ kind, list });
  }

  /**
   * The per-cluster gauges, labelled with the resource's kind and namespace and its spec.cassandraCluster
   * (and mode="Verify" for the verifies of a cluster, counted apart from its restores), each derived afresh at each scrape from the run sources: a cluster whose resources are all gone loses
   * its series.
   */
  private clusterGauges(registers: Registry[]): void {
    const sources = this.runSources;
    const gauge = (
      name: string,
      help: string,
      values: (runs: ClusterRuns) => [labels: Record<string, string>, value: number | undefined][],
      extraLabels: string[] = [],
    ) =>
      new Gauge({
        name: `${PREFIX}${name}`,
        help,
        labelNames: ['kind', 'namespace', 'cassandra_cluster', 'mode', ...extraLabels],
        registers,
        collect() {
          this.reset();
          for (const { kind, list } of sources) {
            for (const runs of clusterRuns(list())) {
              const labels = {
                kind,
                namespace: runs.namespace,
                cassandra_cluster: runs.cluster,
                // Verifies (restores with spec.mode Verify) apart; a restore's series have no mode.
                ...(runs.verify ? { mode: 'Verify' } : {}),
              };
              for (const [extra, value] of values(runs))
                if (value !== undefined) this.set({ ...labels, ...extra }, value);
            }
          }
        },
      });
    gauge(
      'cluster_resources',
      'Backups and restores per namespace and Cassandra cluster (spec.cassandraCluster), by status.state (New before any status).',
      (runs) => [...runs.states].map(([state, count]) => [{ state }, count]),
      ['state'],
    );
    gauge(
      'oldest_created_timestamp_seconds',
      'When the oldest backup or restore of the cluster that exists now was created (metadata.creationTimestamp), in seconds since the epoch: how long a cluster without any success has been waiting for one.',
      (runs) => [[{}, runs.oldestCreatedAt]],
    );
    gauge(
      'last_success_timestamp_seconds',
      'When the latest successful backup or restore of the cluster ended (status.completionTime of the newest COMPLETED one), in seconds since the epoch.',
      (runs) => [[{}, runs.lastSuccess?.at]],
    );
    gauge(
      'last_success_duration_seconds',
      'How long that latest successful backup or restore ran: status.completionTime - status.startTime.',
      (runs) => [[{}, runs.lastSuccess?.durationSeconds]],
    );
    gauge(
      'last_failure_timestamp_seconds',
      'When the latest failed backup or restore of the cluster that is still FAILED ended (its status.completionTime), in seconds since the epoch.',
      (runs) => [[{}, runs.lastFailureAt]],
    );
  }

  /** A status write moved a resource from one state to another (counted once: retries see no change). */
  stateChanged(
    kind: string,
    from: string | undefined,
    to: string | undefined,
    times: { startTime?: string; completionTime?: string },
  ): void {
    if (!to || from === to) return;
    if (to === 'RUNNING') this.runsStarted.inc({ kind });
    const result = TERMINAL[to];
    if (!result) return;
    this.runsFinished.inc({ kind, result });
    const start = times.startTime ? Date.parse(times.startTime) : NaN;
    const end = times.completionTime ? Date.parse(times.completionTime) : NaN;
    if (Number.isFinite(start) && Number.isFinite(end) && end >= start)
      this.runDuration.observe({ kind, result }, (end - start) / 1000);
  }

  icarusError(node: string, reason: string): void {
    this.icarusErrors.inc({ node, reason });
  }

  statusWritten(kind: string, result: 'ok' | 'gone' | 'conflict' | 'error'): void {
    this.statusWrites.inc({ kind, result });
  }

  reconciled(kind: string, result: 'ok' | 'error'): void {
    this.reconciles.inc({ kind, result });
  }
}
