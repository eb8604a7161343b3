// The operator's own Prometheus series (prom-client, one registry per process): resources by state, runs
// started and finished with their durations, Icarus errors per node, status writes and reconciles, plus
// Node's process metrics. Names are prefixed `cassandra_operator_`; docs/observability.md lists them.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
