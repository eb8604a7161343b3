// The watchOperations activity: one poller per resource, whatever the node count, reads every running
// operation of it until one or all end (backups and restores), heartbeats, and writes the nodes' progress
// through the status writer as they move (never the state: that is the workflow's).
import { Context } from '@temporalio/activity';
import { IcarusOperationLostError, IcarusError } from '../src/icarus/errors.js';
import type { Operation } from '../src/icarus/types.js';
import { finishedStates } from '../src/icarus/types.js';
import type { NodeOutcome, WatchInput, WatchResult } from '../src/contract/activity-io.js';
import type { NodeWork, StatusFields } from '../src/contract/status.js';
import type { ResourceKind } from '../src/contract/ids.js';
import { nodeStatus, overallProgress, percent } from '../src/contract/node-progress.js';
import type { ActivityDeps } from './deps.js';
import { nextPollDelay } from './poll-delay.js';

interface PollAnswer {
  pod: string;
  op?: Operation;
  error?: unknown;
}

/** Polls the active nodes' operations until one or all end, writing live status as they move. */
export async function watchOperations(deps: ActivityDeps, input: WatchInput): Promise<WatchResult> {
  const ctx = Context.current();
  const nodes = input.nodes.map((n) => ({ ...n }));
  const byPod = new Map(nodes.map((n) => [n.pod, n]));
  const active = new Set(input.active);
  const ended: WatchResult['ended'] = [];
  const unreachableSince = new Map<string, number>();
  const ref = {
    kind: input.kind,
    namespace: input.resource.namespace,
    name: input.resource.name,
    uid: input.resource.uid,
  };

  for (;;) {
    if (Date.now() >= input.deadline) {
      if (!input.silent) await deps.statusWriter.flush(ref, { fields: liveStatus(nodes, input) });
      return { nodes, ended, timedOut: true };
    }
    const answers = await Promise.all(
      [...active].map(async (pod): Promise<PollAnswer> => {
        const node = byPod.get(pod);
        if (!node?.operationId) return { pod, error: new Error(`node ${pod} has no operation to watch`) };
        try {
          return {
            pod,
            op: await deps
              .icarus(node.icarusUrl)
              .getOperation(node.operationId, { signal: ctx.cancellationSignal }),
          };
        } catch (error) {
          if (!(error instanceof IcarusError)) throw error;
          return { pod, error };
        }
      }),
    );
    const endedNow: WatchResult['ended'] = [];
    for (const answer of answers) {
      const node = byPod.get(answer.pod);
      if (!node) continue;
      const outcome = applyAnswer(node, answer, unreachableSince, input.unreachableAfterMs);
      if (outcome) {
        active.delete(answer.pod);
        endedNow.push({
          pod: answer.pod,
          outcome: outcome.outcome,
          ...(outcome.message ? { message: outcome.message } : {}),
        });
      }
    }
    ended.push(...endedNow);
    ctx.heartbeat({ operations: nodes.filter((n) => active.has(n.pod)).map((n) => [n.pod, n.operationId]) });
    const done = active.size === 0 || (input.returnWhen === 'any' && ended.length > 0);
    if (done) {
      if (!input.silent) await deps.statusWriter.flush(ref, { fields: liveStatus(nodes, input) });
      return { nodes, ended, timedOut: false };
    }
    if (!input.silent)
      void deps.statusWriter.update(ref, { fields: liveStatus(nodes, input) }).catch(() => {});
    await ctx.sleep(
      nextPollDelay(
        answers.filter((a) => active.has(a.pod)).map((a) => a.op),
        Date.now(),
        input.pollIntervalMs,
      ),
    );
  }
}

/**
 * What the watch writes as it goes: the nodes and the overall progress, values alone (the status writer
 * sends them without a read). The state and the conditions are the workflow's to write.
 */
function liveStatus(nodes: NodeWork[], input: WatchInput): StatusFields<ResourceKind> {
  const phase = input.phaseProgress;
  const progress = phase
    ? Math.floor(
        (phase.done * 100 + overallProgress(nodes.filter((n) => input.active.includes(n.pod)))) / phase.total,
      )
    : overallProgress(nodes);
  return { progress, nodes: nodes.map(nodeStatus) };
}

function applyAnswer(
  node: NodeWork,
  answer: PollAnswer,
  unreachableSince: Map<string, number>,
  unreachableAfterMs: number,
): { outcome: NodeOutcome; message?: string } | undefined {
  if (answer.op) {
    unreachableSince.delete(node.pod);
    const op = answer.op;
    node.state = op.state;
    node.progress = percent(op.state, op.progress, node.progress);
    if (op.startTime) node.startTime = op.startTime;
    if (!finishedStates.has(op.state)) return undefined;
    node.completionTime = op.completionTime ?? new Date().toISOString();
    if (op.state === 'COMPLETED') {
      delete node.lastError;
      return { outcome: 'COMPLETED' };
    }
    const message =
      (op.errors ?? [])
        .map((e) => e.message)
        .filter(Boolean)
        .join('; ') || `operation ${op.id} ended ${op.state}`;
    node.lastError = message;
    return { outcome: op.state === 'CANCELLED' ? 'CANCELLED' : 'FAILED', message };
  }
  const error = answer.error;
  if (error instanceof IcarusOperationLostError) {
    node.lastError = error.message;
    node.state = 'LOST';
    return { outcome: 'LOST', message: error.message };
  }
  const message = error instanceof Error ? error.message : String(error);
  const since = unreachableSince.get(node.pod) ?? Date.now();
  unreachableSince.set(node.pod, since);
  node.lastError = message;
  if (Date.now() - since >= unreachableAfterMs) {
    return {
      outcome: 'UNREACHABLE',
      message: `Icarus unreachable for ${Math.round((Date.now() - since) / 1000)} s: ${message}`,
    };
  }
  return undefined;
}
