// What a workflow run takes and gives: the inputs the watcher and the Temporal Schedules start runs with,
// the results, and the progress the `progress` query answers. Plain data only: everything here goes into
// workflow history, so it never holds a credential value. The signals and the query themselves are
// defined on the workflow side (workflows/signals.ts).
import type { ResourceKey } from './ids.js';
import type { RetentionResult } from './retention.js';
import type { NodeWork, PhaseWork, RestorePhaseName } from './status.js';

/** Operator settings a workflow runs with, fixed when it starts (see src/config.ts for their meaning). */
export interface RunOptions {
  maxParallelNodes: number;
  pollIntervalMs: number;
  unreachableAfterMs: number;
  retryWindowMs: number;
  /**
   * How long a wait for something the spec names that does not exist (configurationWaits) stays
   * PENDING before the run reports it FAILED, still checking (absent in runs started before it).
   */
  configurationWaitMs?: number;
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

/** The signature of backupWorkflow and restoreWorkflow, for the client that starts them. */
export type ResourceWorkflow = (input: ResourceWorkflowInput) => Promise<RunResult>;

/** What the `progress` query answers: the current state, as the workflow knows it. */
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

/** A run of a CassandraBackupSchedule, started by its Temporal Schedule. */
export interface ScheduledBackupInput {
  schedule: ResourceKey;
  options: { pollIntervalMs: number; heartbeatTimeoutMs: number };
}

/** How a scheduled run's backup ended. Deleted: its CassandraBackup was deleted before it ended. */
export type ScheduledBackupResult = 'Succeeded' | 'Failed' | 'Cancelled' | 'Deleted';

export interface ScheduledRunResult {
  outcome: ScheduledBackupResult | 'ScheduleGone';
  backup?: string;
  retention?: RetentionResult;
}
