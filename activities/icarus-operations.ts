// The activities that talk to Icarus about operations: submit once per node (adopting an operation that
// an interrupted attempt already started), watch every running operation of a resource (one poller per
// resource whatever the node count, writing the nodes' progress through the status writer), and cancel
// (ask, then wait).
import { Context } from '@temporalio/activity';
import { IcarusOperationLostError, IcarusError } from '../src/icarus/errors.js';
import {
  backupForNode,
  backupRequest,
  type BackupRequest,
  type BackupRequestTemplate,
  type Credentials,
} from '../src/icarus/requests.js';
import type { Operation } from '../src/icarus/types.js';
import { finishedStates } from '../src/icarus/types.js';
import type { CassandraBackupSpec } from '../src/kube/api/resources.js';
import type {
  BackupPlan,
  CancelResult,
  NodeOutcome,
  WatchInput,
  WatchResult,
} from '../src/contract/activity-io.js';
import type { NodeWork, StatusFields } from '../src/contract/status.js';
import type { ResourceKey, ResourceKind } from '../src/contract/ids.js';
import { nodeStatus, overallProgress, percent } from '../src/contract/node-progress.js';
import { credentialsFor } from './backup-plan.js';
import type { ActivityDeps } from './deps.js';
import { nextPollDelay } from './poll-delay.js';
import { ensureNotDeleted } from './resource.js';
import { ensureSecretStillThere } from './secret-still-there.js';

export type SubmitBackupInput = {
  resource: ResourceKey;
  node: NodeWork;
  /** The extra operation, after every node succeeded, that writes the cluster's topology file. */
  uploadClusterTopology?: boolean;
} & (BuiltBackupInput | SpecBackupInput);

/** The plan's request (BackupPlan.request), made this node's here. */
export interface BuiltBackupInput {
  request: BackupRequestTemplate;
  /** Cassandra's name of the cluster: the first folder of each node's storage location. */
  clusterName: string;
  /** The spec's Secret: checked still there before anything is posted. */
  secretName: string;
}

/**
 * The spec and the plan, built into this node's request here: what the workflows passed before
 * `backup-request-built-in-plan` (replayed histories, tasks scheduled before the upgrade).
 */
export interface SpecBackupInput {
  spec: CassandraBackupSpec;
  plan: Omit<BackupPlan, 'nodes' | 'request'>;
}

export interface Submitted {
  operationId: string;
  state: string;
  /** True when an operation of this backup was already running on the node (an interrupted attempt). */
  adopted: boolean;
}

export async function submitBackup(deps: ActivityDeps, input: SubmitBackupInput): Promise<Submitted> {
  const { node, resource } = input;
  const { request, secretName, storageLocation } = nodeBackupRequest(input);
  const client = deps.icarus(node.icarusUrl);
  const signal = Context.current().cancellationSignal;
  // An earlier attempt of this activity may have submitted before its worker died: adopt that operation.
  const existing = (await client.listOperations({ type: 'backup' }, { signal })).find(
    (op) =>
      op.snapshotTag === request.snapshotTag &&
      op.storageLocation === request.storageLocation &&
      Boolean(op.uploadClusterTopology) === request.uploadClusterTopology &&
      op.state !== 'FAILED' &&
      op.state !== 'CANCELLED',
  );
  if (existing) {
    deps.logger.info(
      { ...resource, pod: node.pod, operationId: existing.id },
      'Adopted the backup operation an interrupted attempt had started',
    );
    return { operationId: existing.id, state: existing.state, adopted: true };
  }
  await ensureNotDeleted(deps, 'CassandraBackup', resource);
  await ensureSecretStillThere(deps, {
    namespace: resource.namespace,
    secretName,
    storageLocation,
    pod: node.pod,
  });
  const op = await client.submit(request, { signal });
  deps.logger.info({ ...resource, pod: node.pod, operationId: op.id }, 'Submitted a backup operation');
  return { operationId: op.id, state: op.state, adopted: false };
}

/** This node's request, and the Secret and location (as the spec gives it) it reads with. */
function nodeBackupRequest(input: SubmitBackupInput): {
  request: BackupRequest;
  secretName: string;
  storageLocation: string;
} {
  const { node, resource } = input;
  const uploadClusterTopology = input.uploadClusterTopology ?? false;
  if ('request' in input) {
    return {
      request: backupForNode(
        input.request,
        { cluster: input.clusterName, dc: node.dc, hostId: node.hostId },
        uploadClusterTopology,
      ),
      secretName: input.secretName,
      storageLocation: input.request.storageLocation,
    };
  }
  const { spec, plan } = input;
  const credentials: Credentials = credentialsFor(plan.icarusGeneration, resource.namespace, spec.secretName);
  const request = backupRequest({
    spec,
    node: { cluster: plan.clusterName, dc: node.dc, hostId: node.hostId },
    resolvedTag: plan.resolvedTag,
    schemaVersion: plan.schemaVersion,
    dataDirs: plan.dataDirs,
    credentials,
    uploadClusterTopology,
  });
  return { request, secretName: spec.secretName, storageLocation: spec.storageLocation };
}

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

export interface CancelInput {
  resource: ResourceKey;
  operations: { pod: string; icarusUrl: string; operationId: string }[];
  graceMs: number;
  pollIntervalMs: number;
}

/**
 * Icarus's DELETE only raises a flag (a rate-limited transfer then fails; other work runs to its end),
 * so cancelling is: ask every node, then wait until its operation has ended, up to `graceMs`.
 */
export async function cancelOperations(deps: ActivityDeps, input: CancelInput): Promise<CancelResult> {
  const ctx = Context.current();
  const outcomes: Record<string, string> = {};
  await Promise.all(
    input.operations.map(async (o) => {
      try {
        await deps.icarus(o.icarusUrl).cancelOperation(o.operationId);
      } catch (err) {
        if (err instanceof IcarusOperationLostError) outcomes[o.pod] = 'LOST';
        else if (!(err instanceof IcarusError)) throw err;
      }
    }),
  );
  const until = Date.now() + input.graceMs;
  let waiting = input.operations.filter((o) => !outcomes[o.pod]);
  while (waiting.length > 0) {
    const states = await Promise.all(
      waiting.map(async (o): Promise<string | undefined> => {
        try {
          const op = await deps.icarus(o.icarusUrl).getOperation(o.operationId);
          return op.state;
        } catch (err) {
          if (err instanceof IcarusOperationLostError) return 'LOST';
          if (err instanceof IcarusError) return undefined;
          throw err;
        }
      }),
    );
    waiting.forEach((o, i) => {
      const state = states[i];
      if (state && (state === 'LOST' || finishedStates.has(state as Operation['state'])))
        outcomes[o.pod] = state;
    });
    waiting = waiting.filter((o) => !outcomes[o.pod]);
    ctx.heartbeat({ waiting: waiting.map((o) => o.pod) });
    if (waiting.length === 0) break;
    if (Date.now() >= until) {
      for (const o of waiting) outcomes[o.pod] = 'ABANDONED';
      break;
    }
    await new Promise((r) => setTimeout(r, input.pollIntervalMs));
  }
  deps.logger.info({ ...input.resource, outcomes }, 'Cancelled the Icarus operations');
  return { outcomes };
}
