// What the backup workflow shares with its callers (the watcher, `temporal workflow signal`, tests) and
// its activities: signals, the query, inputs and the plain data that travels between them. Plain data
// only: everything here goes into workflow history, so it never holds a credential value.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CassandraBackupSpec } from '../src/kube/api/resources.js';

/** The resource a workflow works for. The uid makes a deleted-and-recreated resource another one. */
export interface ResourceKey {
  namespace: string;
  name: string;
  uid: string;
}

/** Operator settings a workflow runs with, fixed when it starts (see src/config.ts for their meaning). */
export interface RunOptions {
  maxParallelNodes: number;
  pollIntervalMs: number;
  unreachableAfterMs: number;
  retryWindowMs: number;
  cancelGraceMs: number;
  heartbeatTimeoutMs: number;
  workflowUrl?: string;
}

export interface BackupWorkflowInput {
  resource: ResourceKey;
  /** metadata.generation seen by the watcher when it started the workflow. */
  generation: number;
  options: RunOptions;
}

/** Sent by the watcher when metadata.generation moved: a failed backup is then retried with the new spec. */
export const specChangedSignal = defineSignal<[{ generation: number }]>('specChanged');
/** Retry a failed backup with its current spec (`temporal workflow signal --name retry`). */
export const retrySignal = defineSignal<[]>('retry');
/** Stop: asks Icarus to cancel what runs, waits for it, then ends (the watcher sends it on deletion). */
export const cancelSignal = defineSignal<[{ reason?: string }?]>('cancel');

/** One Cassandra node's part of the work. */
export interface NodeWork {
  pod: string;
  dc: string;
  rack: string;
  hostId: string;
  /** Icarus endpoint as host:port. */
  address: string;
  icarusUrl: string;
  operationId?: string;
  /** Icarus state of operationId: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED. */
  state?: string;
  /** 0..100 */
  progress?: number;
  startTime?: string;
  completionTime?: string;
  lastError?: string;
}

export interface BackupProgress {
  attempt: number;
  /** IBM state: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED. */
  state: string;
  progress: number;
  /** Reason of the Succeeded condition (Planning, Running, Completed, NodeFailed, ...). */
  reason: string;
  message: string;
  generation: number;
  snapshotTag?: string;
  nodes: NodeWork[];
}

/** The current state, as the workflow knows it (live per-node progress is in the resource's status). */
export const progressQuery = defineQuery<BackupProgress>('progress');

/** What the plan activity found: where each node is and what the backup will be called. */
export interface BackupPlan {
  /** Cluster name as Cassandra reports it. */
  clusterName: string;
  schemaVersion: string;
  /** <tag>-<schemaVersion>-<epochMillis>, shared by every node. */
  resolvedTag: string;
  icarusGeneration: 2 | 3;
  dataDirs: string[];
  nodes: NodeWork[];
}

export interface LoadedBackup {
  generation: number;
  spec: CassandraBackupSpec;
}

/** A Kubernetes Event to publish on the resource. */
export interface ResourceEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface ConditionChange {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** A status write: top-level fields (null clears one) and condition changes applied to the live object. */
export interface StatusChange {
  fields: Record<string, unknown>;
  conditions?: ConditionChange[];
  /** Condition bookkeeping uses this generation. */
  generation: number;
}

/** How an operation on one node ended, as the watch activity saw it. */
export type NodeOutcome = 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'LOST' | 'UNREACHABLE';

export interface WatchInput {
  resource: ResourceKey;
  kind: 'CassandraBackup';
  /** Every node, in status order; the ones in `active` are polled. */
  nodes: NodeWork[];
  active: string[];
  /** Return as soon as one active node ends ('any'), or when all have ('all'). */
  returnWhen: 'any' | 'all';
  /** Epoch ms after which the watch returns with timedOut (spec.timeout). */
  deadline: number;
  pollIntervalMs: number;
  unreachableAfterMs: number;
  /** Write nothing to the resource's status (the topology upload, which is not a node's progress). */
  silent?: boolean;
}

export interface WatchResult {
  nodes: NodeWork[];
  ended: { pod: string; outcome: NodeOutcome; message?: string }[];
  timedOut: boolean;
}

export interface CancelResult {
  /** Per pod: the state the operation ended in, or ABANDONED when it still ran after the grace period. */
  outcomes: Record<string, string>;
}

/** Failure types the workflow reads from activities (ApplicationFailure.type). */
export const FailureType = {
  /** A PlanError: the type is its reason; details[0] is { transient }. */
  invalidSpec: 'InvalidSpec',
} as const;
