// The Icarus operations a run has started and not yet seen end: what its one watch activity polls and
// what a cancel must stop. Each is for a piece of work: a node's own operation (its backup, or a restore
// phase on it), or the cluster topology upload that ends a backup (workflows/backup-topology.ts), which
// runs on a node that has an operation of its own.
import type { WatchInput, WatchResult } from '../../src/contract/activity-io.js';
import type { NodeWork } from '../../src/contract/status.js';
import { watchActivities } from './activities.js';
import type { RunState } from './state.js';

/** What an operation works for. */
export type Work =
  /** A node's own operation: its state and error are the node's entry in status.nodes. */
  | { kind: 'node'; node: NodeWork }
  /**
   * The backup's cluster topology upload, on one node once every node succeeded: no node's progress,
   * so a cancel leaves that node's entry as it is.
   */
  | { kind: 'topology'; node: NodeWork };

/**
 * The key the watch and the cancel activity know an operation by, in their inputs and results (and so in
 * history): the pod for a node's own operation, `<pod>#topology` for the topology upload.
 */
export function workKey(work: Work): string {
  return work.kind === 'topology' ? `${work.node.pod}#topology` : work.node.pod;
}

export class Operations {
  /** By workKey, in the order they started. */
  private readonly running = new Map<string, Work>();
  /** Long activities heartbeat: a dead worker's watch moves to another worker after this time-out. */
  private readonly activities: ReturnType<typeof watchActivities>;

  constructor(private readonly run: RunState) {
    this.activities = watchActivities(run.options.heartbeatTimeoutMs);
  }

  /** An operation was submitted for this work (its node has the operationId). */
  started(work: Work): void {
    this.running.set(workKey(work), work);
  }

  /** The operation of this key ended (the watch said so). */
  ended(key: string): void {
    this.running.delete(key);
  }

  get size(): number {
    return this.running.size;
  }

  /** The keys of the running operations, in the order they started. */
  keys(): string[] {
    return [...this.running.keys()];
  }

  /** Polls the `active` ones of `nodes` until one or all ended, or the deadline. */
  watch(
    nodes: NodeWork[],
    active: string[],
    opts: Pick<WatchInput, 'returnWhen' | 'deadline' | 'silent' | 'phaseProgress'>,
  ): Promise<WatchResult> {
    return this.activities.watchOperations({
      resource: this.run.resource,
      kind: this.run.kind,
      nodes,
      active,
      ...opts,
      pollIntervalMs: this.run.options.pollIntervalMs,
      unreachableAfterMs: this.run.options.unreachableAfterMs,
    });
  }

  /**
   * Asks Icarus to stop every running operation and waits for them (bounded by the grace period). A
   * node's entry says how its operation ended; the topology upload's node keeps its own.
   */
  async cancelAll(): Promise<Record<string, string>> {
    const operations = [...this.running.entries()]
      .filter(([, work]) => work.node.operationId)
      .map(([key, work]) => ({
        pod: key,
        icarusUrl: work.node.icarusUrl,
        operationId: work.node.operationId ?? '',
      }));
    if (operations.length === 0) return {};
    const { cancelGraceMs, pollIntervalMs } = this.run.options;
    const { outcomes } = await this.activities.cancelOperations({
      resource: this.run.resource,
      operations,
      graceMs: cancelGraceMs,
      pollIntervalMs,
    });
    for (const [key, state] of Object.entries(outcomes)) {
      const work = this.running.get(key);
      if (work?.kind === 'node') {
        const node = work.node;
        node.state = state === 'ABANDONED' ? 'RUNNING' : state;
        node.lastError =
          state === 'ABANDONED'
            ? `still running ${Math.round(cancelGraceMs / 1000)} s after the cancel request: abandoned`
            : `cancelled (${state})`;
      }
      this.running.delete(key);
    }
    return outcomes;
  }
}

/**
 * What a cancel did to the operations it asked Icarus to stop, by how each ended: "; Icarus operations:
 * 2 cancelled, 1 had already completed". Empty when none was running.
 */
export function describeStopped(outcomes: Record<string, string>): string {
  const counts = new Map<string, number>();
  for (const state of Object.values(outcomes)) counts.set(state, (counts.get(state) ?? 0) + 1);
  if (counts.size === 0) return '';
  const words: Record<string, string> = {
    CANCELLED: 'cancelled',
    COMPLETED: 'had already completed',
    // Icarus ends an operation it stopped on request FAILED ("… (cancelled)"), as esop does.
    FAILED: 'stopped (ended FAILED)',
    LOST: 'were no longer known to Icarus',
    ABANDONED: 'still running and abandoned',
  };
  const parts = [...counts].map(([state, n]) => `${n} ${words[state] ?? state}`);
  return `; Icarus operations: ${parts.join(', ')}`;
}
