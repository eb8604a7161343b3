// What the backup and restore workflows share with their callers (the watcher, `temporal workflow
// signal`, tests) and their activities: signals, the query, inputs and the plain data that travels between them. Plain data
// only: everything here goes into workflow history, so it never holds a credential value.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CassandraBackupSpec, CassandraRestoreSpec } from '../src/kube/api/resources.js';

/** The resources this operator runs workflows for. */
export type ResourceKind = 'CassandraBackup' | 'CassandraRestore';

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

export interface ResourceWorkflowInput {
  resource: ResourceKey;
  /** metadata.generation seen by the watcher when it started the workflow. */
  generation: number;
  options: RunOptions;
}

export type BackupWorkflowInput = ResourceWorkflowInput;
export type RestoreWorkflowInput = ResourceWorkflowInput;

/** How a backup or restore workflow ended when it did not fail. */
export interface RunResult {
  outcome: 'Succeeded' | 'ResourceGone';
  snapshotTag?: string;
  nodes: number;
}

/** Sent by the watcher when metadata.generation moved: a failed run is then retried with the new spec. */
export const specChangedSignal = defineSignal<[{ generation: number }]>('specChanged');
/** Retry a failed backup or restore with its current spec (`temporal workflow signal --name retry`). */
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
  /** Restore only: the phase of operationId (DOWNLOAD, TRUNCATE, IMPORT, CLEANUP). */
  phase?: RestorePhaseName;
}

export const restorePhaseNames = ['DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP'] as const;
export type RestorePhaseName = (typeof restorePhaseNames)[number];

/** One restore phase over all its nodes (status.phases). */
export interface PhaseWork {
  name: RestorePhaseName;
  state: 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
  nodes: number;
  completedNodes: number;
  startTime?: string;
  completionTime?: string;
}

export interface RunProgress {
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
  /** Restore only: the current phase and every phase's state. */
  phase?: RestorePhaseName;
  phases?: PhaseWork[];
}

/** The current state, as the workflow knows it (live per-node progress is in the resource's status). */
export const progressQuery = defineQuery<RunProgress>('progress');

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
  /** The resource is being deleted (metadata.deletionTimestamp): nothing may start for it. */
  deleting?: boolean;
}

export interface LoadedRestore {
  generation: number;
  spec: CassandraRestoreSpec;
  deleting?: boolean;
}

/** Where a restore reads from, resolved from the spec or from its CassandraBackup. */
export interface RestoreSource {
  cassandraBackup?: string;
  storageLocation: string;
  /** The backup's full tag, or the prefix the user gave (each node then picks its newest match). */
  snapshotTag: string;
  secretName: string;
  /** The backup's schema version, when known (from the CassandraBackup). */
  schemaVersion?: string;
}

/** What the restore plan activity found: the source, the nodes to restore and where files go. */
export interface RestorePlan {
  clusterName: string;
  icarusGeneration: 2 | 3;
  source: RestoreSource;
  dataDirs: string[];
  cassandraDirectory: string;
  downloadDir: string;
  /** The selected nodes (spec.dc), in status order. */
  nodes: NodeWork[];
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
  kind: ResourceKind;
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
  /**
   * Restore: the overall progress counts phases. `done` phases are finished out of `total`; the active
   * nodes' mean progress is the current phase's share. Without it, progress is the mean over all nodes.
   */
  phaseProgress?: { done: number; total: number };
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
  /** A submission found its resource deleted (or being deleted) just before it would have posted. */
  resourceDeleted: 'ResourceDeleted',
} as const;

/** A run of a CassandraBackupSchedule, started by its Temporal Schedule. */
export interface ScheduledBackupInput {
  schedule: ResourceKey;
  options: { pollIntervalMs: number; heartbeatTimeoutMs: number };
}

/** How a scheduled run's backup ended. Deleted: its CassandraBackup was deleted before it ended. */
export type ScheduledBackupResult = 'Succeeded' | 'Failed' | 'Cancelled' | 'Deleted';

export interface BackupRunOutcome {
  result: ScheduledBackupResult;
  /** The Succeeded condition's reason and message, when the backup has them. */
  reason?: string;
  message?: string;
}

/** What retention decided: the backups to remove, and the ones kept although the policy lets them go. */
export interface RetentionPlan {
  /** False when the schedule has no retention (or is gone): nothing to do. */
  enabled: boolean;
  dry: boolean;
  remove: ResourceKey[];
  kept: number;
  /** 'backup (used by CassandraRestore r)'. */
  protected: string[];
}

export interface RetentionResult {
  dry: boolean;
  removed: string[];
  wouldRemove: string[];
  kept: number;
  protected: string[];
  /** Backups whose removal failed (kept; tried again after the next successful run). */
  failed: { name: string; message: string }[];
}

export interface ScheduledRunResult {
  outcome: ScheduledBackupResult | 'ScheduleGone';
  backup?: string;
  retention?: RetentionResult;
}
