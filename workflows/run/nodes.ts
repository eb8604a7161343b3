// Running one operation per node: at most maxParallelNodes submitted at a time, all of them followed by
// one watch activity, a node whose operation Icarus lost submitted again (when its kind allows, at most
// MAX_RESUBMITS times per attempt), the nodes that failed and why. Submitting is the kind's own (a
// backup, a restore phase); a stop known meanwhile submits nothing new (run/cancellation.ts).
import { isCancellation, patched } from '@temporalio/workflow';
import type { WatchInput } from '../../src/contract/activity-io.js';
import { FailureType } from '../../src/contract/failures.js';
import { overallProgress } from '../../src/contract/node-progress.js';
import type { Reason } from '../../src/contract/reasons.js';
import type { NodeWork, ResourceEvent } from '../../src/contract/status.js';
import { NO_SUBMIT_AFTER_CANCEL_PATCH, type Cancellation } from './cancellation.js';
import { failedNodeReason, nodesFailedReason } from './node-reasons.js';
import type { Operations } from './operations.js';
import { failureMessage, failureType } from './outcomes.js';
import type { Reporter } from './report.js';
import type { RunState } from './state.js';

/** A node whose Icarus lost its operation (sidecar restart) is submitted again at most this often. */
export const MAX_RESUBMITS = 2;

/** How the scheduler treats one kind of operation. */
export interface NodeRun {
  submit(node: NodeWork): Promise<{ operationId: string; state: string }>;
  /** Whether an operation Icarus lost may simply be submitted again. */
  resubmitLost(node: NodeWork): boolean;
  /** Called when a node's operation completed; may return an Event to publish. */
  completed(node: NodeWork): ResourceEvent | undefined;
  /** What the watch reports as overall progress (see WatchInput.phaseProgress). */
  phaseProgress?: WatchInput['phaseProgress'];
  /** The overall percentage of the run's nodes after a watch returned (default: their mean). */
  overall?(nodes: NodeWork[]): number;
}

export class NodeScheduler {
  /** Why each failed node failed (NodeFailed, or a reason of its own, run/node-reasons.ts). */
  private readonly nodeReasons = new Map<string, string>();

  constructor(
    private readonly run: RunState,
    private readonly operations: Operations,
    private readonly cancellation: Cancellation,
    private readonly report: Reporter,
  ) {}

  /**
   * Runs every pending node's operation, at most maxParallelNodes at a time, and watches them with one
   * activity. A lost operation is submitted again when the kind allows it. Returns the nodes that
   * failed, or 'timeout' (after cancelling what still ran).
   */
  async runNodes(
    nodes: NodeWork[],
    pending: NodeWork[],
    deadline: number,
    run: NodeRun,
  ): Promise<NodeWork[] | 'timeout'> {
    const queue = [...pending];
    const failed: NodeWork[] = [];
    const resubmits = new Map<string, number>();
    const operations = this.operations;
    while (queue.length > 0 || operations.size > 0) {
      this.cancellation.throwIfStopping();
      const batch = queue.splice(0, Math.max(0, this.run.options.maxParallelNodes - operations.size));
      await Promise.all(
        batch.map(async (node) => {
          try {
            const submitted = await run.submit(node);
            node.operationId = submitted.operationId;
            node.state = submitted.state;
            node.progress = 0;
            node.startTime = new Date().toISOString();
            delete node.completionTime;
            delete node.lastError;
            operations.started({ kind: 'node', node });
          } catch (err) {
            // Siblings still in flight may yet start operations: settle them all, then stop (below).
            if (isCancellation(err) && !patched(NO_SUBMIT_AFTER_CANCEL_PATCH)) throw err;
            if (isCancellation(err)) return;
            if (failureType(err) === FailureType.resourceDeleted) {
              this.cancellation.cancel('ResourceDeleted');
              return;
            }
            node.state = 'FAILED';
            node.lastError = failureMessage(err);
            this.nodeReasons.set(node.pod, failureType(err) ?? 'NodeFailed');
            failed.push(node);
            this.report.holdForFailure({
              type: 'Warning',
              reason: 'NodeFailed',
              message: `Node ${node.pod}${node.phase ? ` (${node.phase})` : ''}: ${node.lastError}`,
            });
          }
        }),
      );
      this.cancellation.throwIfStopping();
      if (operations.size === 0) continue;
      const result = await operations.watch(nodes, operations.keys(), {
        returnWhen: queue.length > 0 ? 'any' : 'all',
        deadline,
        ...(run.phaseProgress ? { phaseProgress: run.phaseProgress } : {}),
      });
      result.nodes.forEach((n, i) => Object.assign(nodes[i] ?? {}, n));
      const progress = this.run.progress;
      progress.progress = run.overall ? run.overall(progress.nodes) : overallProgress(progress.nodes);
      const events: ResourceEvent[] = [];
      for (const end of result.ended) {
        const node = nodes.find((n) => n.pod === end.pod);
        operations.ended(end.pod);
        if (!node) continue;
        if (end.outcome === 'COMPLETED') {
          const event = run.completed(node);
          if (event) events.push(event);
        } else if (
          end.outcome === 'LOST' &&
          run.resubmitLost(node) &&
          (resubmits.get(node.pod) ?? 0) < MAX_RESUBMITS
        ) {
          resubmits.set(node.pod, (resubmits.get(node.pod) ?? 0) + 1);
          const lost = node.operationId;
          delete node.operationId;
          node.lastError = `Icarus lost operation ${lost} (sidecar restarted?); submitted again`;
          queue.unshift(node);
          events.push({
            type: 'Warning',
            reason: 'OperationLost',
            message: `Node ${node.pod}: ${node.lastError}`,
          });
        } else {
          failed.push(node);
          this.nodeReasons.set(node.pod, failedNodeReason(end));
          events.push({
            type: 'Warning',
            reason: 'NodeFailed',
            message: `Node ${node.pod}${node.phase ? ` (${node.phase})` : ''}: ${end.message ?? node.lastError ?? end.outcome}`,
          });
        }
      }
      await this.report.emit(...events);
      if (result.timedOut) {
        await operations.cancelAll();
        return 'timeout';
      }
    }
    return failed;
  }

  /**
   * The condition reason of failed nodes: what they all failed of when it has a reason of its own (every
   * node unreachable, every request rejected ...), NodeFailed otherwise.
   */
  failedReason(failed: NodeWork[]): Reason {
    return nodesFailedReason(new Set(failed.map((n) => this.nodeReasons.get(n.pod) ?? 'NodeFailed')));
  }
}
